/* tests/fuzz/fuzz.h: what every libFuzzer target here shares: reading typed choices from the
 * fuzzer's bytes, an arena for the values built from them, and a check that reports a model
 * disagreement as a crash (so libFuzzer saves the input).
 *
 * The bytes are read from the front; when they run out every read returns 0, so any input is a
 * complete program of choices. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapidefs.h>

typedef struct fz {
    const uint8_t *p;
    size_t n;
    /* arena: every block handed out by fz_alloc, freed by fz_free_all */
    void **blocks;
    size_t nblocks, capblocks;
} fz;

static inline void fz_init(fz *f, const uint8_t *data, size_t size)
{
    memset(f, 0, sizeof(*f));
    f->p = data;
    f->n = size;
}

static inline bool fz_more(const fz *f)
{
    return f->n > 0;
}

static inline uint8_t fz_u8(fz *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint32_t fz_u32(fz *f)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 8) | fz_u8(f);
    return v;
}

/* A number in [0, n) (n > 0). */
static inline uint32_t fz_below(fz *f, uint32_t n)
{
    return (n <= 256 ? fz_u8(f) : fz_u32(f)) % n;
}

static inline bool fz_bool(fz *f)
{
    return fz_u8(f) & 1;
}

/* Aborts with a message: a disagreement between the code and the target's model. libFuzzer
 * reports the abort as a crash and saves the input. */
#define FZ_CHECK(cond, ...)                                                                      \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: model disagreement: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

static inline void *fz_alloc(fz *f, size_t n)
{
    if (f->nblocks == f->capblocks) {
        f->capblocks = f->capblocks ? 2 * f->capblocks : 64;
        f->blocks = realloc(f->blocks, f->capblocks * sizeof(void *));
        if (!f->blocks)
            abort();
    }
    void *b = calloc(1, n ? n : 1);
    if (!b)
        abort();
    f->blocks[f->nblocks++] = b;
    return b;
}

static inline void fz_free_all(fz *f)
{
    for (size_t i = 0; i < f->nblocks; i++)
        free(f->blocks[i]);
    free(f->blocks);
    f->blocks = NULL;
    f->nblocks = f->capblocks = 0;
}

/* A NUL-terminated 8-bit string of up to max bytes from the input (any byte but NUL). With
 * alphabet non-NULL, characters are chosen from it instead. */
static inline char *fz_str(fz *f, size_t max, const char *alphabet)
{
    size_t len = fz_below(f, (uint32_t)max + 1);
    char *s = fz_alloc(f, len + 1);
    for (size_t i = 0; i < len; i++) {
        if (alphabet) {
            s[i] = alphabet[fz_below(f, (uint32_t)strlen(alphabet))];
        } else {
            uint8_t c = fz_u8(f);
            s[i] = c ? (char)c : 'a';
        }
    }
    s[len] = '\0';
    return s;
}

/* A NUL-terminated UTF-16 string of up to max units (any unit but 0, surrogates included). */
static inline WCHAR *fz_wstr(fz *f, size_t max)
{
    size_t len = fz_below(f, (uint32_t)max + 1);
    WCHAR *s = fz_alloc(f, (len + 1) * sizeof(WCHAR));
    for (size_t i = 0; i < len; i++) {
        uint16_t u = (uint16_t)(fz_u8(f) << 8 | fz_u8(f));
        s[i] = u ? u : 'a';
    }
    s[len] = 0;
    return s;
}

#endif
