/* main.c: `mapirt`, one command-line tool over the public MAPI API of mapirt.
 *
 *   mapirt GROUP [COMMAND] [OPTIONS] [OPERANDS]
 *
 * The groups and their commands are tables (cli.h); this file parses a command line against
 * them and writes --help, the man page and the bash completion from the same tables. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>
#include <mapiutil.h>

#include "cli.h"
#include "groups.h"

static const opt HELP_OPTS[] = {
    {"man", NULL, "print the manual page (roff) instead", 0},
    {"bash-completion", NULL, "print the bash completion script instead", 0},
    {NULL, NULL, NULL, 0},
};

static int run_help(ctx *c);

static const cmd HELP_CMDS[] = {
    {NULL, "[GROUP [COMMAND]]", 0, 2, "describe the commands",
        "Without operands, lists every command; with a group (and a command), prints its help, "
        "as --help does. The manual page and the bash completion are written from the same "
        "command table.",
        HELP_OPTS, 0, run_help},
    {0},
};

static const group HELP_GROUP = {"help", "describe the commands", HELP_CMDS};

const group *const mapirt_groups[] = {
    &profile_group,
    &service_group,
    &catalog_group,
    &session_group,
    &ls_group,
    &show_group,
    &cat_group,
    &import_group,
    &send_group,
    &deliver_group,
    &vocab_group,
    &trace_group,
    &HELP_GROUP,
    NULL,
};

static const opt *find_opt(const cmd *k, const char *name, size_t len, int *index)
{
    for (int i = 0; k->opts && k->opts[i].name; i++)
        if (strlen(k->opts[i].name) == len && strncmp(k->opts[i].name, name, len) == 0) {
            *index = i;
            return &k->opts[i];
        }
    return NULL;
}

int opt_count(const ctx *c, const char *name)
{
    int i;
    if (!find_opt(c->cmd, name, strlen(name), &i))
        return 0;
    return c->vals[i].count;
}

const char *opt_at(const ctx *c, const char *name, int k)
{
    int i;
    if (!find_opt(c->cmd, name, strlen(name), &i) || k >= c->vals[i].count)
        return NULL;
    return c->vals[i].vals[k];
}

const char *opt_get(const ctx *c, const char *name)
{
    int n = opt_count(c, name);
    return n ? opt_at(c, name, n - 1) : NULL;
}

/* ---- help ---- */

static void synopsis(FILE *f, const group *g, const cmd *k)
{
    fprintf(f, "mapirt %s%s%s", g->name, k->name ? " " : "", k->name ? k->name : "");
    if (k->opts && k->opts[0].name)
        fputs(" [OPTIONS]", f);
    if (k->args && *k->args)
        fprintf(f, " %s", k->args);
}

static void opt_label(char *buf, size_t cb, const char *name, const char *arg)
{
    snprintf(buf, cb, "--%s%s%s", name, arg ? " " : "", arg ? arg : "");
}

/* Every option a command takes: its own, then the shared ones. */
typedef struct optline {
    const char *name, *arg, *help;
} optline;

static int all_opts(const cmd *k, optline *out)
{
    int n = 0;
    for (int i = 0; k->opts && k->opts[i].name; i++)
        out[n++] = (optline){k->opts[i].name, k->opts[i].arg, k->opts[i].help};
    if (k->flags & CMD_PROFILE)
        out[n++] = (optline){"profile", "NAME",
            "the profile to use (default: $MAPIRT_PROFILE, else the default "
            "profile)"};
    if (k->flags & CMD_JSON)
        out[n++] = (optline){"json", NULL, "print JSON (field names are property names)"};
    out[n++] = (optline){"help", NULL, "print this help"};
    return n;
}

/* Prints text wrapped at 79 columns; lines after the first are indented by `indent` (the
 * caller has written the first line's indent). */
static void wrap(const char *text, int indent, int col)
{
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int len = sp ? (int)(sp - p) : (int)strlen(p);
        if (col > indent && col + 1 + len > 79) {
            printf("\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", len, p);
        col += len;
        p += len;
        while (*p == ' ')
            p++;
    }
    putchar('\n');
}

