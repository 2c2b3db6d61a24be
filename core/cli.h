/* cli.h - what the programs share on their command lines: one option
 * table per program, parsed and turned into its help text here.
 *
 * A program declares its options as rows of a const table, each
 * {long name, short name, value, kind and target, help}:
 *
 *   static const dse_cli_opt_t s_opts[] = {
 *       {"--workers", 0, "N", DSE_CLI_INT, &workers, .lo = 1, .hi = 1024,
 *        .help = "local workers"},
 *       {"--verbose", 'v', NULL, DSE_CLI_FLAG, &verbose, .help = "say what happens"},
 *       {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
 *       {NULL},
 *   };
 *
 * and dse_cli_parse() does the rest, with the same errors everywhere (exit
 * status 2, the usage on stderr after them):
 *   PROG: unknown option '--bogus'
 *   PROG: --workers needs a value (N)
 *   PROG: --workers takes a whole number from 1 to 1024 (got 'x')
 */
#ifndef DSE_CLI_H
#define DSE_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "core/auth.h"

typedef enum {
    DSE_CLI_FLAG,     /* int *target = 1 */
    DSE_CLI_STRING,   /* const char **target = the value */
    DSE_CLI_NUMBER,   /* double *target = a number in [lo, hi] */
    DSE_CLI_INT,      /* int *target = a whole number in [lo, hi] */
    DSE_CLI_ENDPOINT, /* const char **target = an endpoint (dse_cli_endpoint, with .example) */
    DSE_CLI_CALL,     /* .call(target, prog, name, value) decides */
    DSE_CLI_HELP,     /* prints the help on stdout; the program exits 0 */
} dse_cli_kind_t;

/* Row flags. */
enum {
    /* the value is optional, and only attached: --name or --name=VALUE
     * (the value passed is NULL for the bare form) */
    DSE_CLI_OPTIONAL = 1,
    /* with DSE_CLI_OPTIONAL: the next argument is the value too when it is
     * an absolute path (for a program that takes no other arguments) */
    DSE_CLI_NEXT_PATH = 2,
};

typedef struct {
    const char *name;   /* "--name"; NULL ends the table */
    char short_name;    /* 'v' for -v, or 0 */
    const char *value;  /* the value's name in the help ("N"), NULL for none */
    dse_cli_kind_t kind;
    void *target;
    double lo, hi;      /* DSE_CLI_NUMBER, DSE_CLI_INT: the range */
    const char *example; /* DSE_CLI_ENDPOINT: an endpoint to show ("tcp://hostA:5555") */
    int flags;
    /* DSE_CLI_CALL: returns -1 to go on, else the exit status (after
     * printing why, for a bad value) */
    int (*call)(void *target, const char *prog, const char *name, const char *value);
    const char *help;   /* one line or more ("\n" between them), generated into the help */
} dse_cli_opt_t;

typedef struct {
    const char *prog;        /* "dse-run" */
    const char *usage;       /* the help's lines before "options:" */
    const char *trailer;     /* the help's lines after the options, or NULL */
    const dse_cli_opt_t *opts;
    /* other arguments: at most max_args of them, into args[] (n_args counts);
     * what one is called in messages ("config file") */
    const char **args;
    size_t max_args;
    size_t *n_args;
    const char *arg_name;
} dse_cli_t;

/* Parses argv[1..argc-1] against the table. Returns -1 when the program
 * goes on, or its exit status: 0 after --help (or a DSE_CLI_CALL that ends
 * it), 2 after a usage error, said on stderr with the usage. "--name=VALUE"
 * and "--name VALUE" are the same; "--" ends the options. */
int dse_cli_parse(const dse_cli_t *cli, int argc, char **argv);

/* Prints the help: usage, the options generated from the table, trailer. */
void dse_cli_help(const dse_cli_t *cli, FILE *out);

/* Parses a number option value in [lo, hi]; on a bad value prints
 * "PROG: OPT takes a number from LO to HI (got 'S')" and returns -1. */
int dse_cli_number(const char *prog, const char *opt, const char *s, double lo, double hi,
                   double *out);

/* Checks an endpoint given as option OPT: it must name its transport
 * ("tcp://host:port", "ipc://path" or "inproc://name"). On a bad one prints
 * "PROG: OPT needs an endpoint like EXAMPLE (got 'S'; did you mean ...?)"
 * and returns -1: the caller exits 2. */
int dse_cli_endpoint(const char *prog, const char *opt, const char *s, const char *example);

/* --key FILE and --coordinator-key FILE (either may be NULL): both or
 * neither. Loads them into *cc (core/auth.h) when given. Returns 0, or
 * the exit status after printing why: 2 for one without the other, 1 for
 * a file that cannot be used (its path and what is wrong). */
int dse_cli_keys(const char *prog, const char *key, const char *coordinator_key,
                 dse_curve_client_t *cc);

/* Ctrl-C and SIGTERM set *flag (czmq's own handler is turned off, so the
 * programs stop cleanly themselves); SIGPIPE is ignored. */
void dse_cli_stop_on_signals(volatile sig_atomic_t *flag);

#endif
