/* profname.h (internal): what a profile name may be and when two names are the same.
 *
 * SPEC §3.4 (iprofadmin-createprofile.md): up to 64 characters; letters and digits (accented
 * letters included), the underscore and embedded spaces; no leading or trailing space. mapirt
 * reads "letters and digits" as Unicode's: general categories L and N, with combining marks
 * (M) after them. A name is stored in Normalization Form C, and two names are the same profile
 * when their NFC case-folded forms are equal (profiles were registry keys in Windows MAPI,
 * which compare without case). The 64-character limit applies in both APIs: at most 64 UTF-16
 * code units (MAPI_UNICODE) and at most 64 bytes of UTF-8 (the 8-bit API), so the name always
 * fits the cchProfileNameMax + 1 buffers clients written for MAPI use. */
#ifndef MAPIRT_PROFILE_PROFNAME_H
#define MAPIRT_PROFILE_PROFNAME_H

#include <stddef.h>

#include <mapidefs.h>

/* Longest stored name (bytes of UTF-8, NUL excluded), and room for its comparison key (case
 * folding can lengthen text: ß becomes ss). */
#define MAPIRT_PROFNAME_MAX 64
#define MAPIRT_PROFKEY_MAX 1024

/* Checks a UTF-8 name. On success writes its NFC form into canon (MAPIRT_PROFNAME_MAX + 1
 * bytes) and its comparison key into key (MAPIRT_PROFKEY_MAX bytes); otherwise returns
 * MAPI_E_INVALID_PARAMETER with the reason in err. */
HRESULT mapirt_profname_check(const char *name, char *canon, char *key, char *err, size_t cberr);

/* The same for a name given through either API: UTF-16 when wide, else UTF-8. */
HRESULT mapirt_profname_check_t(const void *name, int wide, char *canon, char *key, char *err,
                                size_t cberr);

#endif
