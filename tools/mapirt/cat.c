/* cat.c: `mapirt cat PATH [--prop NAME] [--attach N]`: one property of a message (or of its
 * attachment N) written to stdout as it is, through IMAPIProp::OpenProperty(IID_IStream) in
 * 64 KB reads, so that values of any size and any bytes pass unchanged. Strings are written
 * as UTF-8 (a PT_UNICODE name is read as its PT_STRING8 twin). A property of a type that has no
 * stream (numbers, times, ...) is written as `mapirt show` decodes it, with a newline. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "groups.h"
#include "store.h"

static int write_stream(LPSTREAM s, const char *what)
{
    static char buf[65536];
    for (;;) {
        ULONG got = 0;
        HRESULT hr = s->lpVtbl->Read(s, buf, sizeof buf, &got);
        if (FAILED(hr))
            return fail_hr(hr, NULL, "reading %s", what);
        if (got == 0)
            return EXIT_OK;
        if (fwrite(buf, 1, got, stdout) != got)
            return fail_msg("writing %s: %s", what, strerror(errno));
    }
}

/* A value without a stream: decoded as text, with a newline. */
static int write_decoded(LPMAPIPROP obj, ULONG tag, const char *what)
{
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = obj->lpVtbl->GetProps(obj, (LPSPropTagArray)&tags, 0, &n, &v);
    if (hr == MAPI_W_ERRORS_RETURNED && v && PROP_TYPE(v->ulPropTag) == PT_ERROR)
        hr = v->Value.err;
    if (hr != S_OK) {
        MAPIFreeBuffer(v);
        return fail_hr(hr, LAST_ERROR(obj, hr), "reading %s", what);
    }
    sbuf b = {0};
    prop_text(&b, v);
    printf("%s\n", sb_str(&b));
    sb_free(&b);
    MAPIFreeBuffer(v);
    return EXIT_OK;
}

static int cat(const ctx *c, LPMAPIPROP obj, ULONG tag, const char *what)
{
    LPSTREAM s = NULL;
    HRESULT hr = obj->lpVtbl->OpenProperty(obj, tag, &IID_IStream, 0, 0, (LPUNKNOWN *)&s);
    if (hr == MAPI_E_INTERFACE_NOT_SUPPORTED || hr == MAPI_E_NO_SUPPORT) {
        ULONG type = PROP_TYPE(tag);
        if (type == PT_OBJECT)
            return fail_hr(hr, LAST_ERROR(obj, hr), "reading %s (an object: mapirt show prints "
                                                    "an embedded message)",
                what);
        if (type == PT_BINARY || type == PT_STRING8)
            return fail_hr(hr, LAST_ERROR(obj, hr), "opening a stream on %s", what);
        return write_decoded(obj, tag, what);
    }
    (void)c;
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(obj, hr), "opening a stream on %s", what);
    int rc = write_stream(s, what);
    s->lpVtbl->Release(s);
    return rc;
}

/* What to write: the property, of the message or of its attachment (-1: none). */
typedef struct cat_what {
    ULONG tag;
    long attach;
} cat_what;

static int cat_target(const ctx *c, target *tg, void *arg)
{
    const cat_what *w = arg;
    char nb[64], what[800];
    int rc;
    prop_name(w->tag, nb, sizeof nb);
    if (w->attach >= 0 && !tg->msg)
        rc = fail_text(MAPI_E_INVALID_PARAMETER, "it names a folder, not a message",
            "reading attachment %ld of '%s'", w->attach, tg->label);
    else if (w->attach >= 0) {
        LPATTACH a = NULL;
        HRESULT hr = tg->msg->lpVtbl->OpenAttach(tg->msg, (ULONG)w->attach, NULL, 0, &a);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(tg->msg, hr), "opening attachment %ld of '%s'",
                w->attach, tg->label);
        else {
            snprintf(what, sizeof what, "%s of attachment %ld of '%s'", nb, w->attach,
                tg->label);
            rc = cat(c, (LPMAPIPROP)a, w->tag, what);
            a->lpVtbl->Release(a);
        }
    } else {
        snprintf(what, sizeof what, "%s of '%s'", nb, tg->label);
        rc = cat(c, tg->msg ? (LPMAPIPROP)tg->msg : (LPMAPIPROP)tg->folder, w->tag, what);
    }
    return rc;
}

static int run_cat(ctx *c)
{
    cat_what w = {0, -1};
    const char *prop = opt_get(c, "prop");
    if (opt_get(c, "attach")) {
        char *end;
        errno = 0;
        w.attach = strtol(opt_get(c, "attach"), &end, 10);
        if (errno || *end || w.attach < 0 || end == opt_get(c, "attach"))
            return usage_error(c, "--attach '%s': not an attachment number (mapirt show lists "
                                  "them)",
                opt_get(c, "attach"));
    }
    w.tag = w.attach >= 0 ? PR_ATTACH_DATA_BIN : PR_BODY_A;
    if (prop) {
        int rc = cli_tag(c, "--prop", prop, &w.tag);
        if (rc != EXIT_OK)
            return rc;
    }
    return path_run(c, c->argv[0], cat_target, &w);
}

static const opt CAT_OPTS[] = {
    {"prop", "NAME", "the property to write (default: PR_BODY, or PR_ATTACH_DATA_BIN with "
                     "--attach)",
        0},
    {"attach", "N", "the property of the message's attachment N (PR_ATTACH_NUM, as mapirt show "
                    "lists them) instead",
        0},
    STORE_OPT,
    {NULL, NULL, NULL, 0},
};

static const cmd CAT_CMDS[] = {
    {NULL, "PATH|ENTRYID", 1, 1, "write a property's value to stdout",
        "Writes one property of the message PATH names (FOLDER/#N or an entry ID in hex), or of "
        "its attachment N, to stdout unchanged, streamed through OpenProperty(IID_IStream): "
        "binary values byte for byte, strings as UTF-8. A property that has no stream (a number, "
        "a time) is written decoded, as mapirt show prints it, with a newline. A missing "
        "property is MAPI_E_NOT_FOUND.",
        CAT_OPTS, CMD_PROFILE | CMD_MAPI, run_cat},
    {0},
};

const group cat_group = {"cat", "write a property's value to stdout", CAT_CMDS};
