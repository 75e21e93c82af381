/* tests/runtime/profile/test_profname.c: which profile names are valid and which are the same
 * (runtime/profile/profname.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <uchar.h>

#include <mapicode.h>

#include "profile/profname.h"

static HRESULT check(const char *name, char *canon, char *key, char *err)
{
    return mapirt_profname_check(name, canon, key, err, 256);
}

Test(profname, valid_names)
{
    static const char *const OK[] = {
        "Outlook", "My Profile", "a", "under_score", "Zoë", "Ελληνικά", "日本語のプロファイル",
        "Profile 2", "x  y", "٣", /* Arabic-Indic digit three */
        "0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
    };
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX], err[256];
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++)
        cr_expect_eq(check(OK[i], canon, key, err), S_OK, "%s: %s", OK[i], err);
}

Test(profname, invalid_names_say_why)
{
    static const struct {
        const char *name, *message;
    } BAD[] = {
        {"", "the profile name is empty"},
        {" lead", "profile name ' lead' starts or ends with a space"},
        {"trail ", "profile name 'trail ' starts or ends with a space"},
        {"a/b", "profile name 'a/b' contains U+002F; a name may hold letters, digits, '_' and "
                "inner spaces"},
        {"tab\there", "profile name 'tab\there' contains U+0009; a name may hold letters, "
                      "digits, '_' and inner spaces"},
        {"x@y.z", "profile name 'x@y.z' contains U+0040; a name may hold letters, digits, '_' "
                  "and inner spaces"},
        {"\xcc\x81" "a", "profile name '\xcc\x81" "a' contains U+0301; a name may hold letters, "
                         "digits, '_' and inner spaces"},
        {"\xff", "profile name '\xff' is not valid UTF-8"},
        {"01234567890123456789012345678901234567890123456789012345678901234",
         "profile name '012345678901234567890123456789012345678901234567890123456789...' is "
         "longer than 64 characters"},
        {"ééééééééééééééééééééééééééééééééé", /* 33 characters, 66 bytes */
         "profile name 'éééééééééééééééééééééééééééééé...' takes more than 64 bytes in UTF-8 (the "
         "limit of the 8-bit API's buffers)"},
    };
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX], err[256];
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        cr_expect_eq(check(BAD[i].name, canon, key, err), MAPI_E_INVALID_PARAMETER, "%zu", i);
        cr_expect_str_eq(err, BAD[i].message, "%zu", i);
    }
}

Test(profname, names_compare_without_case_and_normalisation)
{
    char c1[MAPIRT_PROFNAME_MAX + 1], k1[MAPIRT_PROFKEY_MAX], c2[MAPIRT_PROFNAME_MAX + 1],
        k2[MAPIRT_PROFKEY_MAX], err[256];
    /* é precomposed vs e + combining acute: one name, stored as NFC */
    cr_assert_eq(check("Caf\xc3\xa9", c1, k1, err), S_OK, "%s", err);
    cr_assert_eq(check("CAFE\xcc\x81", c2, k2, err), S_OK, "%s", err);
    cr_expect_str_eq(k1, k2);
    cr_expect_str_eq(c2, "CAF\xc3\x89", "stored in NFC as written (case kept)");
    cr_assert_eq(check("STRASSE", c1, k1, err), S_OK);
    cr_assert_eq(check("straße", c2, k2, err), S_OK);
    cr_expect_str_eq(k1, k2, "full case folding");
    cr_assert_eq(check("Outlook", c1, k1, err), S_OK);
    cr_assert_eq(check("Outlook 2", c2, k2, err), S_OK);
    cr_expect_str_neq(k1, k2);
}

Test(profname, the_utf16_api)
{
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX], err[256];
    const char16_t *w = u"Zoë 日本";
    cr_assert_eq(mapirt_profname_check_t(w, 1, canon, key, err, sizeof err), S_OK, "%s", err);
    cr_expect_str_eq(canon, "Zoë 日本");
    const char16_t lone[] = {'a', 0xD800, 'b', 0};
    cr_expect_eq(mapirt_profname_check_t(lone, 1, canon, key, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER, "an unpaired surrogate is not a letter");
    /* 64 UTF-16 units fit, 65 do not (a supplementary character takes two) */
    char16_t many[70];
    for (int i = 0; i < 65; i++)
        many[i] = 'a';
    many[65] = 0;
    cr_expect_eq(mapirt_profname_check_t(many, 1, canon, key, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER);
    many[64] = 0;
    cr_expect_eq(mapirt_profname_check_t(many, 1, canon, key, err, sizeof err), S_OK);
    cr_expect_eq(mapirt_profname_check_t("Plain", 0, canon, key, err, sizeof err), S_OK);
}
