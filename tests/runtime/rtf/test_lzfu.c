/* test_lzfu.c: compressed RTF over buffers ([MS-OXRTFCP]): the specification's two published
 * examples byte for byte in both directions, round trips of random and repetitive data across
 * the dictionary's wrap-around, the uncompressed form, corrupt input and out-of-memory. */
#include <mapix.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/testhooks.h>

#include "oom.h"
#include "rtfcp_examples.h"
#include "rtf/rtf_internal.h"

static void expect_decompress(const BYTE *in, size_t cb, const BYTE *want, size_t cbWant)
{
    BYTE *out = NULL;
    size_t n = 0;
    cr_assert_eq(mapirt_rtf_decompress(in, cb, &out, &n), S_OK);
    cr_assert_eq(n, cbWant);
    cr_assert_arr_eq(out, want, cbWant);
    mapirt_free(out);
}

static void expect_compress(const BYTE *in, size_t cb, const BYTE *want, size_t cbWant)
{
    BYTE *out = NULL;
    size_t n = 0;
    cr_assert_eq(mapirt_rtf_compress(in, cb, &out, &n), S_OK);
    cr_assert_eq(n, cbWant, "compressed to %zu bytes, the specification has %zu", n, cbWant);
    cr_assert_arr_eq(out, want, cbWant);
    mapirt_free(out);
}

Test(lzfu, specification_example_1)
{
    expect_decompress(ex1_lzfu, sizeof(ex1_lzfu), ex1_rtf, sizeof(ex1_rtf) - 1);
    expect_compress(ex1_rtf, sizeof(ex1_rtf) - 1, ex1_lzfu, sizeof(ex1_lzfu));
    MAPIRT_LEAK_CHECK();
}

Test(lzfu, specification_example_2_crosses_write_offset)
{
    expect_decompress(ex2_lzfu, sizeof(ex2_lzfu), ex2_rtf, sizeof(ex2_rtf) - 1);
    expect_compress(ex2_rtf, sizeof(ex2_rtf) - 1, ex2_lzfu, sizeof(ex2_lzfu));
    MAPIRT_LEAK_CHECK();
}

Test(lzfu, crc_of_the_examples)
{
    cr_assert_eq(mapirt_rtf_crc(0, ex1_lzfu + 16, sizeof(ex1_lzfu) - 16), 0xa7c7c5f1u);
    cr_assert_eq(mapirt_rtf_crc(0, ex2_lzfu + 16, sizeof(ex2_lzfu) - 16), 0x514bd4e2u);
}

static void round_trip(const BYTE *data, size_t cb)
{
    BYTE *z = NULL, *back = NULL;
    size_t nz = 0, nb = 0;
    cr_assert_eq(mapirt_rtf_compress(data, cb, &z, &nz), S_OK);
    cr_assert_eq(mapirt_rtf_decompress(z, nz, &back, &nb), S_OK, "size %zu", cb);
    cr_assert_eq(nb, cb);
    if (cb)
        cr_assert_arr_eq(back, data, cb, "round trip of %zu bytes differs", cb);
    mapirt_free(z);
    mapirt_free(back);
}

Test(lzfu, round_trips_random_and_repetitive_data)
{
    static const size_t sizes[] = {0, 1, 2, 7, 8, 9, 16, 17, 18, 207, 4095, 4096, 4097, 9000,
                                   70000};
    srand(12345);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
        size_t cb = sizes[k];
        BYTE *buf = malloc(cb + 1);
        /* Uniform bytes, then a small alphabet (long matches, dictionary wrap-around), then
         * RTF-like text that hits the initial dictionary. */
        for (size_t i = 0; i < cb; i++)
            buf[i] = (BYTE)rand();
        round_trip(buf, cb);
        for (size_t i = 0; i < cb; i++)
            buf[i] = "ab\\{}"[rand() % 5];
        round_trip(buf, cb);
        for (size_t i = 0; i < cb; i++)
            buf[i] = (BYTE)"{\\rtf1\\ansi\\par \\pard\\plain hello "[i % 33];
        round_trip(buf, cb);
        free(buf);
    }
    MAPIRT_LEAK_CHECK();
}

Test(lzfu, compresses_repetition)
{
    BYTE buf[8192];
    memset(buf, 'x', sizeof(buf));
    BYTE *z;
    size_t nz;
    cr_assert_eq(mapirt_rtf_compress(buf, sizeof(buf), &z, &nz), S_OK);
    /* 17 bytes per 2-byte reference, one control byte per 8 references. */
    cr_assert_lt(nz, 16 + sizeof(buf) / 17 * 2 + sizeof(buf) / 17 / 8 + 8);
    mapirt_free(z);
}

Test(lzfu, uncompressed_form)
{
    BYTE *z, *back;
    size_t nz, nb;
    cr_assert_eq(mapirt_rtf_store_uncompressed(ex1_rtf, sizeof(ex1_rtf) - 1, &z, &nz), S_OK);
    cr_assert_eq(nz, 16 + sizeof(ex1_rtf) - 1);
    cr_assert_eq(memcmp(z + 8, "MELA", 4), 0);
    cr_assert_eq(mapirt_rtf_decompress(z, nz, &back, &nb), S_OK);
    cr_assert_eq(nb, sizeof(ex1_rtf) - 1);
    cr_assert_arr_eq(back, ex1_rtf, nb);
    mapirt_free(z);
    mapirt_free(back);
}

