/* cli.h: what every subcommand of `mapirt` shares.
 *
 * The commands are data: each group file (profile.c, service.c, ...) defines a table of `cmd`
 * entries with its options, and main.c lists the groups. Parsing, `--help`, the man page
 * (`mapirt help --man`) and the bash completion (`mapirt help --bash-completion`) are all
 * produced from those tables, so they cannot disagree.
 *
 * Output (out.c): data goes to stdout as aligned tables, or as JSON with --json (field names
 * are property names); errors go to stderr as
 *     mapirt: <what failed>: MAPI_E_NAME (0x8004010F): <GetLastError text>
 * with exit status 1; usage errors exit 2. */
#ifndef MAPIRT_CLI_H
#define MAPIRT_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <mapix.h>

enum { EXIT_OK = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2 };

/* An option: --name, or --name ARG when arg is set. */
typedef struct opt {
    const char *name;
    const char *arg; /* the metavariable, NULL for a switch */
    const char *help;
    int repeat; /* may be given more than once */
} opt;

struct ctx;

/* A subcommand: `mapirt GROUP NAME ARGS` (or `mapirt GROUP ARGS` when name is NULL). */
typedef struct cmd {
    const char *name;
    const char *args; /* synopsis of the operands: "OLD NEW", "[PROFILE] SERVICE" */
    int min_args, max_args; /* max -1: any number */
    const char *summary; /* one line */
    const char *help; /* paragraphs for --help and the man page, or NULL */
    const opt *opts; /* NULL-name terminated, or NULL */
    unsigned flags; /* CMD_* */
    int (*run)(struct ctx *c);
} cmd;

#define CMD_JSON 0x1 /* prints data: takes --json */
#define CMD_PROFILE 0x2 /* uses a profile: takes --profile (MAPIRT_PROFILE, else the default) */
#define CMD_MAPI 0x4 /* needs MAPIInitialize */
#define CMD_EXEC 0x8 /* its operands are a command line: options end at the first operand */
#define CMD_PROFILE_OPERAND 0x10 /* its first operand names a profile (bash completes it) */

typedef struct group {
    const char *name;
    const char *summary;
    const cmd *cmds; /* terminated by an entry with run == NULL */
} group;

/* The groups, in the order help lists them (main.c). */
extern const group *const mapirt_groups[];

/* A parsed command line. */
typedef struct ctx {
    const group *grp;
    const cmd *cmd;
    int argc; /* operands */
    char **argv;
    int json;
    const char *profile; /* --profile, else MAPIRT_PROFILE, else NULL */
    /* option values, by index into cmd->opts */
    struct optval {
        int count;
        const char **vals;
    } * vals;
} ctx;

/* The values of option `name` (count 0 when absent); the last one, or NULL. */
int opt_count(const ctx *c, const char *name);
const char *opt_get(const ctx *c, const char *name);
const char *opt_at(const ctx *c, const char *name, int i);

/* The profile to use: profile_operand if given, else --profile / MAPIRT_PROFILE, else the
 * default profile (looked up through pa). On failure prints the error and returns NULL; the
 * string returned lives until exit. */
const char *ctx_profile(const ctx *c, const char *profile_operand, LPPROFADMIN pa);

/* ---- errors (out.c) ---- */

/* Prints "mapirt: <what>: MAPI_E_NAME (0x...): <text>" (text from err, else the code's
 * description), frees err and returns EXIT_FAIL. */
