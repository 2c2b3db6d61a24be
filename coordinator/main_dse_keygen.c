/* main_dse_keygen.c - the dse-keygen program: a CURVE key pair in two files. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/keys.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dse-keygen [--force] NAME\n"
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
            "coordinator.pub.\n"
            "\n"
            "options:\n"
            "  --force     replace NAME.key and NAME.pub if they exist\n"
            "  -h, --help  this text\n");
}

int main(int argc, char **argv)
{
    const char *base = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "dse-keygen: unknown option '%s'\n", a);
            s_usage(stderr);
            return 2;
        } else if (base) {
            fprintf(stderr, "dse-keygen: one NAME only ('%s' and '%s')\n", base, a);
            return 2;
        } else {
            base = a;
        }
    }
    if (!base) {
        s_usage(stderr);
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
