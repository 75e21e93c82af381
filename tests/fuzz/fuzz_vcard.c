/* fuzz_vcard.c: the address book's vCard reader (providers/abook/vcard.c) fed arbitrary bytes,
 * and a model: a card written from chosen fields (escaped, folded at chosen widths, with CRLF
 * or LF) reads back as those fields.
 *
 * Raw mode: any input parses or fails with "fuzz.vcf:N: ..." where N is a line of the input,
 * and every field of every card read is valid UTF-8 without NUL. */
#define _DEFAULT_SOURCE
#include "fuzz.h"

#include "../../providers/abook/vcard.c"

static void check_utf8(const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len((const unsigned char *)s + i, n - i);
        FZ_CHECK(l > 0, "a field read is not UTF-8");
        i += l;
    }
}

static void raw(const uint8_t *data, size_t size)
{
    vc_card *cards = NULL;
    size_t n = 0;
    char err[256];
    if (vc_parse((const char *)data, size, "fuzz.vcf", &cards, &n, err, sizeof err) == 0) {
        for (size_t i = 0; i < n; i++) {
            check_utf8(cards[i].fn);
            check_utf8(cards[i].family);
            check_utf8(cards[i].given);
            check_utf8(cards[i].note);
            for (size_t k = 0; k < cards[i].nemails; k++)
                check_utf8(cards[i].emails[k]);
        }
        vc_free(cards, n);
        return;
    }
    unsigned line = 0;
    FZ_CHECK(strncmp(err, "fuzz.vcf:", 9) == 0 && sscanf(err + 9, "%u", &line) == 1,
             "an error names the file and line");
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
    FZ_CHECK(line >= 1 && line <= lines, "the line named is in the input");
}

/* A text field from the fuzzer: printable ASCII and a few multi-byte characters. */
static void field(fz *f, char *out, size_t cap)
{
    static const char *const extra[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", ",",
                                        ";", "\\", "\n", ":", "\""};
    size_t n = fz_below(f, 40), k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = fz_u8(f);
        const char *s;
        char one[2] = {0, 0};
        if (c < 0xa0) {
            one[0] = (char)(0x20 + c % 0x5f);
            s = one;
        } else
            s = extra[c % (sizeof extra / sizeof extra[0])];
        size_t l = strlen(s);
        if (k + l + 1 >= cap)
            break;
        memcpy(out + k, s, l);
        k += l;
    }
    out[k] = 0;
}

/* Appends value escaped as vCard text. */
static size_t escape(char *out, const char *v)
{
    size_t k = 0;
    for (; *v; v++) {
        if (*v == '\\' || *v == ',' || *v == ';') {
            out[k++] = '\\';
            out[k++] = *v;
        } else if (*v == '\n') {
            out[k++] = '\\';
            out[k++] = 'n';
        } else
            out[k++] = *v;
    }
    return k;
}

static void model(fz *f)
{
    char fn[256], note[256], line[2048], doc[8192];
    field(f, fn, sizeof fn);
    field(f, note, sizeof note);
    const char *eol = fz_u8(f) & 1 ? "\r\n" : "\n";
    unsigned width = 2 + fz_below(f, 75);
    size_t d = 0;
    d += (size_t)sprintf(doc + d, "BEGIN:VCARD%sVERSION:%s%s", eol, fz_u8(f) & 1 ? "4.0" : "3.0",
                         eol);
    const char *names[2] = {"FN:", "NOTE:"};
    const char *vals[2] = {fn, note};
    for (int p = 0; p < 2; p++) {
        size_t k = (size_t)sprintf(line, "%s", names[p]);
        k += escape(line + k, vals[p]);
        /* fold every `width` bytes, never inside a UTF-8 sequence */
        size_t col = 0;
        for (size_t i = 0; i < k; i++) {
            if (col >= width && ((unsigned char)line[i] & 0xc0) != 0x80) {
                d += (size_t)sprintf(doc + d, "%s ", eol);
                col = 0;
            }
            doc[d++] = line[i];
            col++;
        }
        d += (size_t)sprintf(doc + d, "%s", eol);
    }
    d += (size_t)sprintf(doc + d, "END:VCARD%s", eol);
    vc_card *cards = NULL;
    size_t n = 0;
    char err[256];
    FZ_CHECK(vc_parse(doc, d, "model.vcf", &cards, &n, err, sizeof err) == 0,
             "a well-formed card parses");
    FZ_CHECK(n == 1, "one card");
    FZ_CHECK(strcmp(cards[0].fn ? cards[0].fn : "", fn) == 0, "FN reads back");
    FZ_CHECK(strcmp(cards[0].note ? cards[0].note : "", note) == 0, "NOTE reads back");
    vc_free(cards, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 0xff) {
        fz f;
        fz_init(&f, data + 1, size - 1);
        model(&f);
        fz_free_all(&f);
        return 0;
    }
    raw(data, size);
    return 0;
}
