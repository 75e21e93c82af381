/* mapidbg.c: the functions behind mapidbg.h's assertion and trace macros. Assertions and
 * traces are written to stderr (a fatal assertion is reported like any other: the runtime
 * never aborts its caller); names of status codes, property types and tags come from the
 * generated vocabulary; DBGMEM_SetFailureAtFn arms the runtime's failing-allocation hook; the
 * VM allocator is the heap with a size header (no guard pages). */
#define _GNU_SOURCE
#include <mapidbg.h>
#include <mapidefs.h>
#include <mapicode.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/testhooks.h>
#include <mapirt/vocab.h>

int DebugTrapFn(int fFatal, const char *pszFile, int iLine, const char *pszFormat, ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    flockfile(stderr);
    fprintf(stderr, "%s(%d): %s: ", pszFile ? pszFile : "?", iLine,
            fFatal ? "assertion" : "warning");
    if (pszFormat != NULL)
        vfprintf(stderr, pszFormat, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
    return 0;
}

int DebugTraceFn(const char *pszFormat, ...)
{
    if (pszFormat == NULL)
        return 0;
    /* A leading '~' (TraceSz) only marks the line as a trace; it is not printed. */
    if (*pszFormat == '~')
        pszFormat++;
    va_list ap;
    va_start(ap, pszFormat);
    vfprintf(stderr, pszFormat, ap);
    va_end(ap);
    return 0;
}

static _Thread_local char decode_buf[3][64];

static char *hex_name(int slot, ULONG v)
{
    snprintf(decode_buf[slot], sizeof(decode_buf[slot]), "0x%08X", (unsigned)v);
    return decode_buf[slot];
}

char *SzDecodeScodeFn(SCODE sc)
{
    const char *n = mapirt_scode_name(sc);
    return n ? (char *)n : hex_name(0, (ULONG)sc);
}

char *SzDecodeUlPropTypeFn(ULONG ulPropType)
{
    const char *n = mapirt_proptype_name(ulPropType);
    return n ? (char *)n : hex_name(1, ulPropType);
}

char *SzDecodeUlPropTagFn(ULONG ulPropTag)
{
    const char *n = mapirt_tag_name(ulPropTag);
    return n ? (char *)n : hex_name(2, ulPropTag);
}

/* "0x1234ABCD" or a bare hex number; false when psz is neither. */
static bool parse_hex(const char *psz, ULONG *out)
{
    const char *p = psz;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (*p == 0 || strlen(p) > 8)
        return false;
    char *end;
    unsigned long v = strtoul(p, &end, 16);
    if (*end != 0)
        return false;
    *out = (ULONG)v;
    return true;
}

ULONG UlPropTagFromSzFn(char *psz)
{
    if (psz == NULL)
        return PR_NULL;
    ULONG tag = mapirt_tag_from_name(psz);
    if (tag == PR_NULL && !parse_hex(psz, &tag))
        return PR_NULL;
    return tag;
}

SCODE ScodeFromSzFn(char *psz)
{
    if (psz == NULL)
        return S_OK;
    for (unsigned i = 0; i < mapirt_scode_row_count; i++)
        if (strcmp(mapirt_scode_rows[i].name, psz) == 0)
            return (SCODE)mapirt_scode_rows[i].value;
    ULONG v;
    return parse_hex(psz, &v) ? (SCODE)v : S_OK;
}

void DebugTraceProblemsFn(char *sz, void *rgprob)
{
    const SPropProblemArray *p = rgprob;
    if (p == NULL)
        return;
    flockfile(stderr);
    for (ULONG i = 0; i < p->cProblem; i++)
        fprintf(stderr, "%s: problem %u: index %u, %s, %s\n", sz ? sz : "", (unsigned)i,
                (unsigned)p->aProblem[i].ulIndex, SzDecodeUlPropTagFn(p->aProblem[i].ulPropTag),
                SzDecodeScodeFn(p->aProblem[i].scode));
    funlockfile(stderr);
}

void *DBGMEM_EncapsulateFn(void *pmalloc, char *pszSubsys, int fCheckOften)
{
    (void)pszSubsys;
    (void)fCheckOften;
    LPMALLOC m = pmalloc;
    if (m != NULL)
        m->lpVtbl->AddRef(m);
    return m;
}

void DBGMEM_ShutdownFn(void *pmalloc)
{
    LPMALLOC m = pmalloc;
    if (m != NULL)
        m->lpVtbl->Release(m);
}

void DBGMEM_CheckMemFn(void *pmalloc, int fReportOrphans)
{
    /* Nothing to check: blocks carry no debugging records. */
    (void)pmalloc;
    (void)fReportOrphans;
}

void DBGMEM_NoLeakDetectFn(void *pmalloc, void *pv)
{
    (void)pmalloc;
    (void)pv;
}

void DBGMEM_SetFailureAtFn(void *pmalloc, ULONG ulFailureAt)
{
    (void)pmalloc;
    mapirt_test_fail_alloc(ulFailureAt);
}

SCODE ScCheckScFn(SCODE sc, SCODE *rgscAllowed, char *pszName, char *pszFile, int iLine)
{
    if (sc == S_OK)
        return sc;
    /* The allowed list ends with S_OK. */
    for (SCODE *p = rgscAllowed; p != NULL && *p != S_OK; p++)
        if (*p == sc)
            return sc;
    fprintf(stderr, "%s(%d): %s returned unexpected %s\n", pszFile ? pszFile : "?", iLine,
            pszName ? pszName : "?", SzDecodeScodeFn(sc));
    return sc;
}

/* VM blocks: a 16-byte header holding the size, then the caller's bytes. */
#define VM_HEADER 16u

void *VMAllocEx(ULONG cb, ULONG cbCluster)
{
    (void)cbCluster;
    unsigned char *p = mapirt_calloc(1, (size_t)cb + VM_HEADER);
    if (p == NULL)
        return NULL;
    memcpy(p, &cb, sizeof(cb));
    return p + VM_HEADER;
}

void *VMAlloc(ULONG cb)
{
    return VMAllocEx(cb, 1);
}

void *VMReallocEx(void *pv, ULONG cb, ULONG cbCluster)
{
    if (pv == NULL)
        return VMAllocEx(cb, cbCluster);
    unsigned char *p = mapirt_realloc((unsigned char *)pv - VM_HEADER, (size_t)cb + VM_HEADER);
    if (p == NULL)
        return NULL;
    memcpy(p, &cb, sizeof(cb));
    return p + VM_HEADER;
}

void *VMRealloc(void *pv, ULONG cb)
{
    return VMReallocEx(pv, cb, 1);
}

ULONG VMGetSizeEx(void *pv, ULONG cbCluster)
{
    (void)cbCluster;
    ULONG cb = 0;
    if (pv != NULL)
        memcpy(&cb, (unsigned char *)pv - VM_HEADER, sizeof(cb));
    return cb;
}

ULONG VMGetSize(void *pv)
{
    return VMGetSizeEx(pv, 1);
}

void VMFreeEx(void *pv, ULONG cbCluster)
{
    (void)cbCluster;
    if (pv != NULL)
        mapirt_free((unsigned char *)pv - VM_HEADER);
}

void VMFree(void *pv)
{
    VMFreeEx(pv, 1);
}
