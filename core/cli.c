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