int fail_hr(HRESULT hr, LPMAPIERROR err, const char *what, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the text given (the code's description when NULL). */
int fail_text(HRESULT hr, const char *text, const char *what, ...)
    __attribute__((format(printf, 3, 4)));
/* "mapirt: <what>" and EXIT_FAIL, for failures that have no MAPI code. */
int fail_msg(const char *what, ...) __attribute__((format(printf, 1, 2)));
/* "mapirt GROUP NAME: <what>" and "Try '... --help'." and EXIT_USAGE. */
int usage_error(const ctx *c, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* The MAPIERROR an object holds for hr, through its own GetLastError (every MAPI interface
 * that has one has it in the same place of its own vtable type: this stays type-checked). */
LPMAPIERROR *lasterr_slot_(void);
LPMAPIERROR lasterr_take_(void);
#define LAST_ERROR(obj, hr) \
    ((obj) != NULL ? ((void)(obj)->lpVtbl->GetLastError((obj), (hr), 0, lasterr_slot_()), \
                         lasterr_take_()) \
                   : NULL)

/* ---- growing strings (out.c) ---- */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;
void sb_putf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(sbuf *b, const char *s);
void sb_free(sbuf *b);
/* The text, "" when empty; owned by b. */
const char *sb_str(sbuf *b);

/* ---- JSON (out.c): an indented writer to stdout ---- */
void json_begin_object(const char *key); /* key NULL inside an array or at the top */
void json_begin_array(const char *key);
void json_end(void);
void json_string(const char *key, const char *value);
void json_number(const char *key, long long value);
void json_bool(const char *key, int value);
void json_raw(const char *key, const char *text); /* text is already JSON */
void json_finish(void); /* the final newline */
void json_compact(int on); /* on: what follows is written on one line (JSON Lines) */
void json_quote(sbuf *b, const char *s);

/* ---- tables (out.c) ---- */
typedef struct table table;
/* ncols columns: headers[i] for text, keys[i] for JSON (a property name). */
table *table_new(int ncols, const char *const *headers, const char *const *keys);
/* A new row; fill its cells with table_cell (text, and JSON text; either may be NULL: NULL
 * text prints "-", NULL json leaves the field out). */
void table_row(table *t);
void table_cell(table *t, int col, const char *text, const char *json);
/* Prints the table as text or as a JSON array of objects, and frees it. */
void table_print(table *t, int json);
/* Prints the table as text to out, and frees it. */
void table_fprint(FILE *out, table *t);

/* ---- properties (props.c) ---- */

/* PR_SUBJECT, PR_SUBJECT_W, PidTagSubject, 0x0037001F -> tag. 0 and *problem set when the
 * name is unknown. */
int prop_parse_tag(const char *name, ULONG *tag, const char **problem);
/* "PROP=VALUE" -> a value allocated on parent; on failure returns EXIT_USAGE after printing why
 * (nothing is changed by a caller that parses every --set before acting). */
int prop_parse_assignment(const ctx *c, const char *text, void *parent, SPropValue *out);
/* The property's stable name (for JSON and display): its vocabulary name without the _W/_A of
 * string types, else "0x%08X". */
const char *prop_name(ULONG tag, char *buf, size_t cb);
/* The type's name: PT_UNICODE, PT_MV_LONG, ... */
const char *prop_type_name(ULONG tag, char *buf, size_t cb);
/* The value as text (flags decoded by name, strings as they are, binaries in hex, times in
 * ISO 8601 UTC, errors by name) / as JSON. */
void prop_text(sbuf *b, const SPropValue *pv);
void prop_json_value(sbuf *b, const SPropValue *pv);
/* prop_text for a service's own section or row: PR_RESOURCE_FLAGS holds SERVICE_* flags. */
void prop_text_service(sbuf *b, const SPropValue *pv);
/* Writes every property of the array as a JSON member keyed by its name. */
void json_props(const char *key, ULONG n, const SPropValue *pv);
/* Prints the properties as aligned lines NAME TYPE VALUE, indented by `indent` spaces
 * (service: of a service's section, see prop_text_service). */
void print_props(int indent, int service, ULONG n, const SPropValue *pv);
/* The value of tag in the row, or NULL. */
const SPropValue *row_prop(const SRow *row, ULONG tag);
/* A MAPIUID (or any bytes) in hex. */
void hex_bytes(sbuf *b, const void *p, size_t n);

#endif