static void print_cmd_help(const group *g, const cmd *k)
{
    optline ol[40];
    int n = all_opts(k, ol), w = 0;
    fputs("usage: ", stdout);
    synopsis(stdout, g, k);
    printf("\n\n%c%s.\n", k->summary[0] - ('a' <= k->summary[0] && k->summary[0] <= 'z' ? 32 : 0),
        k->summary + 1);
    if (k->help) {
        putchar('\n');
        wrap(k->help, 0, 0);
    }
    printf("\noptions:\n");
    for (int i = 0; i < n; i++) {
        char lb[80];
        opt_label(lb, sizeof lb, ol[i].name, ol[i].arg);
        w = (int)strlen(lb) > w ? (int)strlen(lb) : w;
    }
    for (int i = 0; i < n; i++) {
        char lb[80];
        opt_label(lb, sizeof lb, ol[i].name, ol[i].arg);
        printf("  %-*s  ", w, lb);
        wrap(ol[i].help, w + 4, w + 4);
    }
}

static void print_group_help(const group *g)
{
    printf("usage: mapirt %s COMMAND ...\n\n%s.\n\ncommands:\n", g->name, g->summary);
    for (const cmd *k = g->cmds; k->run; k++) {
        char line[160];
        snprintf(line, sizeof line, "%s%s%s", k->name ? k->name : "", k->name ? " " : "",
            k->args ? k->args : "");
        printf("  %-28s %s\n", line, k->summary);
    }
    printf("\nRun 'mapirt %s COMMAND --help' for a command's options.\n", g->name);
}

static void print_main_help(void)
{
    fputs("usage: mapirt GROUP [COMMAND] [OPTIONS] [OPERANDS]\n\n"
          "The MAPI profiles, services, sessions and vocabulary of mapirt, from the command "
          "line.\n\ncommands:\n",
        stdout);
    for (int i = 0; mapirt_groups[i]; i++) {
        const group *g = mapirt_groups[i];
        for (const cmd *k = g->cmds; k->run; k++) {
            char line[160];
            snprintf(line, sizeof line, "%s%s%s%s%s", g->name, k->name ? " " : "",
                k->name ? k->name : "", k->args && *k->args ? " " : "",
                k->args ? k->args : "");
            printf("  %-40s %s\n", line, k->summary);
        }
    }
    fputs("\nRun 'mapirt GROUP [COMMAND] --help' for its options; 'mapirt help --man' prints "
          "the manual.\nExit status: 0 done, 1 failed (the MAPI error on stderr), 2 usage.\n",
        stdout);
}

/* roff-escapes text: backslashes, and a line starting with '.' or '\''. */
static void roff(const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            fputc(*s, stdout);
    }
}

