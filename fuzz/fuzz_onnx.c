/* fuzz_onnx.c - libFuzzer target for the ONNX importer (core/onnx).
 *
 * Imports the input as an ONNX file with every op costed; on success checks
 * what a caller relies on (every layer named, names unique and CSV-safe,
 * shapes positive, the TOML rendering non-empty); on failure checks the
 * error names the file. A broken invariant aborts, which libFuzzer reports
 * as a crash. Seeds: the graphs of tests/onnx/make_models.py (`make
 * fuzz-onnx` writes them into the corpus when python3-onnx is there).
 */
#include "core/network.h"
#include "core/onnx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_CHECK(c)                                                                        \
    do {                                                                                  \
        if (!(c))                                                                         \
            abort();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ignore[] = {"Split", "Pad"};
    dse_onnx_opts_t o = {.ops = ~0u, .model = "fuzz", .ignore = ignore, .n_ignore = 2};
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_onnx_import_mem("fuzz.onnx", data, size, &o, &net, &err);
    if (rc) {
        S_CHECK(rc < 0 && net == NULL && strcmp(err.file, "fuzz.onnx") == 0 && err.msg[0]);
        return 0;
    }
    size_t n = dse_network_n_layers(net);
    S_CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        const dse_net_layer_t *L = dse_network_layer_c(net, i);
        S_CHECK(L->name && *L->name && strlen(L->name) <= 128);
        S_CHECK(!strpbrk(L->name, ",\"\n\r\\"));
        for (int k = 0; k < L->n_in; k++)
            S_CHECK(L->in_shape[k] >= 0);
        S_CHECK(L->node < dse_network_n_nodes(net));
        for (size_t j = 0; j < i; j++)
            S_CHECK(strcmp(dse_network_layer_c(net, j)->name, L->name) != 0);
    }
    char *toml = dse_network_toml(net, NULL, 0);
    S_CHECK(toml && strlen(toml) > 0);
    free(toml);
    dse_network_destroy(&net);
    return 0;
}
