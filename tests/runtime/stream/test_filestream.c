/* test_filestream.c: OpenStreamOnFile(W) on real files in a directory of the test's own: reading,
 * writing, seeking, Stat, SetSize, CopyTo and Clone as IStream documents them; new, truncated
 * and temporary files, SOF_UNIQUEFILENAME's names, delete on release, share modes between two
 * streams, a file removed (and replaced) while open, bad arguments with outputs untouched, and
 * every allocation failing in turn without a file left behind. */
#define _XOPEN_SOURCE 700
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapirt/testhooks.h>

#include "memstream.h"
#include "oom.h"

#define UNTOUCHED ((LPSTREAM)0x5a5a)
#define RW (STGM_READWRITE)

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/mapirt-sof-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

TestSuite(filestream, .init = make_dir, .fini = remove_dir);

static char *in_dir(const char *name)
{
    static char p[4][256];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 256, "%s/%s", dir, name);
    return s;
}

static int files_in_dir(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static LPSTREAM open_ok(ULONG flags, const char *name, const char *prefix)
{
    LPSTREAM s = NULL;
    HRESULT hr = OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer, flags, (LPTSTR)name,
                                  (LPTSTR)prefix, &s);
    cr_assert_eq(hr, S_OK, "OpenStreamOnFile(0x%08x, %s) = 0x%08x", (unsigned)flags,
                 name ? name : "NULL", (unsigned)hr);
    cr_assert_not_null(s);
    return s;
}

static HRESULT open_hr(ULONG flags, const char *name, const char *prefix)
{
    LPSTREAM s = UNTOUCHED;
    HRESULT hr = OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer, flags, (LPTSTR)name,
                                  (LPTSTR)prefix, &s);
    if (FAILED(hr))
        cr_assert_eq(s, UNTOUCHED, "a failed call leaves *lppStream alone");
    else
        s->lpVtbl->Release(s);
    return hr;
}

static ULONG write_str(LPSTREAM s, const char *text)
{
    ULONG n = 0;
    cr_assert_eq(s->lpVtbl->Write(s, text, (ULONG)strlen(text), &n), S_OK);
    return n;
}

static uint64_t seek(LPSTREAM s, LONGLONG to, DWORD origin)
{
    LARGE_INTEGER li;
    ULARGE_INTEGER pos;
    li.QuadPart = to;
    cr_assert_eq(s->lpVtbl->Seek(s, li, origin, &pos), S_OK);
    return pos.QuadPart;
}

/* Reads what is left into a static buffer, NUL-terminated. */
static const char *read_rest(LPSTREAM s)
{
    static char buf[4096];
    ULONG got = 0;
    cr_assert_eq(s->lpVtbl->Read(s, buf, sizeof(buf) - 1, &got), S_OK);
    buf[got] = '\0';
    return buf;
}

static char *stat_name(LPSTREAM s, STATSTG *st)
{
    static char name[512];
    cr_assert_eq(s->lpVtbl->Stat(s, st, STATFLAG_DEFAULT), S_OK);
    cr_assert_not_null(st->pwcsName);
    char *a = mapirt_str_w_to_a_dup(st->pwcsName);
    cr_assert_not_null(a);
    snprintf(name, sizeof(name), "%s", a);
    mapirt_free(a);
    MAPIFreeBuffer(st->pwcsName);
    return name;
}

