/* convindex.c: ScCreateConversationIndex, the PR_CONVERSATION_INDEX of [MS-OXOMSG] 2.2.1.3: a
 * 22-byte header block (0x01, the five high-order bytes of the current FILETIME after the
 * reserved byte, a new GUID) for a new conversation, and for a reply the parent's index plus a
 * 5-byte response block (time flag, 31 bits of time since the header, 4 random bits, a 4-bit
 * sequence count). */
#define _GNU_SOURCE
#include <mapiutil.h>

#include <string.h>
#include <sys/random.h>
#include <time.h>

#define HEADER_SIZE 22u
#define CHILD_SIZE 5u

/* 100-ns units since 1601-01-01, the FILETIME epoch. */
static uint64_t filetime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

static void random_bytes(BYTE *p, size_t n)
{
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) {
            /* No entropy source: uniqueness still comes from the time. */
            uint64_t t = filetime_now() ^ (uintptr_t)p;
            for (; n > 0; n--, t = t * 6364136223846793005ull + 1442695040888963407ull)
                *p++ = (BYTE)(t >> 56);
            return;
        }
        p += got;
        n -= (size_t)got;
    }
}

SCODE ScCreateConversationIndex(ULONG cbParent, LPBYTE lpbParent, ULONG *lpcbConvIndex,
                                LPBYTE *lppbConvIndex)
{
    if (lpcbConvIndex == NULL || lppbConvIndex == NULL || (cbParent != 0 && lpbParent == NULL))
        return MAPI_E_INVALID_PARAMETER;
    /* A parent is a header and whole response blocks; anything else is not an index. */
    if (cbParent != 0 && (cbParent < HEADER_SIZE || (cbParent - HEADER_SIZE) % CHILD_SIZE != 0 ||
                          cbParent > 0xFFFFFFFFu - CHILD_SIZE))
        return MAPI_E_INVALID_PARAMETER;
    uint64_t now = filetime_now();
    ULONG cb = cbParent ? cbParent + CHILD_SIZE : HEADER_SIZE;
    LPBYTE out;
    SCODE sc = MAPIAllocateBuffer(cb, (LPVOID *)&out);
    if (sc != S_OK)
        return sc;
    if (cbParent == 0) {
        /* The FILETIME big-endian with its low 16 bits dropped: byte 0 is its top byte, which
         * is the reserved 0x01 for any date from 1993 to 2057. */
        out[0] = 0x01;
        for (int i = 1; i <= 5; i++)
            out[i] = (BYTE)(now >> (8 * (7 - i)));
        random_bytes(out + 6, 16);
        out[6 + 6] = (BYTE)((out[6 + 6] & 0x0F) | 0x40); /* a version 4 (random) GUID */
        out[6 + 8] = (BYTE)((out[6 + 8] & 0x3F) | 0x80);
    } else {
        memcpy(out, lpbParent, cbParent);
        uint64_t header = 0;
        for (int i = 1; i <= 5; i++)
            header |= (uint64_t)lpbParent[i] << (8 * (7 - i));
        header |= (uint64_t)lpbParent[0] << 56;
        uint64_t delta = now > header ? now - header : 0;
        /* Under 2^49 (about 1.8 years) the delta keeps bits 18..48, else bits 23..53. */
        uint32_t word;
        if (delta < (1ull << 49))
            word = (uint32_t)(delta >> 18) & 0x7FFFFFFFu;
        else
            word = 0x80000000u | ((uint32_t)(delta >> 23) & 0x7FFFFFFFu);
        BYTE rnd;
        random_bytes(&rnd, 1);
        ULONG seq = (cbParent - HEADER_SIZE) / CHILD_SIZE;
        BYTE *c = out + cbParent;
        c[0] = (BYTE)(word >> 24);
        c[1] = (BYTE)(word >> 16);
        c[2] = (BYTE)(word >> 8);
        c[3] = (BYTE)word;
        c[4] = (BYTE)((rnd & 0xF0) | (seq & 0x0F));
    }
    *lpcbConvIndex = cb;
    *lppbConvIndex = out;
    return S_OK;
}
