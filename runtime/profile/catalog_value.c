/* catalog_value.c: the value of a MAPISVC.INF property line, read by the property's type.
 *
 *   PT_STRING8, PT_UNICODE    the text as written (UTF-8; converted to UTF-16 for PT_UNICODE)
 *   PT_LONG, PT_I2            flag or value names joined by '|' (STATUS_DEFAULT_STORE|
 *                             STATUS_PRIMARY_IDENTITY, MAPI_STORE_PROVIDER), looked up in the
 *                             property's own flag set first (SERVICE_* for PR_RESOURCE_FLAGS of a
 *                             service section), then in every set of the vocabulary; or numbers:
 *                             exactly 8 hex digits are the little-endian bytes MAPISVC.INF
 *                             files write (01000000 is 1), 0x... is hexadecimal, else decimal
 *   PT_BOOLEAN                TRUE / FALSE, or a number as above (nonzero is TRUE)
 *   PT_I8                     a number (16 hex digits: little-endian bytes)
 *   PT_R4, PT_DOUBLE          a decimal number
 *   PT_BINARY                 hex digits, two per byte, in byte order
 *   PT_CLSID                  32 hex digits in byte order, or
 *                             {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}
 *   PT_MV_*                   the element values separated by commas
 * Other types cannot be written in a catalog. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapirt/vocab.h>

#include "catalog.h"

static const char OOM[] = "out of memory";

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexval((unsigned char)s[i]) < 0)
            return 0;
    return 1;
}

/* n hex digits (n even) into n / 2 bytes. */
static void hex_bytes(const char *s, size_t n, BYTE *out)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        out[i / 2] = (BYTE)(hexval((unsigned char)s[i]) << 4 | hexval((unsigned char)s[i + 1]));
}

/* A number token of n characters: little-endian bytes when it is exactly `le_digits` hex
 * digits, 0x-prefixed hexadecimal, or decimal with an optional sign. */
static const char *number(const char *s, size_t n, size_t le_digits, long long lo,
                          unsigned long long hi, long long *out)
{
    char buf[32];
    if (n == 0)
        return "empty number";
    if (n == le_digits && all_hex(s, n)) {
        BYTE b[8];
        unsigned long long v = 0;
        hex_bytes(s, n, b);
        for (size_t i = n / 2; i-- > 0;)
            v = v << 8 | b[i];
        if (le_digits == 8)
            *out = (long long)(int32_t)(uint32_t)v;
        else
            *out = (long long)v;
        return NULL;
    }
    if (n >= sizeof buf)
        return "number too long";
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
        if (!all_hex(buf + 2, n - 2))
            return "bad hexadecimal number";
        unsigned long long v = strtoull(buf + 2, &end, 16);
        if (errno || v > hi)
            return "number out of range";
        /* 0xFFFFFFFF is a valid PT_LONG bit pattern: wrap it to the signed type */
        *out = hi == UINT32_MAX ? (long long)(int32_t)(uint32_t)v
             : hi == UINT16_MAX ? (long long)(int16_t)(uint16_t)v
                                : (long long)v;
        return NULL;
    }
    size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
    if (i == n)
        return "bad number";
    for (size_t k = i; k < n; k++)
        if (!isdigit((unsigned char)buf[k]))
            return "not a number";
    long long v = strtoll(buf, &end, 10);
    if (errno || v < lo || (v > 0 && (unsigned long long)v > hi))
        return "number out of range";
    *out = v;
    return NULL;
}

