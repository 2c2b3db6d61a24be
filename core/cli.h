/* cli.h - what the three programs share on their command lines. */
#ifndef DSE_CLI_H
#define DSE_CLI_H

#include <signal.h>

#include "core/auth.h"

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