static void print_man(void)
{
    fputs(".TH MAPIRT 1 \"\" \"mapirt\" \"User Commands\"\n"
          ".SH NAME\nmapirt \\- MAPI profiles, services, sessions and vocabulary from the "
          "command line\n"
          ".SH SYNOPSIS\n.B mapirt\n.I GROUP\n[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR] "
          "[\\fIOPERANDS\\fR]\n"
          ".SH DESCRIPTION\n"
          "mapirt administers MAPI profiles and message services, logs on to sessions and "
          "looks up MAPI's vocabulary, through the public MAPI API of libmapirt. Data is "
          "printed as aligned tables, or as JSON with \\fB\\-\\-json\\fR, whose field names "
          "are MAPI property names (PR_DISPLAY_NAME). Properties given on the command line are "
          "named as in MAPI's headers (PR_SUBJECT, PR_SUBJECT_W) or MS\\-OXPROPS "
          "(PidTagSubject), or as a hexadecimal tag; their values are read by the property's "
          "type, as in MAPISVC.INF.\n"
          ".SH COMMANDS\n",
        stdout);
    for (int i = 0; mapirt_groups[i]; i++) {
        const group *g = mapirt_groups[i];
        for (const cmd *k = g->cmds; k->run; k++) {
            optline ol[40];
            int n = all_opts(k, ol);
            fputs(".TP\n.B ", stdout);
            char syn[256];
            snprintf(syn, sizeof syn, "mapirt %s%s%s", g->name, k->name ? " " : "",
                k->name ? k->name : "");
            roff(syn);
            if (k->args && *k->args) {
                fputs(" \\fI", stdout);
                roff(k->args);
                fputs("\\fR", stdout);
            }
            fputc('\n', stdout);
            roff(k->summary);
            fputs(".\n", stdout);
            if (k->help) {
                fputs(".IP\n", stdout);
                roff(k->help);
                fputc('\n', stdout);
            }
            for (int j = 0; j < n; j++) {
                char lb[80];
                opt_label(lb, sizeof lb, ol[j].name, ol[j].arg);
                fputs(".RS\n.TP\n.B ", stdout);
                roff(lb);
                fputc('\n', stdout);
                roff(ol[j].help);
                fputs("\n.RE\n", stdout);
            }
        }
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B MAPIRT_PROFILE\nthe profile commands use when none is named (else the "
          "default profile)\n"
          ".TP\n.B MAPIRT_PROFILES\nthe profile store (a file, or a directory holding "
          "profiles.db); else $XDG_CONFIG_HOME/mapirt/profiles.db, else "
          "~/.config/mapirt/profiles.db\n"
          ".TP\n.B MAPIRT_SERVICES\nthe service catalog (a MAPISVC.INF file, or a directory of "
          "*.inf), in place of the installed one\n"
          ".TP\n.B MAPIRT_PROVIDER_PATH\ndirectories searched for providers' shared objects "
          "before the installed ones\n"
          ".TP\n.B MAPIRT_TRACE, MAPIRT_TRACE_FILE\ncall tracing (see \\fBmapirt trace\\fR)\n"
          ".SH EXIT STATUS\n0 done; 1 a MAPI call failed (stderr says which, with the status "
          "code's name and value and the object's GetLastError text); 2 a usage error.\n",
        stdout);
}

/* The options of a command that take a value, for the completion: "--a --b". */
static void print_argopts(const cmd *k)
{
    optline ol[40];
    int n = all_opts(k, ol), first = 1;
    for (int j = 0; j < n; j++)
        if (ol[j].arg) {
            printf("%s--%s", first ? "" : " ", ol[j].name);
            first = 0;
        }
}

static void print_arm(const cmd *k, const char *indent, int first_operand)
{
    optline ol[40];
    int n = all_opts(k, ol);
    printf("%swords=\"", indent);
    for (int j = 0; j < n; j++)
        printf("%s--%s", j ? " " : "", ol[j].name);
    printf("\" argopts=\"");
    print_argopts(k);
    printf("\" first=%d", first_operand);
    if (k->flags & CMD_PROFILE_OPERAND)
        printf(" profop=1");
}

static void print_completion(void)
{
    /* Profile names come from `mapirt profile list` (the program being completed: the one on
     * the command line), its last column (yes/no) cut off; names may hold blanks. */
    fputs("# bash completion for mapirt (written by `mapirt help --bash-completion`)\n"
          "_mapirt_profiles()\n{\n"
          "    local IFS=$'\\n' i\n"
          "    COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" profile list 2>/dev/null |\n"
          "        sed -n '2,$s/  *\\(yes\\|no\\)$//p')\" -- \"$cur\"))\n"
          "    for i in \"${!COMPREPLY[@]}\"; do\n"
          "        COMPREPLY[$i]=$(printf '%q' \"${COMPREPLY[$i]}\")\n"
          "    done\n}\n"
          "_mapirt()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} group=${COMP_WORDS[1]} sub=${COMP_WORDS[2]}\n"
          "    local prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local words= argopts= first=0 profop= i n=0 skip=\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        words=\"",
        stdout);
    for (int i = 0; mapirt_groups[i]; i++)
        printf("%s%s", i ? " " : "", mapirt_groups[i]->name);
    fputs(" --help\"\n    else\n        case \"$group\" in\n", stdout);
    for (int i = 0; mapirt_groups[i]; i++) {
        const group *g = mapirt_groups[i];
        printf("        %s)\n", g->name);
        if (g->cmds[0].name) {
            printf("            if [ \"$COMP_CWORD\" -eq 2 ]; then\n                words=\"");
            for (const cmd *k = g->cmds; k->run; k++)
                printf("%s ", k->name);
            printf("--help\"\n            else\n                case \"$sub\" in\n");
            for (const cmd *k = g->cmds; k->run; k++) {
                printf("                %s)\n", k->name);
                print_arm(k, "                    ", 3);
                printf(" ;;\n");
            }
            printf("                esac\n            fi\n            ;;\n");
        } else {
            print_arm(&g->cmds[0], "            ", 2);
            printf("\n            ;;\n");
        }
    }
    fputs("        esac\n    fi\n"
          "    if [ \"$prev\" = --profile ] && [ \"$first\" -gt 0 ]; then\n"
          "        _mapirt_profiles\n        return\n    fi\n"
          "    if [ -n \"$argopts\" ] && [[ \" $argopts \" == *\" $prev \"* ]]; then\n"
          "        COMPREPLY=()\n        return\n    fi\n"
          "    if [ -n \"$profop\" ] && [[ $cur != -* ]]; then\n"
          "        for ((i = first; i < COMP_CWORD; i++)); do\n"
          "            if [ -n \"$skip\" ]; then skip=; continue; fi\n"
          "            case \"${COMP_WORDS[i]}\" in\n"
          "            -*) [[ \" $argopts \" == *\" ${COMP_WORDS[i]} \"* ]] && skip=1 ;;\n"
          "            *) n=$((n + 1)) ;;\n"
          "            esac\n"
          "        done\n"
          "        if [ \"$n\" -eq 0 ]; then\n            _mapirt_profiles\n            return\n"
          "        fi\n    fi\n"
          "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
          "    if [ \"$group\" = trace ] && [ \"$COMP_CWORD\" -gt 2 ]; then\n"
          "        COMPREPLY+=($(compgen -c -- \"$cur\"))\n    fi\n}\n"
          "complete -o default -F _mapirt mapirt\n",
        stdout);
}

static const group *find_group(const char *name)
{
    for (int i = 0; mapirt_groups[i]; i++)
        if (strcmp(mapirt_groups[i]->name, name) == 0)
            return mapirt_groups[i];
    return NULL;
}

static const cmd *find_cmd(const group *g, const char *name)
{
    for (const cmd *k = g->cmds; k->run; k++)
        if (k->name && name && strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static int run_help(ctx *c)
{
    if (opt_count(c, "man")) {
        print_man();
        return EXIT_OK;
    }
    if (opt_count(c, "bash-completion")) {
        print_completion();
        return EXIT_OK;
    }
    if (c->argc == 0) {
        print_main_help();
        return EXIT_OK;
    }
    const group *g = find_group(c->argv[0]);
    if (!g)
        return usage_error(c, "no command group '%s'", c->argv[0]);
    if (c->argc == 1 && g->cmds[0].name) {
        print_group_help(g);
        return EXIT_OK;
    }
    const cmd *k = g->cmds[0].name ? find_cmd(g, c->argv[1]) : &g->cmds[0];
    if (!k)
        return usage_error(c, "no command '%s %s'", g->name, c->argv[1]);
    print_cmd_help(g, k);
    return EXIT_OK;
}

/* ---- the profile to use ---- */

const char *ctx_profile(const ctx *c, const char *operand, LPPROFADMIN pa)
{
    static char name[256];
    if (operand)
        return operand;
    if (c->profile)
        return c->profile;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = pa->lpVtbl->GetProfileTable(pa, 0, &t);
    if (hr != S_OK) {
        fail_hr(hr, LAST_ERROR(pa, hr), "reading the profile table");
        return NULL;
    }
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    if (hr != S_OK) {
        fail_hr(hr, LAST_ERROR(t, hr), "reading the profile table");
        t->lpVtbl->Release(t);
        return NULL;
    }
    const char *found = NULL;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *d = row_prop(&rows->aRow[i], PR_DEFAULT_PROFILE);
        const SPropValue *n = row_prop(&rows->aRow[i], PR_DISPLAY_NAME_A);
        if (d && d->Value.b && n) {
            snprintf(name, sizeof name, "%s", n->Value.lpszA);
            found = name;
        }
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    if (!found)
        fail_msg("no profile given (an operand, --profile or MAPIRT_PROFILE) and there is no "
                 "default profile");
    return found;
}

/* ---- parsing ---- */

static int parse(ctx *c, int argc, char **argv)
{
    const cmd *k = c->cmd;
    int nopts = 0;
    while (k->opts && k->opts[nopts].name)
        nopts++;
    c->vals = calloc((size_t)nopts + 1, sizeof *c->vals);
    c->argv = calloc((size_t)argc + 1, sizeof *c->argv);
    if (!c->vals || !c->argv)
        return fail_msg("out of memory");
    c->argc = 0;
    int only_operands = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_operands || a[0] != '-' || a[1] == '\0') {
            c->argv[c->argc++] = a;
            only_operands = (k->flags & CMD_EXEC) != 0;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_operands = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_cmd_help(c->grp, k);
            return -1;
        }
        if (a[1] != '-')
            return usage_error(c, "unknown option '%s'", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char *val = eq ? eq + 1 : NULL;
        int idx;
        if ((k->flags & CMD_JSON) && len == 4 && strncmp(name, "json", 4) == 0 && !eq) {
            c->json = 1;
            continue;
        }
        if ((k->flags & CMD_PROFILE) && len == 7 && strncmp(name, "profile", 7) == 0) {
            if (!val && i + 1 >= argc)
                return usage_error(c, "--profile needs a NAME");
            c->profile = val ? val : argv[++i];
            continue;
        }
        const opt *o = find_opt(k, name, len, &idx);
        if (!o)
            return usage_error(c, "unknown option '--%.*s'", (int)len, name);
        if (!o->arg && val)
            return usage_error(c, "--%s takes no value", o->name);
        if (o->arg && !val) {
            if (i + 1 >= argc)
                return usage_error(c, "--%s needs %s", o->name, o->arg);
            val = argv[++i];
        }
        if (c->vals[idx].count && !o->repeat)
            return usage_error(c, "--%s given twice", o->name);
        c->vals[idx].vals = realloc(c->vals[idx].vals,
            (size_t)(c->vals[idx].count + 1) * sizeof(char *));
        if (!c->vals[idx].vals)
            return fail_msg("out of memory");
        c->vals[idx].vals[c->vals[idx].count++] = val ? val : "";
    }
    if (c->argc < k->min_args)
        return usage_error(c, "missing operand (%s)", k->args ? k->args : "");
    if (k->max_args >= 0 && c->argc > k->max_args)
        return usage_error(c, "unexpected operand '%s'", c->argv[k->max_args]);
    if ((k->flags & CMD_PROFILE) && !c->profile) {
        const char *env = getenv("MAPIRT_PROFILE");
        c->profile = env && *env ? env : NULL;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    ctx c = {0};
    if (argc < 2) {
        print_main_help();
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_main_help();
        return EXIT_OK;
    }
    c.grp = find_group(argv[1]);
    if (!c.grp)
        return usage_error(NULL, "no command '%s'", argv[1]);
    int first = 2;
    if (c.grp->cmds[0].name) {
        if (argc < 3 || strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
            print_group_help(c.grp);
            return argc < 3 ? EXIT_USAGE : EXIT_OK;
        }
        c.cmd = find_cmd(c.grp, argv[2]);
        if (!c.cmd)
            return usage_error(&c, "no command '%s'", argv[2]);
        first = 3;
    } else
        c.cmd = &c.grp->cmds[0];
    int rc = parse(&c, argc - first, argv + first);
    if (rc < 0)
        return EXIT_OK; /* --help */
    if (rc != EXIT_OK)
        return rc;
    if (c.cmd->flags & CMD_MAPI) {
        HRESULT hr = MAPIInitialize(NULL);
        if (hr != S_OK)
            return fail_hr(hr, NULL, "MAPIInitialize");
    }
    rc = c.cmd->run(&c);
    if (c.cmd->flags & CMD_MAPI)
        MAPIUninitialize();
    fflush(stdout);
    if (ferror(stdout))
        return fail_msg("writing the output failed");
    return rc;
}
