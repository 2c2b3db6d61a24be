/* fuzz_toml.c - libFuzzer target for core/toml.
 *
 * Parses the input; on success walks the whole tree through every accessor
 * and checks the invariants a caller relies on (positions inside the input,
 * keys found again by look-up, strings NUL-terminated at their length,
 * bounded depth); on failure checks the error is filled in. A broken
 * invariant aborts, which libFuzzer reports as a crash.
 */
#include "core/toml.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_CHECK(c)                                                                        \
    do {                                                                                  \
        if (!(c))                                                                         \
            abort();                                                                      \
    } while (0)

static int s_lines;
static volatile double s_sink;

static void s_walk(const dse_toml_value_t *v, int depth)
{
    S_CHECK(depth <= 300);
    dse_toml_type_t t = dse_toml_type(v);
    S_CHECK(strlen(dse_toml_type_name(t)) > 0);
    S_CHECK(dse_toml_line(v) >= 1 && dse_toml_line(v) <= s_lines);
    S_CHECK(dse_toml_col(v) >= 1);
    switch (t) {
    case DSE_TOML_TABLE:
        for (size_t i = 0; i < dse_toml_table_size(v); i++) {
            const char *k = dse_toml_table_key(v, i);
            size_t kl = dse_toml_table_key_len(v, i);
            S_CHECK(k[kl] == '\0');
            S_CHECK(dse_toml_table_key_line(v, i) >= 1 && dse_toml_table_key_line(v, i) <= s_lines);
            S_CHECK(dse_toml_table_key_col(v, i) >= 1);
            const dse_toml_value_t *c = dse_toml_table_value(v, i);
            if (strlen(k) == kl) {
                S_CHECK(dse_toml_table_find(v, k) == (long)i);
                S_CHECK(dse_toml_table_get(v, k) == c);
            }
            s_walk(c, depth + 1);
        }
        S_CHECK(dse_toml_table_get(v, "\xff not a key") == NULL);
        break;
    case DSE_TOML_ARRAY:
        for (size_t i = 0; i < dse_toml_array_size(v); i++)
            s_walk(dse_toml_array_get(v, i), depth + 1);
        break;
    case DSE_TOML_STRING: {
        size_t len;
        const char *s = dse_toml_string(v, &len);
        S_CHECK(s[len] == '\0');
        break;
    }
    case DSE_TOML_INTEGER:
        s_sink = (double)dse_toml_int(v);
        break;
    case DSE_TOML_FLOAT:
        s_sink = dse_toml_float(v);
        break;
    case DSE_TOML_BOOL:
        s_sink = dse_toml_bool(v);
        break;
    case DSE_TOML_DATETIME:
    case DSE_TOML_DATETIME_LOCAL:
    case DSE_TOML_DATE_LOCAL:
    case DSE_TOML_TIME_LOCAL: {
        const char *d = dse_toml_datetime(v);
        size_t n = strlen(d);
        S_CHECK(n >= 8 && n < 4096);
        if (t == DSE_TOML_DATETIME)
            S_CHECK(d[10] == 'T');
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_lines = 1;
    for (size_t i = 0; i < size; i++)
        s_lines += data[i] == '\n';
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse((const char *)data, size, &err);
    if (!root) {
        S_CHECK(err.code == DSE_EPARSE);
        S_CHECK(err.line >= 1 && err.line <= s_lines && err.col >= 1);
        S_CHECK(err.msg[0] != '\0');
        return 0;
    }
    S_CHECK(dse_toml_type(root) == DSE_TOML_TABLE);
    S_CHECK(dse_toml_line(root) == 1 && dse_toml_col(root) == 1);
    s_walk(root, 0);
    dse_toml_destroy(&root);
    S_CHECK(root == NULL);
    dse_toml_destroy(&root);
    return 0;
}