static int is_name_token(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* '|'-joined names and numbers, or one number; lo/hi bound the numbers. */
static const char *flags_value(ULONG tag, mapirt_catalog_role role, const char *s, size_t n,
                               long long lo, unsigned long long hi, long long *out)
{
    const mapirt_flagset *own = mapirt_flagset_for_tag(tag);
    unsigned long long acc = 0;

    if (PROP_ID(tag) == PROP_ID(PR_RESOURCE_FLAGS) && role == MAPIRT_SECTION_SERVICE)
        own = mapirt_flagset_find("ServiceResourceFlags");
    trim(&s, &n);
    if (n == 0)
        return "empty value";
    while (1) {
        const char *bar = memchr(s, '|', n);
        size_t len = bar ? (size_t)(bar - s) : n;
        const char *tok = s;
        size_t tl = len;
        long long v;
        trim(&tok, &tl);
        if (is_name_token(tok, tl) && !(tl == 8 && all_hex(tok, tl))) {
            char name[128];
            ULONG fv;
            if (tl >= sizeof name)
                return "unknown flag name";
            memcpy(name, tok, tl);
            name[tl] = '\0';
            if (!mapirt_flagset_member(own, name, &fv) && !mapirt_flag_from_name(name, &fv))
                return "unknown flag name";
            v = (long long)fv;
        } else {
            const char *p = number(tok, tl, 8, lo, hi, &v);
            if (p)
                return p;
        }
        acc |= (unsigned long long)v;
        if (!bar)
            break;
        s = bar + 1;
        n -= len + 1;
    }
    *out = (long long)acc;
    return NULL;
}

const char *mapirt_catalog_long(ULONG ulPropTag, mapirt_catalog_role role, const char *text,
                                LONG *out)
{
    long long v;
    const char *p = flags_value(ulPropTag, role, text, strlen(text), INT32_MIN, UINT32_MAX, &v);
    if (!p)
        *out = (LONG)(int32_t)(uint32_t)(unsigned long long)v;
    return p;
}

static const char *guid_value(const char *s, size_t n, GUID *g)
{
    BYTE b[16];
    if (n == 32 && all_hex(s, n)) {
        hex_bytes(s, n, b);
        memcpy(g, b, 16);
        return NULL;
    }
    /* {00020385-0000-0000-C000-000000000046}: the first three groups are little-endian fields */
    static const size_t dash[] = {9, 14, 19, 24};
    if (n != 38 || s[0] != '{' || s[37] != '}')
        return "bad GUID (32 hex digits or {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})";
    char hex[32];
    size_t k = 0;
    for (size_t i = 1, d = 0; i < 37; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return "bad GUID (32 hex digits or {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})";
            d++;
            continue;
        }
        if (hexval((unsigned char)s[i]) < 0)
            return "bad GUID (32 hex digits or {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})";
        hex[k++] = s[i];
    }
    hex_bytes(hex, 32, b);
    g->Data1 = (ULONG)b[0] << 24 | (ULONG)b[1] << 16 | (ULONG)b[2] << 8 | b[3];
    g->Data2 = (unsigned short)(b[4] << 8 | b[5]);
    g->Data3 = (unsigned short)(b[6] << 8 | b[7]);
    memcpy(g->Data4, b + 8, 8);
    return NULL;
}

