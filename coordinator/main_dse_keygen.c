/* main_dse_keygen.c - the dse-keygen program: a CURVE key pair in two files. */
#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/error.h"
#include "core/keys.h"

static int s_force;
static const char *s_base;
static size_t s_n_base;

static const dse_cli_opt_t s_opts[] = {
    {"--force", 0, NULL, DSE_CLI_FLAG, &s_force,
     .help = "replace NAME.key and NAME.pub if they exist"},
    {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
    {NULL},
};

static const dse_cli_t s_cli = {
    .prog = "dse-keygen",
    .usage = "usage: dse-keygen [--force] NAME\n"
             "\n"
             "Makes a CURVE key pair for a coordinator, a worker or a dse-run user:\n"
             "  NAME.key   the pair, secret: mode 0600, stays on this host\n"
             "  NAME.pub   the public key, to copy to the other side\n"
             "NAME may include a folder (keys/worker-b); its last part, 1 to 64 of\n"
             "A-Z a-z 0-9 . _ -, is the key's name in logs.\n"
             "\n"
             "A coordinator (dse-coordinator --keys KEYS) uses KEYS/coordinator.key and\n"
             "accepts the keys in KEYS/allowed/workers/*.pub and KEYS/allowed/clients/*.pub.\n"
             "Workers and clients connect with --key NAME.key --coordinator-key\n"
             "coordinator.pub.\n",
    .opts = s_opts,
    .args = &s_base,
    .max_args = 1,
    .n_args = &s_n_base,
    .arg_name = "NAME",
};

int main(int argc, char **argv)
{
    int st = dse_cli_parse(&s_cli, argc, argv);
    if (st >= 0)
        return st;
    const char *base = s_base;
    int force = s_force;
    if (!base) {
        dse_cli_help(&s_cli, stderr);
        return 2;
    }
    const char *slash = strrchr(base, '/');
    const char *name = slash ? slash + 1 : base;
    size_t len = strlen(name);
    if (len > 4 && (strcmp(name + len - 4, ".key") == 0 || strcmp(name + len - 4, ".pub") == 0)) {
        fprintf(stderr, "dse-keygen: give NAME without .key or .pub (got '%s'): dse-keygen "
                        "writes NAME.key and NAME.pub\n", base);
        return 2;
    }
    dse_error_t err = DSE_ERROR_INIT;
    dse_key_t key;
    if (dse_key_generate(name, &key, &err) != 0) {
        fprintf(stderr, "dse-keygen: %s\n", err.msg);
        return err.code == DSE_EINVAL ? 2 : 1;
    }
    int rc = dse_key_write_pair(base, &key, force, &err);
    memset(&key, 0, sizeof key);
    if (rc != 0) {
        dse_error_print(&err, stderr);
        return 1;
    }
    printf("wrote %s.key (secret, mode 0600: keep it on this host) and %s.pub (public: copy it "
           "to the other side)\n", base, base);
    return 0;
}