Test(filestream, create_write_seek_read_stat)
{
    const char *path = in_dir("new.bin");
    LPSTREAM s = open_ok(STGM_CREATE | RW, path, NULL);
    cr_assert_eq(write_str(s, "hello, world"), 12);
    cr_assert_eq(seek(s, 0, STREAM_SEEK_CUR), 12);
    cr_assert_eq(seek(s, 7, STREAM_SEEK_SET), 7);
    cr_assert_str_eq(read_rest(s), "world");
    cr_assert_eq(seek(s, -5, STREAM_SEEK_END), 7);
    cr_assert_eq(seek(s, -2, STREAM_SEEK_CUR), 5);
    cr_assert_str_eq(read_rest(s), ", world");
    /* At the end: S_OK and nothing read. */
    char c;
    ULONG got = 7;
    cr_assert_eq(s->lpVtbl->Read(s, &c, 1, &got), S_OK);
    cr_assert_eq(got, 0);
    /* Past the end, then writing there: the gap reads as zeros. */
    cr_assert_eq(seek(s, 20, STREAM_SEEK_SET), 20);
    cr_assert_eq(write_str(s, "!"), 1);
    cr_assert_eq(seek(s, 12, STREAM_SEEK_SET), 12);
    BYTE gap[9];
    cr_assert_eq(s->lpVtbl->Read(s, gap, sizeof(gap), &got), S_OK);
    cr_assert_eq(got, 9);
    cr_assert_eq(gap[0], 0);
    cr_assert_eq(gap[8], '!');

    STATSTG st;
    cr_assert_str_eq(stat_name(s, &st), path);
    cr_assert_eq(st.type, STGTY_STREAM);
    cr_assert_eq(st.cbSize.QuadPart, 21);
    cr_assert_eq(st.grfMode, STGM_CREATE | RW);
    cr_assert_eq(st.grfLocksSupported, 0);
    cr_assert(st.mtime.dwHighDateTime > 0x01D00000u, "a FILETIME of this century");
    cr_assert_eq(s->lpVtbl->Stat(s, &st, STATFLAG_NONAME), S_OK);
    cr_assert_null(st.pwcsName);
    cr_assert_eq(s->lpVtbl->Stat(s, &st, 0x100), STG_E_INVALIDFLAG);
    cr_assert_eq(s->lpVtbl->Commit(s, STGC_DEFAULT), S_OK);
    cr_assert_eq(s->lpVtbl->Commit(s, 0x100), STG_E_INVALIDFLAG);
    cr_assert_eq(s->lpVtbl->Revert(s), S_OK);
    cr_assert_eq(s->lpVtbl->Release(s), 0);

    /* The data is in the file. */
    struct stat fs;
    cr_assert_eq(stat(path, &fs), 0);
    cr_assert_eq(fs.st_size, 21);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, seek_refusals_keep_the_pointer)
{
    LPSTREAM s = open_ok(STGM_CREATE | RW, in_dir("seek"), NULL);
    write_str(s, "abc");
    LARGE_INTEGER li;
    ULARGE_INTEGER pos = {.QuadPart = 99};
    li.QuadPart = -4;
    cr_assert_eq(s->lpVtbl->Seek(s, li, STREAM_SEEK_CUR, &pos), STG_E_INVALIDFUNCTION);
    cr_assert_eq(pos.QuadPart, 99, "a refused seek leaves plibNewPosition alone");
    li.QuadPart = 0;
    cr_assert_eq(s->lpVtbl->Seek(s, li, 3, &pos), STG_E_INVALIDFUNCTION);
    li.QuadPart = INT64_MAX;
    cr_assert_eq(s->lpVtbl->Seek(s, li, STREAM_SEEK_END, &pos), STG_E_INVALIDFUNCTION);
    cr_assert_eq(seek(s, 0, STREAM_SEEK_CUR), 3);
    li.QuadPart = 1;
    cr_assert_eq(s->lpVtbl->Seek(s, li, STREAM_SEEK_SET, NULL), S_OK, "the position is optional");
    cr_assert_str_eq(read_rest(s), "bc");
    s->lpVtbl->Release(s);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, existing_files_and_access_modes)
{
    const char *path = in_dir("existing.txt");
    write_file(path, "original text");

    /* Read-only: the contents; writing is refused. */
    LPSTREAM s = open_ok(STGM_READ, path, NULL);
    cr_assert_str_eq(read_rest(s), "original text");
    ULONG n = 9;
    cr_assert_eq(s->lpVtbl->Write(s, "x", 1, &n), STG_E_ACCESSDENIED);
    cr_assert_eq(n, 0);
    ULARGE_INTEGER size = {.QuadPart = 1};
    cr_assert_eq(s->lpVtbl->SetSize(s, size), STG_E_ACCESSDENIED);
    s->lpVtbl->Release(s);

    /* Write-only: reading is refused; without STGM_CREATE the file is not truncated. */
    s = open_ok(STGM_WRITE, path, NULL);
    char buf[4];
    cr_assert_eq(s->lpVtbl->Read(s, buf, sizeof(buf), &n), STG_E_ACCESSDENIED);
    cr_assert_eq(n, 0);
    write_str(s, "ORIG");
    s->lpVtbl->Release(s);
    s = open_ok(STGM_READ, path, NULL);
    cr_assert_str_eq(read_rest(s), "ORIGinal text");
    s->lpVtbl->Release(s);

    /* STGM_CREATE replaces the contents. */
    s = open_ok(STGM_CREATE | STGM_WRITE, path, NULL);
    s->lpVtbl->Release(s);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 0);

    /* Without STGM_CREATE nothing is created. */
    cr_assert_eq(open_hr(RW, in_dir("absent"), NULL), MAPI_E_NOT_FOUND);
    cr_assert_eq(access(in_dir("absent"), F_OK), -1);
    cr_assert_eq(open_hr(STGM_READ, in_dir("no/such/dir"), NULL), MAPI_E_NOT_FOUND);
    cr_assert_eq(open_hr(STGM_READ, "", NULL), MAPI_E_NOT_FOUND);
    /* Not a regular file. */
    cr_assert_eq(open_hr(STGM_READ, dir, NULL), MAPI_E_NO_ACCESS);
    cr_assert_eq(open_hr(RW, dir, NULL), MAPI_E_NO_ACCESS);
    cr_assert_eq(mkfifo(in_dir("fifo"), 0600), 0);
    cr_assert_eq(open_hr(STGM_READ, in_dir("fifo"), NULL), MAPI_E_NO_ACCESS, "and no hang");
    MAPIRT_LEAK_CHECK();
}

