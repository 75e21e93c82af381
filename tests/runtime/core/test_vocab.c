/* Vocabulary lookups over the generated tables: every tag and name round-trips, flags decode by
 * name, status codes have names and descriptions. */
#include <criterion/criterion.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapix.h>
#include <mapirt/vocab.h>

Test(vocab, every_tag_round_trips_through_its_names)
{
    cr_assert_gt(mapirt_tag_row_count, 550); /* 430 declarations, string ones twice */
    for (unsigned i = 0; i < mapirt_tag_row_count; i++) {
        const mapirt_tag_row *r = &mapirt_tag_rows[i];
        cr_assert_eq(mapirt_tag_from_name(r->name), r->tag, "%s", r->name);
        const char *canon = mapirt_tag_name(r->tag);
        cr_assert_not_null(canon);
        cr_assert_eq(mapirt_tag_from_name(canon), r->tag, "%s", canon);
        if (r->pidtag != NULL)
            cr_assert_eq(PROP_ID(mapirt_tag_from_name(r->pidtag)), PROP_ID(r->tag), "%s", r->pidtag);
    }
}

Test(vocab, every_name_in_the_index_is_found)
{
    for (unsigned i = 0; mapirt_name_rows[i].name != NULL; i++)
        cr_assert_eq(mapirt_tag_from_name(mapirt_name_rows[i].name), mapirt_name_rows[i].tag,
                     "%s", mapirt_name_rows[i].name);
}

Test(vocab, known_tags_and_spellings)
{
    cr_expect_str_eq(mapirt_tag_name(PR_DISPLAY_NAME_W), "PR_DISPLAY_NAME_W");
    cr_expect_str_eq(mapirt_tag_name(PR_DISPLAY_NAME_A), "PR_DISPLAY_NAME_A");
    cr_expect_str_eq(mapirt_tag_pidtag(PR_DISPLAY_NAME_W), "PidTagDisplayName");
    cr_expect_eq(mapirt_tag_from_name("PR_DISPLAY_NAME"), PR_DISPLAY_NAME_A);
    cr_expect_eq(mapirt_tag_from_name("PidTagDisplayName"), PR_DISPLAY_NAME_W);
    cr_expect_eq(mapirt_tag_from_name("PR_ENTRYID"), PR_ENTRYID);
    cr_expect_eq(mapirt_tag_from_name("PidTagEntryId"), PR_ENTRYID);
    cr_expect_str_eq(mapirt_tag_name(PR_RESOURCE_FLAGS), "PR_RESOURCE_FLAGS");
}

Test(vocab, unknown_and_bad_input)
{
    cr_expect_null(mapirt_tag_name(PROP_TAG(PT_LONG, 0x7FFE)));
    cr_expect_null(mapirt_tag_pidtag(PROP_TAG(PT_LONG, 0x7FFE)));
    cr_expect_eq(mapirt_tag_from_name("PR_NO_SUCH_THING"), PR_NULL);
    cr_expect_eq(mapirt_tag_from_name(""), PR_NULL);
    cr_expect_eq(mapirt_tag_from_name(NULL), PR_NULL);
    cr_expect_eq(mapirt_tag_from_name("pr_display_name"), PR_NULL, "names are case-sensitive");
    cr_expect_null(mapirt_scode_name((HRESULT)0x8004FFFF));
    cr_expect_null(mapirt_flagset_find("NoSuchSet"));
    cr_expect_null(mapirt_flagset_find(NULL));
    cr_expect_null(mapirt_proptype_name(0x7777));
}

Test(vocab, property_types)
{
    cr_expect_str_eq(mapirt_proptype_name(PT_LONG), "PT_LONG");
    cr_expect_str_eq(mapirt_proptype_name(PT_UNICODE), "PT_UNICODE");
    cr_expect_str_eq(mapirt_proptype_name(PT_MV_BINARY), "PT_MV_BINARY");
    cr_expect_str_eq(mapirt_proptype_name(PT_ERROR), "PT_ERROR");
}

Test(vocab, status_codes)
{
    cr_expect_str_eq(mapirt_scode_name(MAPI_E_NOT_FOUND), "MAPI_E_NOT_FOUND");
    cr_expect_str_eq(mapirt_scode_name(MAPI_W_ERRORS_RETURNED), "MAPI_W_ERRORS_RETURNED");
    cr_expect_str_eq(mapirt_scode_name(S_OK), "S_OK");
    cr_expect_str_eq(mapirt_scode_name(MAPI_E_CALL_FAILED), "MAPI_E_CALL_FAILED");
    cr_expect_str_eq(mapirt_scode_name(MAPI_E_NOT_ENOUGH_MEMORY), "MAPI_E_NOT_ENOUGH_MEMORY");
    for (unsigned i = 0; i < mapirt_scode_row_count; i++) {
        const char *d = mapirt_scode_description((HRESULT)mapirt_scode_rows[i].value);
        cr_expect(d != NULL && *d != '\0', "%s has no description", mapirt_scode_rows[i].name);
    }
}

static const char *decode(const char *set, ULONG v, char *buf, size_t cb)
{
    mapirt_flags_decode(mapirt_flagset_find(set), v, buf, cb);
    return buf;
}

