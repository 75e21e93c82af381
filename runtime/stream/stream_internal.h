/* stream_internal.h: the file-backed IStream behind OpenStreamOnFile(W) (runtime/stream/). */
#ifndef MAPIRT_STREAM_INTERNAL_H
#define MAPIRT_STREAM_INTERNAL_H

#include <mapiutil.h>
#include <stdbool.h>
#include <sys/types.h>

/* What OpenStreamOnFile opened: fd, the file's identity when it was opened (deleted on
 * release only if its name still leads to it), its absolute UTF-8 path (private heap), the
 * STGM_* mode Stat reports, whether to delete the file when the last stream on it is
 * released, and the caller's allocators (Stat's pwcsName comes from them). */
struct sof_share;

struct sof_open {
    int fd;
    struct sof_share *share; /* this open's part in the file's share modes */
    dev_t dev;
    ino_t ino;
    char *path;
    ULONG mode;
    bool delete_on_release;
    LPALLOCATEBUFFER alloc;
    LPFREEBUFFER free;
};

/* A stream is allocated before the file is touched, so that running out of memory never
 * leaves a file created or truncated behind a failed call. */
struct filestream;
/* NULL without memory. */
struct filestream *mapirt_filestream_alloc(void);
/* Gives the stream its file (it owns o's descriptor and path from now on), at offset 0. */
IStream *mapirt_filestream_attach(struct filestream *s, const struct sof_open *o);
/* Frees a stream that got no file. */
void mapirt_filestream_discard(struct filestream *s);

/* Takes an open's part (mode's access and share mode) in the share modes of file dev/ino: 0, or
 * EAGAIN when it conflicts with another open's (a sharing violation), ENOMEM. */
int mapirt_share_take(dev_t dev, ino_t ino, ULONG mode, struct sof_share **out);
/* Gives it back (NULL: nothing). */
void mapirt_share_drop(struct sof_share *share, ULONG mode);

/* The POSIX error of a file operation as OpenStreamOnFile reports it. */
HRESULT mapirt_sof_error(int err);
#endif
