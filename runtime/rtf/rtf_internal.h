/* rtf_internal.h: compressed RTF ([MS-OXRTFCP]) over memory buffers, shared by the stream
 * wrapper (WrapCompressedRTFStream), RTFSync and the tests. */
#ifndef MAPIRT_RTF_INTERNAL_H
#define MAPIRT_RTF_INTERNAL_H

#include <mapidefs.h>
#include <stddef.h>
#include <stdint.h>

#define RTF_HEADER_SIZE 16u
#define RTF_COMPTYPE_COMPRESSED 0x75465A4Cu   /* "LZFu" */
#define RTF_COMPTYPE_UNCOMPRESSED 0x414C454Du /* "MELA" */

/* The CRC-32 of [MS-OXRTFCP] 2.1.3.2: the usual reflected table (polynomial 0xEDB88320),
 * seeded with `crc`, without the customary inversions. */
uint32_t mapirt_rtf_crc(uint32_t crc, const BYTE *p, size_t n);

/* Decompresses a whole PR_RTF_COMPRESSED value (header included) into a new private-heap
 * buffer (mapirt_free). Accepts both COMPTYPEs. MAPI_E_CORRUPT_DATA for a short or
 * inconsistent header, an unknown COMPTYPE, a CRC that does not match, or compressed data that
 * ends before its end marker short of RAWSIZE; MAPI_E_NOT_ENOUGH_MEMORY. */
HRESULT mapirt_rtf_decompress(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut);

/* Compresses `in` as [MS-OXRTFCP] 3.1.1 does (same dictionary search, so the same bytes as
 * Microsoft's compressor), header included, into a new private-heap buffer.
 * MAPI_E_INVALID_PARAMETER when the result would not fit the 32-bit size fields. */
HRESULT mapirt_rtf_compress(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut);

/* The uncompressed form (COMPTYPE "MELA", CRC 0): header + the bytes. */
HRESULT mapirt_rtf_store_uncompressed(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut);



/* What an RTF document holds ([MS-OXRTFEX] 2.2.3.1: \fromhtml1 or \fromtext among its first
 * ten tokens). */
enum rtf_kind { RTF_KIND_RTF, RTF_KIND_HTML, RTF_KIND_TEXT };
enum rtf_kind mapirt_rtf_kind(const BYTE *rtf, size_t cb);

/* What to read out of an RTF document. */
enum rtf_read {
    RTF_READ_TEXT,     /* the text a reader of the RTF sees */
    RTF_READ_FROMTEXT, /* the plain text of a \fromtext document (\htmlrtf parts left out) */
    RTF_READ_FROMHTML, /* the HTML of a \fromhtml1 document: {\*\htmltag} content and the text
                        * outside \htmlrtf */
};

/* The text of an RTF document: paragraphs and lines end with CRLF, \'hh bytes and text are
 * decoded in the current font's code page (else \ansicpg, else default_cp if iconv knows it,
 * else 1252), \uN characters are taken (their \ucN fallback skipped), and the font, colour and
 * style tables, pictures, objects and every other {\* ...} destination are left out. A new
 * NUL-terminated UTF-16 string on the private heap, its length (without the NUL) in *len and
 * the document's code page in *doc_cp when they are not NULL; NULL without memory. */
WCHAR *mapirt_rtf_read(const BYTE *rtf, size_t cb, enum rtf_read how, unsigned default_cp,
                       size_t *len, unsigned *doc_cp);

/* mapirt_rtf_read(RTF_READ_TEXT): plain text as MAPI keeps it in PR_BODY. */
WCHAR *mapirt_rtf_to_text(const BYTE *rtf, size_t cb);

/* A minimal RTF document (\fromtext) holding the UTF-16 text: CRLF (or a lone LF) becomes
 * \par, tabs \tab, characters beyond ASCII \uN. A new private-heap buffer; NULL without memory. */
BYTE *mapirt_text_to_rtf(const WCHAR *text, size_t *cb);
#endif