Test(vocab, flags_decode_by_name)
{
    char buf[256];
    cr_expect_str_eq(decode("LogonFlags", 0x29, buf, sizeof buf),
                     "MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED");
    cr_expect_str_eq(decode("LogonFlags", MAPI_LOGON_UI | 0x01000000u, buf, sizeof buf),
                     "MAPI_LOGON_UI | 0x01000000", "unknown bits in hex");
    cr_expect_str_eq(decode("LogonFlags", 0, buf, sizeof buf), "0");
    cr_expect_str_eq(decode("LogoffFlags", MAPI_LOGOFF_SHARED | MAPI_LOGOFF_UI, buf, sizeof buf),
                     "MAPI_LOGOFF_SHARED | MAPI_LOGOFF_UI");
    cr_expect_str_eq(decode("DefaultStoreKinds", MAPI_SIMPLE_STORE_PERMANENT, buf, sizeof buf),
                     "MAPI_SIMPLE_STORE_PERMANENT");
    cr_expect_str_eq(decode("DefaultStoreKinds", 9, buf, sizeof buf), "0x00000009");
    cr_expect_str_eq(decode("NoSuchSet", 0x10, buf, sizeof buf), "0x00000010");
    const mapirt_flagset *rf = mapirt_flagset_for_tag(PR_RESOURCE_FLAGS);
    cr_assert_not_null(rf);
    cr_expect_str_eq(rf->name, "ResourceFlags");
    mapirt_flags_decode(rf, STATUS_DEFAULT_STORE, buf, sizeof buf);
    cr_expect_str_eq(buf, "STATUS_DEFAULT_STORE");
}

Test(vocab, decode_truncates_safely_and_reports_length)
{
    char small[8];
    size_t need = mapirt_flags_decode(mapirt_flagset_find("LogonFlags"), 0x29, small, sizeof small);
    cr_expect_eq(need, strlen("MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED"));
    cr_expect_eq(strlen(small), sizeof small - 1);
    cr_expect_eq(mapirt_flags_decode(mapirt_flagset_find("LogonFlags"), 0x29, NULL, 0), need);
}

Test(vocab, every_flagset_is_found_and_sorted)
{
    unsigned n = 0;
    for (const mapirt_flagset *f = mapirt_flagsets; f->name != NULL; f++, n++) {
        cr_assert_eq(mapirt_flagset_find(f->name), f, "%s", f->name);
        for (unsigned i = 1; i < f->count; i++)
            cr_assert_lt(f->members[i - 1].value, f->members[i].value, "%s", f->name);
    }
    cr_expect_gt(n, 100);
}

Test(vocab, property_tag_macros_behave_as_published)
{
    /* Values from MinGW-w64's mapidefs.h / mapitags.h definitions of the same macros. */
    cr_expect_eq(PROP_TAG(PT_LONG, 0x3009), 0x30090003u);
    cr_expect_eq(PROP_TYPE(PR_DISPLAY_NAME_W), PT_UNICODE);
    cr_expect_eq(PROP_ID(PR_DISPLAY_NAME_W), 0x3001u);
    cr_expect_eq(CHANGE_PROP_TYPE(PR_DISPLAY_NAME_W, PT_STRING8), PR_DISPLAY_NAME_A);
    cr_expect_eq(CHANGE_PROP_TYPE(PR_ENTRYID, PT_UNSPECIFIED), 0x0FFF0000u);
    cr_expect_eq(MV_FLAG, 0x1000u);
    cr_expect_eq(MVI_FLAG, MV_FLAG | MV_INSTANCE);
    cr_expect_eq(MVI_PROP(PROP_TAG(PT_MV_LONG, 0x6600)), PROP_TAG(PT_MV_LONG, 0x6600) | MVI_FLAG);
    cr_expect_eq(PR_NULL, PROP_TAG(PT_NULL, PROP_ID_NULL));
    cr_expect_eq(PROP_ID_INVALID, 0xFFFFu);
#ifdef UNICODE
    cr_expect_eq(PR_DISPLAY_NAME, PR_DISPLAY_NAME_W);
#else
    cr_expect_eq(PR_DISPLAY_NAME, PR_DISPLAY_NAME_A, "without UNICODE the plain name is 8-bit");
    cr_expect_eq(PT_TSTRING, PT_STRING8);
    cr_expect_eq(PT_MV_TSTRING, PT_MV_STRING8);
#endif
}

Test(vocab, flag_names_to_values)
{
    ULONG v = 0;
    cr_expect(mapirt_flag_from_name("STATUS_DEFAULT_STORE", &v));
    cr_expect_eq(v, STATUS_DEFAULT_STORE);
    cr_expect(mapirt_flag_from_name("MAPI_STORE_PROVIDER", &v), "value sets are searched too");
    cr_expect_eq(v, MAPI_STORE_PROVIDER);
    cr_expect(mapirt_flag_from_name("SERVICE_SINGLE_COPY", &v));
    cr_expect_eq(v, SERVICE_SINGLE_COPY);
    cr_expect_not(mapirt_flag_from_name("NO_SUCH_FLAG", &v));
    cr_expect_not(mapirt_flag_from_name("status_default_store", &v), "names are case-sensitive");
    const mapirt_flagset *svc = mapirt_flagset_find("ServiceResourceFlags");
    cr_expect(mapirt_flagset_member(svc, "SERVICE_PRIMARY_IDENTITY", &v));
    cr_expect_eq(v, SERVICE_PRIMARY_IDENTITY);
    cr_expect_not(mapirt_flagset_member(svc, "STATUS_DEFAULT_STORE", &v));
    cr_expect_not(mapirt_flagset_member(NULL, "STATUS_DEFAULT_STORE", &v));
}
