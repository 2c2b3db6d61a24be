/* cli.c - number options and signal handling for the programs. */
#include "core/cli.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dse_cli_number(const char *prog, const char *opt, const char *s, double lo, double hi,
                   double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s: %s takes a number from %g to %g (got '%s')\n", prog, opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int dse_cli_endpoint(const char *prog, const char *opt, const char *s, const char *example)
{
    static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(s, schemes[i], n) == 0 && s[n])
            return 0;
    }
    if (!strstr(s, "://") && strchr(s, ':'))
        fprintf(stderr, "%s: %s needs an endpoint with its transport, like %s (got '%s'; did "
                        "you mean tcp://%s?)\n", prog, opt, example, s, s);
    else
        fprintf(stderr, "%s: %s needs an endpoint like %s, or ipc://PATH (got '%s')\n", prog,
                opt, example, s);
    return -1;
}

static volatile sig_atomic_t *s_flag;

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_flag)
        *s_flag = 1;
}

void dse_cli_stop_on_signals(volatile sig_atomic_t *flag)
{
    s_flag = flag;
    zsys_handler_set(NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int dse_cli_keys(const char *prog, const char *key, const char *coordinator_key,
                 dse_curve_client_t *cc)
{
    memset(cc, 0, sizeof *cc);
    if (!key && !coordinator_key)
        return 0;
    if (!key || !coordinator_key) {
        fprintf(stderr, "%s: --key FILE and --coordinator-key FILE go together (this side's "
                        "pair, NAME.key of dse-keygen, and the coordinator's public key, its "
                        ".pub)\n", prog);
        return 2;
    }
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_curve_client_load(cc, key, coordinator_key, &err) != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "%s: %s\n", prog, buf);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------- the option table */

/* The row of argument a ("--name", "--name=V" or "-x"), or NULL. */
static const dse_cli_opt_t *s_find(const dse_cli_opt_t *opts, const char *a, const char **attached)
{
    *attached = NULL;
    if (a[1] != '-') {
        for (const dse_cli_opt_t *o = opts; o->name; o++)
            if (o->short_name && a[1] == o->short_name && !a[2])
                return o;
        return NULL;
    }
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    for (const dse_cli_opt_t *o = opts; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, a, n) == 0) {
            *attached = eq ? eq + 1 : NULL;
            return o;
        }
    return NULL;
}

/* Sets the row's target from its value. Returns -1 or the exit status. */
static int s_apply(const dse_cli_t *cli, const dse_cli_opt_t *o, const char *value)
{
    const char *prog = cli->prog;
    double v;
    switch (o->kind) {
    case DSE_CLI_FLAG:
        *(int *)o->target = 1;
        return -1;
    case DSE_CLI_STRING:
        *(const char **)o->target = value;
        return -1;
    case DSE_CLI_NUMBER:
        if (dse_cli_number(prog, o->name, value, o->lo, o->hi, &v))
            return 2;
        *(double *)o->target = v;
        return -1;
    case DSE_CLI_INT: {
        char *end;
        v = strtod(value, &end);
        if (end == value || *end || !(v >= o->lo && v <= o->hi) || v != (double)(long long)v) {
            fprintf(stderr, "%s: %s takes a whole number from %g to %g (got '%s')\n", prog,
                    o->name, o->lo, o->hi, value);
            return 2;
        }
        *(int *)o->target = (int)v;
        return -1;
    }
    case DSE_CLI_ENDPOINT:
        if (dse_cli_endpoint(prog, o->name, value, o->example))
            return 2;
        *(const char **)o->target = value;
        return -1;
    case DSE_CLI_CALL:
        return o->call(o->target, prog, o->name, value);
    case DSE_CLI_HELP:
        dse_cli_help(cli, stdout);
        return 0;
    }
    return -1;
}

/* An argument that is not an option. Returns -1 or the exit status. */
static int s_arg(const dse_cli_t *cli, const char *a)
{
    if (cli->n_args && *cli->n_args < cli->max_args) {
        cli->args[(*cli->n_args)++] = a;
        return -1;
    }
    if (cli->max_args == 1)
        fprintf(stderr, "%s: one %s only ('%s' and '%s')\n", cli->prog, cli->arg_name,
                cli->args[0], a);
    else
        fprintf(stderr, "%s: unexpected argument '%s'\n", cli->prog, a);
    return 2;
}

/* Option i of argv (with its value). Returns -1 or the exit status. */
static int s_option(const dse_cli_t *cli, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *value;
    const dse_cli_opt_t *o = s_find(cli->opts, a, &value);
    if (!o) {
        fprintf(stderr, "%s: unknown option '%s'\n", cli->prog, a);
        dse_cli_help(cli, stderr);
        return 2;
    }
    if (!o->value && value) {
        fprintf(stderr, "%s: %s takes no value (got '%s')\n", cli->prog, o->name, a);
        return 2;
    }
    if (o->value && !value && (o->flags & DSE_CLI_OPTIONAL)) {
        if ((o->flags & DSE_CLI_NEXT_PATH) && *i + 1 < argc && argv[*i + 1][0] == '/')
            value = argv[++*i];
    } else if (o->value && !value) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value (%s)\n", cli->prog, o->name, o->value);
            dse_cli_help(cli, stderr);
            return 2;
        }
        value = argv[++*i];
    }
    return s_apply(cli, o, value);
}

int dse_cli_parse(const dse_cli_t *cli, int argc, char **argv)
{
    int options = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int st;
        if (options && strcmp(a, "--") == 0) {
            options = 0;
            continue;
        }
        if (options && a[0] == '-' && a[1])
            st = s_option(cli, argc, argv, &i);
        else
            st = s_arg(cli, a);
        if (st >= 0)
            return st;
    }
    return -1;
}

/* "-v, --verbose", "--workers N", "--allow-command[=PROG]" */
static void s_label(const dse_cli_opt_t *o, char *buf, size_t size)
{
    int n = 0;
    if (o->short_name)
        n = snprintf(buf, size, "-%c, ", o->short_name);
    if (!o->value)
        snprintf(buf + n, size - (size_t)n, "%s", o->name);
    else if (o->flags & DSE_CLI_OPTIONAL)
        snprintf(buf + n, size - (size_t)n, "%s[=%s]", o->name, o->value);
    else
        snprintf(buf + n, size - (size_t)n, "%s %s", o->name, o->value);
}

void dse_cli_help(const dse_cli_t *cli, FILE *out)
{
    size_t width = 12;
    char label[128];
    for (const dse_cli_opt_t *o = cli->opts; o->name; o++) {
        s_label(o, label, sizeof label);
        if (strlen(label) + 2 > width && strlen(label) + 2 <= 25)
            width = strlen(label) + 2;
    }
    fprintf(out, "%s\noptions:\n", cli->usage);
    for (const dse_cli_opt_t *o = cli->opts; o->name; o++) {
        s_label(o, label, sizeof label);
        const char *h = o->help ? o->help : "";
        if (strlen(label) + 2 > width) /* a long label: its help starts below it */
            fprintf(out, "  %s\n%*s", label, (int)width + 2, "");
        else
            fprintf(out, "  %-*s", (int)width, label);
        for (;;) {
            size_t n = strcspn(h, "\n");
            fprintf(out, "%.*s\n", (int)n, h);
            if (!h[n])
                break;
            h += n + 1;
            fprintf(out, "%*s", (int)width + 2, "");
        }
    }
    if (cli->trailer)
        fprintf(out, "\n%s", cli->trailer);
}