Test(filestream, relative_names_become_absolute)
{
    char cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    cr_assert_eq(chdir(dir), 0);
    LPSTREAM s = open_ok(STGM_CREATE | RW, "rel.txt", NULL);
    STATSTG st;
    cr_assert_str_eq(stat_name(s, &st), in_dir("rel.txt"));
    s->lpVtbl->Release(s);
    cr_assert_eq(chdir(cwd), 0);
    MAPIRT_LEAK_CHECK();
}

/* The name Stat reports must be dir/<prefix>HHHH.TMP. */
static void expect_unique_name(const char *name, const char *in, const char *prefix)
{
    size_t dl = strlen(in), pl = strlen(prefix);
    cr_assert_eq(strncmp(name, in, dl), 0, "%s is in %s", name, in);
    cr_assert_eq(name[dl], '/');
    const char *base = name + dl + 1;
    cr_assert_eq(strncmp(base, prefix, pl), 0, "%s starts with %s", base, prefix);
    cr_assert_eq(strlen(base), pl + 8, "%s is <prefix>HHHH.TMP", base);
    for (int i = 0; i < 4; i++)
        cr_assert(strchr("0123456789ABCDEF", base[pl + i]) != NULL, "%s: hex digits", base);
    cr_assert_str_eq(base + pl + 4, ".TMP");
}