Test(lzfu, corrupt_input_is_refused)
{
    BYTE bad[sizeof(ex1_lzfu)];
    BYTE *out = (BYTE *)"untouched";
    size_t n = 99;
    /* Too short for a header, COMPSIZE beyond the data, unknown COMPTYPE, wrong CRC, a flipped
     * data byte, a stream cut before its end marker. */
    cr_assert_eq(mapirt_rtf_decompress(ex1_lzfu, 15, &out, &n), MAPI_E_CORRUPT_DATA);
    memcpy(bad, ex1_lzfu, sizeof(bad));
    bad[0] = 0x40;
    cr_assert_eq(mapirt_rtf_decompress(bad, sizeof(bad), &out, &n), MAPI_E_CORRUPT_DATA);
    memcpy(bad, ex1_lzfu, sizeof(bad));
    bad[8] = 'X';
    cr_assert_eq(mapirt_rtf_decompress(bad, sizeof(bad), &out, &n), MAPI_E_CORRUPT_DATA);
    memcpy(bad, ex1_lzfu, sizeof(bad));
    bad[12] ^= 1;
    cr_assert_eq(mapirt_rtf_decompress(bad, sizeof(bad), &out, &n), MAPI_E_CORRUPT_DATA);
    memcpy(bad, ex1_lzfu, sizeof(bad));
    bad[20] ^= 1;
    cr_assert_eq(mapirt_rtf_decompress(bad, sizeof(bad), &out, &n), MAPI_E_CORRUPT_DATA);
    memcpy(bad, ex1_lzfu, sizeof(bad));
    size_t cut = sizeof(bad) - 4;
    bad[0] = (BYTE)(cut - 4);
    uint32_t crc = mapirt_rtf_crc(0, bad + 16, cut - 16);
    memcpy(bad + 12, &crc, 4);
    cr_assert_eq(mapirt_rtf_decompress(bad, cut, &out, &n), MAPI_E_CORRUPT_DATA);
    cr_assert_str_eq((char *)out, "untouched");
    cr_assert_eq(n, 99);
    cr_assert_eq(mapirt_rtf_decompress(NULL, 16, &out, &n), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_rtf_compress(NULL, 3, &out, &n), MAPI_E_INVALID_PARAMETER);
}

/* The two inputs fuzz_rtf found (also its seeds, tests/fuzz/corpus/fuzz_rtf): "{\\rtf1}" as
 * seven literals and an end marker, once under a RAWSIZE of 4 (the end marker's reference runs
 * past it: the result is the 4 bytes RAWSIZE names) and once under 12 (the stream ends short). */
static const BYTE lzfu_seven[] = {0x16, 0, 0, 0, 0x04, 0, 0, 0, 'L', 'Z', 'F', 'u',
                                  0x6a, 0xc5, 0xee, 0x87, 0x80, '{', '\\', 'r', 't', 'f',
                                  '1', '}', 0x0d, 0x60};

Test(lzfu, result_is_exactly_rawsize)
{
    BYTE buf[sizeof(lzfu_seven)];
    memcpy(buf, lzfu_seven, sizeof(buf));
    expect_decompress(buf, sizeof(buf), (const BYTE *)"{\\rt", 4);
    buf[4] = 7;
    expect_decompress(buf, sizeof(buf), (const BYTE *)"{\\rtf1}", 7);
    buf[4] = 12;
    BYTE *out = (BYTE *)"untouched";
    size_t n = 99;
    cr_assert_eq(mapirt_rtf_decompress(buf, sizeof(buf), &out, &n), MAPI_E_CORRUPT_DATA);
    cr_assert_eq(n, 99);
    /* The uncompressed form alike: RAWSIZE beyond the data is cut, below it chooses. */
    BYTE mela[16 + 7] = {19, 0, 0, 0, 12, 0, 0, 0, 'M', 'E', 'L', 'A', 0, 0, 0, 0,
                         '{', '\\', 'r', 't', 'f', '1', '}'};
    cr_assert_eq(mapirt_rtf_decompress(mela, sizeof(mela), &out, &n), MAPI_E_CORRUPT_DATA);
    mela[4] = 3;
    expect_decompress(mela, sizeof(mela), (const BYTE *)"{\\r", 3);
    MAPIRT_LEAK_CHECK();
}

Test(lzfu, random_garbage_never_crashes)
{
    srand(99);
    BYTE buf[300];
    for (int k = 0; k < 2000; k++) {
        size_t cb = 16 + (size_t)rand() % (sizeof(buf) - 16);
        for (size_t i = 0; i < cb; i++)
            buf[i] = (BYTE)rand();
        uint32_t compsize = (uint32_t)(cb - 4), type = k % 2 ? 0x75465A4Cu : 0x414C454Du;
        memcpy(buf, &compsize, 4);
        memcpy(buf + 8, &type, 4);
        uint32_t crc = mapirt_rtf_crc(0, buf + 16, cb - 16);
        memcpy(buf + 12, &crc, 4);
        BYTE *out;
        size_t n;
        HRESULT hr = mapirt_rtf_decompress(buf, cb, &out, &n);
        cr_assert(hr == S_OK || hr == MAPI_E_CORRUPT_DATA);
        if (hr == S_OK)
            mapirt_free(out);
    }
    MAPIRT_LEAK_CHECK();
}

Test(lzfu, out_of_memory)
{
    unsigned long oom_points = 0;
    BYTE *out = NULL;
    size_t n;
    HRESULT hr;
    OOM_LOOP(hr, hr = mapirt_rtf_decompress(ex1_lzfu, sizeof(ex1_lzfu), &out, &n),
             mapirt_free(out));
    cr_assert_gt(oom_points, 0);
    OOM_LOOP(hr, hr = mapirt_rtf_compress(ex1_rtf, sizeof(ex1_rtf) - 1, &out, &n),
             mapirt_free(out));
    cr_assert_gt(oom_points, 0);
    MAPIRT_LEAK_CHECK();
}
