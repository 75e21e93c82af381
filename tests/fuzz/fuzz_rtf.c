/* tests/fuzz/fuzz_rtf.c: compressed RTF ([MS-OXRTFCP]) and the RTF reader, the parsers
 * PR_RTF_COMPRESSED from another program reaches (RTFSync, WrapCompressedRTFStream).
 *
 * The first byte picks what the rest is:
 *   0  a compressed value: if it decompresses, the result is RAWSIZE bytes and compressing it
 *      again gives a value that decompresses to the same bytes
 *   1  bytes to compress: compressed and uncompressed forms decompress to them
 *   2  an RTF document: the three readings and the recognition end, whatever it holds
 *   3  text written as RTF (mapirt_text_to_rtf): read back as text and as the encapsulated
 *      text, it is the text with every line break as CRLF */
#include <mapicode.h>
#include <mapidefs.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "fuzz.h"
#include "rtf/rtf_internal.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void round_trip(const BYTE *in, size_t n)
{
    BYTE *z = NULL, *back = NULL;
    size_t nz = 0, nb = 0;
    FZ_CHECK(mapirt_rtf_compress(in, n, &z, &nz) == S_OK, "compressing %zu bytes", n);
    FZ_CHECK(mapirt_rtf_decompress(z, nz, &back, &nb) == S_OK, "decompressing what we wrote");
    FZ_CHECK(nb == n && (n == 0 || memcmp(back, in, n) == 0), "round trip of %zu bytes", n);
    mapirt_free(z);
    mapirt_free(back);
    FZ_CHECK(mapirt_rtf_store_uncompressed(in, n, &z, &nz) == S_OK, "storing %zu bytes", n);
    FZ_CHECK(mapirt_rtf_decompress(z, nz, &back, &nb) == S_OK, "reading the MELA form");
    FZ_CHECK(nb == n && (n == 0 || memcmp(back, in, n) == 0), "MELA round trip");
    mapirt_free(z);
    mapirt_free(back);
}

/* text with "\r\n", a lone "\r" and a lone "\n" each as "\r\n" (out has room for 2 * n + 1). */
static size_t crlf(const WCHAR *t, WCHAR *out)
{
    size_t k = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] == '\r' || t[i] == '\n') {
            if (t[i] == '\r' && t[i + 1] == '\n')
                i++;
            out[k++] = '\r';
            out[k++] = '\n';
        } else {
            out[k++] = t[i];
        }
    }
    out[k] = 0;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const BYTE *in = data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0: {
        BYTE *out = NULL;
        size_t nout = 0;
        if (mapirt_rtf_decompress(in, n, &out, &nout) == S_OK) {
            FZ_CHECK(n >= 16 && nout == le32(in + 4), "decompressed %zu bytes, RAWSIZE says %u",
                     nout, n >= 16 ? (unsigned)le32(in + 4) : 0u);
            round_trip(out, nout);
        }
        mapirt_free(out);
        break;
    }
    case 1:
        round_trip(in, n);
        break;
    case 2:
        for (int how = RTF_READ_TEXT; how <= RTF_READ_FROMHTML; how++) {
            size_t len = 0;
            unsigned cp = 0;
            WCHAR *t = mapirt_rtf_read(in, n, (enum rtf_read)how, 1252, &len, &cp);
            FZ_CHECK(t != NULL, "reading %d", how);
            FZ_CHECK(t[len] == 0 && mapirt_wcslen(t) <= len, "length %zu", len);
            mapirt_free(t);
        }
        enum rtf_kind k = mapirt_rtf_kind(in, n);
        FZ_CHECK(k == RTF_KIND_RTF || k == RTF_KIND_HTML || k == RTF_KIND_TEXT, "kind %d", k);
        break;
    case 3: {
        fz f;
        fz_init(&f, in, n);
        WCHAR *text = fz_wstr(&f, 512);
        size_t cb = 0;
        BYTE *rtf = mapirt_text_to_rtf(text, &cb);
        FZ_CHECK(rtf != NULL, "writing RTF");
        FZ_CHECK(mapirt_rtf_kind(rtf, cb) == RTF_KIND_TEXT, "\\fromtext not recognised");
        WCHAR *want = fz_alloc(&f, (2 * mapirt_wcslen(text) + 1) * sizeof(WCHAR));
        size_t nwant = crlf(text, want);
        for (int how = RTF_READ_TEXT; how <= RTF_READ_FROMTEXT; how++) {
            size_t len = 0;
            WCHAR *back = mapirt_rtf_read(rtf, cb, (enum rtf_read)how, 0, &len, NULL);
            FZ_CHECK(back != NULL, "reading back");
            FZ_CHECK(len == nwant && memcmp(back, want, len * sizeof(WCHAR)) == 0,
                     "reading %d gave %zu units for %zu", how, len, nwant);
            mapirt_free(back);
        }
        mapirt_free(rtf);
        fz_free_all(&f);
        break;
    }
    }
    return 0;
}