/* One element of type t (single-valued) from n characters at s. */
static const char *element(mapirt_arena *a, ULONG tag, ULONG t, mapirt_catalog_role role,
                           const char *s, size_t n, union _PV *pv, int *oom)
{
    long long v;
    const char *p;

    trim(&s, &n);
    switch (t) {
    case PT_I2:
        if ((p = flags_value(tag, role, s, n, INT16_MIN, UINT16_MAX, &v)))
            return p;
        pv->i = (short)(int16_t)(uint16_t)(unsigned long long)v;
        return NULL;
    case PT_LONG:
        if ((p = flags_value(tag, role, s, n, INT32_MIN, UINT32_MAX, &v)))
            return p;
        pv->l = (LONG)(int32_t)(uint32_t)(unsigned long long)v;
        return NULL;
    case PT_BOOLEAN:
        if ((n == 4 && strncasecmp(s, "TRUE", 4) == 0) ||
            (n == 5 && strncasecmp(s, "FALSE", 5) == 0)) {
            pv->b = n == 4;
            return NULL;
        }
        if ((p = number(s, n, 8, INT32_MIN, UINT32_MAX, &v)))
            return "bad boolean (TRUE, FALSE or a number)";
        pv->b = v != 0;
        return NULL;
    case PT_I8:
        if ((p = number(s, n, 16, INT64_MIN, INT64_MAX, &v)))
            return p;
        pv->li.QuadPart = v;
        return NULL;
    case PT_R4:
    case PT_DOUBLE: {
        char buf[64], *end;
        if (n == 0 || n >= sizeof buf)
            return "bad floating-point number";
        memcpy(buf, s, n);
        buf[n] = '\0';
        errno = 0;
        double d = strtod(buf, &end);
        if (*end || errno)
            return "bad floating-point number";
        /* a finite double beyond float's range would become infinity without a word */
        if (t == PT_R4 && isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
            return "number out of range";
        if (t == PT_R4)
            pv->flt = (float)d;
        else
            pv->dbl = d;
        return NULL;
    }
    case PT_STRING8:
        if (!(pv->lpszA = mapirt_arena_strndup(a, s, n)))
            return *oom = 1, OOM;
        return NULL;
    case PT_UNICODE: {
        char *tmp = mapirt_arena_strndup(a, s, n);
        WCHAR *w = tmp ? mapirt_str_a_to_w_dup(tmp) : NULL;
        if (!w)
            return *oom = 1, OOM;
        size_t len = (mapirt_wcslen(w) + 1) * sizeof(WCHAR);
        pv->lpszW = mapirt_arena_alloc(a, len);
        if (pv->lpszW)
            memcpy(pv->lpszW, w, len);
        mapirt_free(w);
        return pv->lpszW ? NULL : (*oom = 1, OOM);
    }
    case PT_BINARY:
        if (n % 2 || !all_hex(s, n))
            return "bad binary value (hex digits, two per byte)";
        if (n / 2 > ULONG_MAX)
            return "binary value too long";
        pv->bin.cb = (ULONG)(n / 2);
        if (!(pv->bin.lpb = mapirt_arena_alloc(a, n / 2)))
            return *oom = 1, OOM;
        hex_bytes(s, n, pv->bin.lpb);
        return NULL;
    case PT_CLSID:
        if (!(pv->lpguid = mapirt_arena_alloc(a, sizeof(GUID))))
            return *oom = 1, OOM;
        return guid_value(s, n, pv->lpguid);
    default:
        return "this property type cannot be written in a catalog";
    }
}

static size_t elem_size(ULONG t)
{
    switch (t) {
    case PT_I2: return sizeof(short);
    case PT_LONG: return sizeof(LONG);
    case PT_I8: return sizeof(LARGE_INTEGER);
    case PT_R4: return sizeof(float);
    case PT_DOUBLE: return sizeof(double);
    case PT_STRING8: return sizeof(LPSTR);
    case PT_UNICODE: return sizeof(LPWSTR);
    case PT_BINARY: return sizeof(SBinary);
    case PT_CLSID: return sizeof(GUID);
    default: return 0;
    }
}

/* Stores element i of a multi-valued array of base type t. */
static void put_elem(ULONG t, void *arr, size_t i, const union _PV *pv)
{
    switch (t) {
    case PT_I2: ((short *)arr)[i] = pv->i; break;
    case PT_LONG: ((LONG *)arr)[i] = pv->l; break;
    case PT_I8: ((LARGE_INTEGER *)arr)[i] = pv->li; break;
    case PT_R4: ((float *)arr)[i] = pv->flt; break;
    case PT_DOUBLE: ((double *)arr)[i] = pv->dbl; break;
    case PT_STRING8: ((LPSTR *)arr)[i] = pv->lpszA; break;
    case PT_UNICODE: ((LPWSTR *)arr)[i] = pv->lpszW; break;
    case PT_BINARY: ((SBinary *)arr)[i] = pv->bin; break;
    case PT_CLSID: ((GUID *)arr)[i] = *pv->lpguid; break;
    }
}

const char *mapirt_catalog_value(mapirt_arena *a, ULONG ulPropTag, mapirt_catalog_role role,
                                 const char *text, SPropValue *out, int *oom)
{
    ULONG t = PROP_TYPE(ulPropTag);
    size_t n = strlen(text);

    *oom = 0;
    memset(out, 0, sizeof *out);
    out->ulPropTag = ulPropTag;
    if (!(t & MV_FLAG))
        return element(a, ulPropTag, t, role, text, n, &out->Value, oom);

    ULONG base = t & ~(ULONG)MV_FLAG;
    size_t esz = elem_size(base);
    if (esz == 0)
        return "this property type cannot be written in a catalog";
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += text[i] == ',';
    if (count > ULONG_MAX / esz)
        return "too many values";
    void *arr = mapirt_arena_alloc(a, count * esz);
    if (!arr)
        return *oom = 1, OOM;
    const char *s = text;
    for (size_t i = 0; i < count; i++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        union _PV pv;
        GUID g;
        pv.lpguid = &g;
        const char *p = element(a, ulPropTag, base, role, s, len, &pv, oom);
        if (p)
            return p;
        put_elem(base, arr, i, &pv);
        s = comma ? comma + 1 : s + len;
    }
    /* every MV member of the union is {ULONG cValues; T *lpX} */
    out->Value.MVl.cValues = (ULONG)count;
    out->Value.MVl.lpl = arr;
    return NULL;
}