Test(filestream, unique_file_names)
{
    const ULONG flags = SOF_UNIQUEFILENAME | STGM_CREATE | RW;
    STATSTG st;
    LPSTREAM a = open_ok(flags | STGM_DELETEONRELEASE, dir, "abc");
    LPSTREAM b = open_ok(flags | STGM_DELETEONRELEASE, dir, "abc");
    char na[512];
    strcpy(na, stat_name(a, &st));
    expect_unique_name(na, dir, "abc");
    cr_assert_eq(st.grfMode, STGM_CREATE | RW | STGM_DELETEONRELEASE);
    char *nb = stat_name(b, &st);
    expect_unique_name(nb, dir, "abc");
    cr_assert_str_neq(na, nb, "two unique files");
    cr_assert_eq(files_in_dir(), 2);
    write_str(a, "temporary");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
    cr_assert_eq(files_in_dir(), 0, "STGM_DELETEONRELEASE removed both");

    /* The default prefix is SOF; without STGM_DELETEONRELEASE the file stays. */
    LPSTREAM c = open_ok(flags, dir, NULL);
    expect_unique_name(stat_name(c, &st), dir, "SOF");
    c->lpVtbl->Release(c);
    cr_assert_eq(files_in_dir(), 1);

    /* No directory: $TMPDIR. A prefix of three characters that are not ASCII. */
    cr_assert_eq(setenv("TMPDIR", dir, 1), 0);
    LPSTREAM d = open_ok(flags | STGM_DELETEONRELEASE, NULL, "\xc3\xa9t\xc3\xa9");
    expect_unique_name(stat_name(d, &st), dir, "\xc3\xa9t\xc3\xa9");
    d->lpVtbl->Release(d);

    /* Prefixes: at most three characters, and a name, not a path. */
    cr_assert_eq(open_hr(flags, dir, "abcd"), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(flags, dir, "a/b"), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(flags, in_dir("missing"), NULL), MAPI_E_NOT_FOUND);
    cr_assert_eq(files_in_dir(), 1);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, nameless_temporary_file)
{
    cr_assert_eq(setenv("TMPDIR", dir, 1), 0);
    /* Without a name the file must be new and temporary. */
    cr_assert_eq(open_hr(STGM_CREATE | RW, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(STGM_DELETEONRELEASE | RW, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    LPSTREAM s = open_ok(STGM_CREATE | STGM_DELETEONRELEASE | RW, NULL, NULL);
    STATSTG st;
    expect_unique_name(stat_name(s, &st), dir, "SOF");
    cr_assert_eq(files_in_dir(), 1);
    s->lpVtbl->Release(s);
    cr_assert_eq(files_in_dir(), 0);
    /* $TMPDIR that does not exist. */
    cr_assert_eq(setenv("TMPDIR", in_dir("gone"), 1), 0);
    cr_assert_eq(open_hr(STGM_CREATE | STGM_DELETEONRELEASE | RW, NULL, NULL), MAPI_E_NOT_FOUND);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, bad_arguments_leave_everything_alone)
{
    const char *path = in_dir("f");
    write_file(path, "keep");
    LPSTREAM s = UNTOUCHED;
    cr_assert_eq(OpenStreamOnFile(NULL, MAPIFreeBuffer, RW, (LPTSTR)path, NULL, &s),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(OpenStreamOnFile(MAPIAllocateBuffer, NULL, RW, (LPTSTR)path, NULL, &s),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(s, UNTOUCHED);
    cr_assert_eq(OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer, RW, (LPTSTR)path, NULL,
                                  NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(RW | 0x100, path, NULL), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(open_hr(STGM_TRANSACTED | RW, path, NULL), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(open_hr(STGM_WRITE | STGM_READWRITE, path, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(STGM_SHARE_DENY_NONE | STGM_SHARE_EXCLUSIVE, path, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(open_hr(STGM_CREATE | STGM_READ, path, NULL), MAPI_E_INVALID_PARAMETER,
                 "creating needs write access");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 4, "nothing was truncated");
    cr_assert_eq(files_in_dir(), 1);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, share_modes_between_streams)
{
    const char *path = in_dir("shared");
    write_file(path, "data");
    LPSTREAM a = open_ok(STGM_READ | STGM_SHARE_DENY_WRITE, path, NULL);
    cr_assert_eq(open_hr(RW, path, NULL), MAPI_E_NO_ACCESS, "writing is denied");
    cr_assert_eq(open_hr(STGM_CREATE | RW, path, NULL), MAPI_E_NO_ACCESS);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 4, "a refused STGM_CREATE truncates nothing");
    LPSTREAM b = open_ok(STGM_READ, path, NULL);
    cr_assert_eq(open_hr(STGM_READ | STGM_SHARE_EXCLUSIVE, path, NULL), MAPI_E_NO_ACCESS);
    b->lpVtbl->Release(b);
    a->lpVtbl->Release(a);

    a = open_ok(RW | STGM_SHARE_EXCLUSIVE, path, NULL);
    cr_assert_eq(open_hr(STGM_READ, path, NULL), MAPI_E_NO_ACCESS);
    /* Clones share the open file: no conflict with themselves. */
    LPSTREAM c = NULL;
    cr_assert_eq(a->lpVtbl->Clone(a, &c), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(open_hr(STGM_READ, path, NULL), MAPI_E_NO_ACCESS, "the clone keeps the file");
    c->lpVtbl->Release(c);
    cr_assert_eq(open_hr(STGM_READ | STGM_SHARE_DENY_READ, path, NULL), S_OK);
    /* Deny none (the default) lets everybody in. */
    a = open_ok(RW, path, NULL);
    b = open_ok(RW | STGM_SHARE_DENY_NONE, path, NULL);
    cr_assert_eq(open_hr(STGM_READ | STGM_SHARE_DENY_WRITE, path, NULL), MAPI_E_NO_ACCESS,
                 "denying what others already do");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, set_size)
{
    LPSTREAM s = open_ok(STGM_CREATE | RW, in_dir("size"), NULL);
    write_str(s, "0123456789");
    ULARGE_INTEGER size = {.QuadPart = 4};
    cr_assert_eq(s->lpVtbl->SetSize(s, size), S_OK);
    cr_assert_eq(seek(s, 0, STREAM_SEEK_CUR), 10, "SetSize leaves the seek pointer");
    cr_assert_eq(seek(s, 0, STREAM_SEEK_END), 4);
    size.QuadPart = 6;
    cr_assert_eq(s->lpVtbl->SetSize(s, size), S_OK);
    seek(s, 0, STREAM_SEEK_SET);
    char buf[8];
    ULONG got;
    cr_assert_eq(s->lpVtbl->Read(s, buf, sizeof(buf), &got), S_OK);
    cr_assert_eq(got, 6);
    cr_assert_arr_eq(buf, "0123\0\0", 6);
    size.QuadPart = UINT64_MAX;
    cr_assert_eq(s->lpVtbl->SetSize(s, size), STG_E_MEDIUMFULL);
    s->lpVtbl->Release(s);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, copy_to)
{
    LPSTREAM src = open_ok(STGM_CREATE | RW, in_dir("src"), NULL);
    LPSTREAM dst = open_ok(STGM_CREATE | RW, in_dir("dst"), NULL);
    /* More than one chunk of the copy loop. */
    static char big[200000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    ULONG n;
    cr_assert_eq(src->lpVtbl->Write(src, big, sizeof(big), &n), S_OK);
    seek(src, 10, STREAM_SEEK_SET);
    ULARGE_INTEGER cb = {.QuadPart = 150000}, r, w;
    cr_assert_eq(src->lpVtbl->CopyTo(src, dst, cb, &r, &w), S_OK);
    cr_assert_eq(r.QuadPart, 150000);
    cr_assert_eq(w.QuadPart, 150000);
    cr_assert_eq(seek(src, 0, STREAM_SEEK_CUR), 150010, "the source pointer moved");
    /* Asking for more than there is copies what there is. */
    cb.QuadPart = UINT64_MAX;
    cr_assert_eq(src->lpVtbl->CopyTo(src, dst, cb, &r, NULL), S_OK);
    cr_assert_eq(r.QuadPart, sizeof(big) - 150010);
    seek(dst, 0, STREAM_SEEK_SET);
    static char back[200000];
    cr_assert_eq(dst->lpVtbl->Read(dst, back, sizeof(back), &n), S_OK);
    cr_assert_eq(n, sizeof(big) - 10);
    cr_assert_arr_eq(back, big + 10, n);

    /* Into a stream that fails: its error, and what was written before it. */
    struct memstream *m = memstream_over(NULL, 0);
    seek(src, 0, STREAM_SEEK_SET);
    m->write_error = STG_E_MEDIUMFULL;
    cb.QuadPart = 100;
    cr_assert_eq(src->lpVtbl->CopyTo(src, memstream_stream(m), cb, &r, &w), STG_E_MEDIUMFULL);
    cr_assert_eq(w.QuadPart, 0);
    m->write_error = S_OK;
    cr_assert_eq(src->lpVtbl->CopyTo(src, memstream_stream(m), cb, &r, &w), S_OK);
    cr_assert_eq(m->size, 100);
    memstream_release(m);

    /* Onto itself, through a clone. */
    LPSTREAM clone;
    cr_assert_eq(src->lpVtbl->Clone(src, &clone), S_OK);
    seek(src, 0, STREAM_SEEK_SET);
    seek(clone, 0, STREAM_SEEK_END);
    cb.QuadPart = 26;
    cr_assert_eq(src->lpVtbl->CopyTo(src, clone, cb, &r, &w), S_OK);
    cr_assert_eq(seek(clone, 0, STREAM_SEEK_END), sizeof(big) + 26);
    clone->lpVtbl->Release(clone);

    /* A write-only source cannot be read. */
    LPSTREAM wo = open_ok(STGM_WRITE, in_dir("src"), NULL);
    cr_assert_eq(wo->lpVtbl->CopyTo(wo, dst, cb, &r, &w), STG_E_ACCESSDENIED);
    cr_assert_eq(r.QuadPart, 0);
    wo->lpVtbl->Release(wo);
    src->lpVtbl->Release(src);
    dst->lpVtbl->Release(dst);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, clones_have_their_own_pointer)
{
    const char *path = in_dir("clone");
    LPSTREAM s = open_ok(STGM_CREATE | RW | STGM_DELETEONRELEASE, path, NULL);
    write_str(s, "abcdef");
    seek(s, 2, STREAM_SEEK_SET);
    LPSTREAM c = NULL;
    cr_assert_eq(s->lpVtbl->Clone(s, &c), S_OK);
    cr_assert_eq(seek(c, 0, STREAM_SEEK_CUR), 2, "a clone starts where the original is");
    cr_assert_str_eq(read_rest(c), "cdef");
    cr_assert_eq(seek(s, 0, STREAM_SEEK_CUR), 2, "the original did not move");
    write_str(s, "XY");
    seek(c, 0, STREAM_SEEK_SET);
    cr_assert_str_eq(read_rest(c), "abXYef", "they share the bytes");
    s->lpVtbl->Release(s);
    cr_assert_eq(access(path, F_OK), 0, "the clone still holds the file");
    STATSTG st;
    cr_assert_str_eq(stat_name(c, &st), path);
    cr_assert_eq(st.grfMode, STGM_CREATE | RW | STGM_DELETEONRELEASE);
    c->lpVtbl->Release(c);
    cr_assert_eq(access(path, F_OK), -1, "deleted with the last stream");
    MAPIRT_LEAK_CHECK();
}

Test(filestream, file_that_disappears)
{
    const char *path = in_dir("vanishing");
    LPSTREAM s = open_ok(STGM_CREATE | RW | STGM_DELETEONRELEASE, path, NULL);
    write_str(s, "still here");
    cr_assert_eq(unlink(path), 0);
    /* POSIX keeps the file for its open descriptor: the stream goes on working. */
    seek(s, 0, STREAM_SEEK_SET);
    cr_assert_str_eq(read_rest(s), "still here");
    write_str(s, "!");
    STATSTG st;
    cr_assert_eq(s->lpVtbl->Stat(s, &st, STATFLAG_NONAME), S_OK);
    cr_assert_eq(st.cbSize.QuadPart, 11);
    cr_assert_eq(s->lpVtbl->Commit(s, STGC_DEFAULT), S_OK);
    /* Another file takes the name: deleting on release must not remove it. */
    write_file(path, "someone else's");
    s->lpVtbl->Release(s);
    cr_assert_eq(access(path, F_OK), 0, "the new file under the old name is kept");

    /* Truncated behind the stream's back: reads end where the file now ends. */
    s = open_ok(STGM_READ, path, NULL);
    seek(s, 5, STREAM_SEEK_SET);
    cr_assert_eq(truncate(path, 2), 0);
    cr_assert_str_eq(read_rest(s), "");
    cr_assert_eq(seek(s, 0, STREAM_SEEK_END), 2);
    s->lpVtbl->Release(s);

    /* Gone before the call. */
    unlink(path);
    cr_assert_eq(open_hr(STGM_READ, path, NULL), MAPI_E_NOT_FOUND);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, region_locks_are_not_offered)
{
    LPSTREAM s = open_ok(STGM_CREATE | RW | STGM_DELETEONRELEASE, in_dir("locks"), NULL);
    ULARGE_INTEGER off = {.QuadPart = 0}, cb = {.QuadPart = 10};
    cr_assert_eq(s->lpVtbl->LockRegion(s, off, cb, LOCK_WRITE), STG_E_INVALIDFUNCTION);
    cr_assert_eq(s->lpVtbl->UnlockRegion(s, off, cb, LOCK_WRITE), STG_E_INVALIDFUNCTION);
    /* The validation layer: NULL where IStream needs a pointer. */
    cr_assert_eq(s->lpVtbl->Read(s, NULL, 1, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(s->lpVtbl->Stat(s, NULL, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(s->lpVtbl->Clone(s, NULL), MAPI_E_INVALID_PARAMETER);
    IUnknown *u = NULL;
    cr_assert_eq(s->lpVtbl->QueryInterface(s, &IID_ISequentialStream, (void **)&u), S_OK);
    cr_assert_eq((void *)u, (void *)s);
    u->lpVtbl->Release(u);
    s->lpVtbl->Release(s);
    MAPIRT_LEAK_CHECK();
}

Test(filestream, utf16_names)
{
    char a[300];
    snprintf(a, sizeof(a), "%s/\xc3\xa9t\xc3\xa9 \xe2\x82\xac.txt", dir);
    WCHAR *w = mapirt_str_a_to_w_dup(a);
    cr_assert_not_null(w);
    LPSTREAM s = NULL;
    cr_assert_eq(OpenStreamOnFileW(MAPIAllocateBuffer, MAPIFreeBuffer, STGM_CREATE | RW, w, NULL,
                                   &s), S_OK);
    cr_assert_eq(access(a, F_OK), 0, "the UTF-8 name on disk");
    STATSTG st;
    cr_assert_eq(s->lpVtbl->Stat(s, &st, STATFLAG_DEFAULT), S_OK);
    cr_assert_eq(mapirt_wcscmp(st.pwcsName, w), 0);
    MAPIFreeBuffer(st.pwcsName);
    s->lpVtbl->Release(s);
    /* Unique names with a UTF-16 directory and prefix. */
    WCHAR *wd = mapirt_str_a_to_w_dup(dir);
    cr_assert_eq(OpenStreamOnFileW(MAPIAllocateBuffer, MAPIFreeBuffer,
                                   SOF_UNIQUEFILENAME | STGM_CREATE | RW | STGM_DELETEONRELEASE,
                                   wd, u"\u00e9", &s), S_OK);
    expect_unique_name(stat_name(s, &st), dir, "\xc3\xa9");
    s->lpVtbl->Release(s);
    LPSTREAM u = UNTOUCHED;
    cr_assert_eq(OpenStreamOnFileW(MAPIAllocateBuffer, MAPIFreeBuffer, RW, u"/nonexistent/x",
                                   NULL, &u), MAPI_E_NOT_FOUND);
    cr_assert_eq(u, UNTOUCHED);
    cr_assert_eq(OpenStreamOnFileW(MAPIAllocateBuffer, MAPIFreeBuffer, 0x100, wd, NULL, &u),
                 MAPI_E_UNKNOWN_FLAGS);
    mapirt_free(w);
    mapirt_free(wd);
    MAPIRT_LEAK_CHECK();
}

/* The stream's methods answer STG_E_INSUFFICIENTMEMORY where OOM_LOOP expects MAPI's code. */
static HRESULT as_mapi(HRESULT hr)
{
    return hr == STG_E_INSUFFICIENTMEMORY ? MAPI_E_NOT_ENOUGH_MEMORY : hr;
}

/* OpenStreamOnFile that, when it fails, must have left the directory as it was: `path` still
 * holding "precious" and `files` files in all. */
static HRESULT open_or_nothing(ULONG flags, const char *name, const char *path, int files,
                               LPSTREAM *s)
{
    HRESULT hr = OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer, flags, (LPTSTR)name, NULL,
                                  s);
    if (FAILED(hr)) {
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(st.st_size, 8, "a failed STGM_CREATE truncated the file");
        cr_assert_eq(files_in_dir(), files, "a failed call left a file behind");
    }
    return hr;
}

Test(filestream, out_of_memory)
{
    unsigned long oom_points = 0;
    HRESULT hr;
    LPSTREAM s = NULL;
    const char *path = in_dir("oom");
    write_file(path, "precious");

    /* Every failure: MAPI_E_NOT_ENOUGH_MEMORY, the file neither truncated nor left behind. */
    OOM_LOOP(hr, hr = open_or_nothing(STGM_CREATE | RW, path, path, 1, &s), (void)0);
    cr_assert_gt(oom_points, 1);
    write_str(s, "precious");
    s->lpVtbl->Release(s);
    OOM_LOOP(hr,
             hr = open_or_nothing(SOF_UNIQUEFILENAME | STGM_CREATE | RW | STGM_DELETEONRELEASE,
                                  dir, path, 1, &s),
             s->lpVtbl->Release(s));
    const char *fresh = in_dir("fresh");
    OOM_LOOP(hr, hr = open_or_nothing(STGM_CREATE | RW | STGM_DELETEONRELEASE, fresh, path, 1, &s),
             s->lpVtbl->Release(s));
    WCHAR *w = mapirt_str_a_to_w_dup(path);
    OOM_LOOP(hr, hr = OpenStreamOnFileW(MAPIAllocateBuffer, MAPIFreeBuffer, RW, w, u"x", &s),
             (void)0);
    mapirt_free(w);

    /* The stream's own allocations: Stat's name, Clone, CopyTo's buffer. */
    STATSTG st;
    OOM_LOOP(hr, hr = as_mapi(s->lpVtbl->Stat(s, &st, STATFLAG_DEFAULT)),
             MAPIFreeBuffer(st.pwcsName));
    cr_assert_eq(oom_points, 1);
    LPSTREAM c = NULL;
    OOM_LOOP(hr, hr = as_mapi(s->lpVtbl->Clone(s, &c)), c->lpVtbl->Release(c));
    struct memstream *m = memstream_over(NULL, 0);
    ULARGE_INTEGER cb = {.QuadPart = 100};
    OOM_LOOP(hr, hr = as_mapi(s->lpVtbl->CopyTo(s, memstream_stream(m), cb, NULL, NULL)),
             (void)0);
    cr_assert_eq(m->size, 8);
    memstream_release(m);
    s->lpVtbl->Release(s);
    cr_assert_eq(files_in_dir(), 1);
    MAPIRT_LEAK_CHECK();
}
