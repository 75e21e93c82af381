/* tests/runtime/stream/test_filestream_threads.c: file streams used from several threads at
 * once: threads share one stream (Seek + Read and Write under its lock), each also writes
 * through a clone of its own, and others open and release streams on the same file with share
 * modes while that goes on. Meant to be clean under -fsanitize=thread as well as under
 * AddressSanitizer.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapiutil.h>

#define THREADS 4
#define RECORDS 200
#define RECORD 16

static char path[64];
static LPSTREAM shared;
static atomic_int opens_refused, opens_done;

/* Each writer owns a region of the file: record i of writer w is at (w * RECORDS + i) * RECORD,
 * written through the writer's own clone, then read back through the shared stream. */
static void *writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    LPSTREAM mine = NULL;
    if (shared->lpVtbl->Clone(shared, &mine) != S_OK)
        return (void *)1;
    for (int i = 0; i < RECORDS; i++) {
        char rec[RECORD + 1];
        snprintf(rec, sizeof(rec), "w%d-r%010d", w, i);
        LARGE_INTEGER at = {.QuadPart = (LONGLONG)(w * RECORDS + i) * RECORD};
        ULONG n = 0;
        if (mine->lpVtbl->Seek(mine, at, STREAM_SEEK_SET, NULL) != S_OK ||
            mine->lpVtbl->Write(mine, rec, RECORD, &n) != S_OK || n != RECORD)
            return (void *)2;
    }
    mine->lpVtbl->Release(mine);
    return NULL;
}

/* Reads whole records through the one shared stream: its seek pointer is shared, so a read
 * sees a record of somebody's, never half of one (Seek + Read are not atomic together, so the
 * record read may be any whole one, or zeros not yet written). */
static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < RECORDS; i++) {
        char rec[RECORD];
        ULONG n = 0;
        if (shared->lpVtbl->Read(shared, rec, RECORD, &n) != S_OK)
            return (void *)3;
        ULARGE_INTEGER pos;
        LARGE_INTEGER zero = {.QuadPart = 0};
        if (shared->lpVtbl->Seek(shared, zero, STREAM_SEEK_CUR, &pos) != S_OK)
            return (void *)4;
    }
    return NULL;
}

/* Opens and releases streams on the file with and without share modes. */
static void *opener(void *arg)
{
    unsigned seed = (unsigned)(intptr_t)arg;
    for (int i = 0; i < 100; i++) {
        static const ULONG modes[] = {STGM_READ, STGM_READ | STGM_SHARE_DENY_WRITE,
                                      STGM_READ | STGM_SHARE_EXCLUSIVE, STGM_READ |
                                      STGM_SHARE_DENY_NONE};
        LPSTREAM s = NULL;
        HRESULT hr = OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer,
                                      modes[rand_r(&seed) % 4], path, NULL, &s);
        if (hr == S_OK) {
            atomic_fetch_add(&opens_done, 1);
            s->lpVtbl->Release(s);
        } else if (hr == MAPI_E_NO_ACCESS) {
            atomic_fetch_add(&opens_refused, 1);
        } else {
            return (void *)5;
        }
    }
    return NULL;
}

Test(filestream_threads, one_file_many_threads)
{
    strcpy(path, "/tmp/mapirt-sof-threads-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer,
                                  STGM_READWRITE | STGM_DELETEONRELEASE, path, NULL, &shared),
                 S_OK);
    pthread_t t[3 * THREADS];
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i);
        pthread_create(&t[THREADS + i], NULL, reader, NULL);
        pthread_create(&t[2 * THREADS + i], NULL, opener, (void *)(intptr_t)(i + 1));
    }
    for (int i = 0; i < 3 * THREADS; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        cr_assert_null(r, "thread %d failed (%d)", i, (int)(intptr_t)r);
    }
    cr_assert_gt(atomic_load(&opens_done), 0);
    /* Every record is where its writer put it. */
    for (int w = 0; w < THREADS; w++)
        for (int i = 0; i < RECORDS; i++) {
            char want[RECORD + 1], got[RECORD];
            snprintf(want, sizeof(want), "w%d-r%010d", w, i);
            LARGE_INTEGER at = {.QuadPart = (LONGLONG)(w * RECORDS + i) * RECORD};
            ULONG n = 0;
            cr_assert_eq(shared->lpVtbl->Seek(shared, at, STREAM_SEEK_SET, NULL), S_OK);
            cr_assert_eq(shared->lpVtbl->Read(shared, got, RECORD, &n), S_OK);
            cr_assert_eq(n, RECORD);
            cr_assert(memcmp(got, want, RECORD) == 0, "record %d of writer %d", i, w);
        }
    shared->lpVtbl->Release(shared);
    cr_assert_eq(access(path, F_OK), -1, "deleted on release");
}
