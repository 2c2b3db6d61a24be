/* toml_decoder.c - the toml-test decoder interface for core/toml.
 *
 * Reads one TOML document on stdin. If it is valid, prints it as "tagged
 * JSON" (tables as objects, arrays as arrays, every scalar as
 * {"type": T, "value": "text"}) and exits 0; otherwise prints
 * "line:col: message" on stderr and exits 1. Exit 2 means the decoder itself
 * could not run (stdin unreadable).
 */
#include "core/toml.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void);

static void s_json_string(const char *s, size_t len, FILE *out)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out); /* the parser has checked UTF-8 */
        }
    }
    fputc('"', out);
}

static void s_tagged(const char *type, const char *text, FILE *out)
{
    fprintf(out, "{\"type\":\"%s\",\"value\":", type);
    s_json_string(text, strlen(text), out);
    fputc('}', out);
}

static void s_emit(const dse_toml_value_t *v, FILE *out)
{
    char buf[64];
    switch (dse_toml_type(v)) {
    case DSE_TOML_TABLE:
        fputc('{', out);
        for (size_t i = 0; i < dse_toml_table_size(v); i++) {
            if (i)
                fputc(',', out);
            s_json_string(dse_toml_table_key(v, i), dse_toml_table_key_len(v, i), out);
            fputc(':', out);
            s_emit(dse_toml_table_value(v, i), out);
        }
        fputc('}', out);
        break;
    case DSE_TOML_ARRAY:
        fputc('[', out);
        for (size_t i = 0; i < dse_toml_array_size(v); i++) {
            if (i)
                fputc(',', out);
            s_emit(dse_toml_array_get(v, i), out);
        }
        fputc(']', out);
        break;
    case DSE_TOML_STRING: {
        size_t len;
        const char *s = dse_toml_string(v, &len);
        fputs("{\"type\":\"string\",\"value\":", out);
        s_json_string(s, len, out);
        fputc('}', out);
        break;
    }
    case DSE_TOML_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, dse_toml_int(v));
        s_tagged("integer", buf, out);
        break;
    case DSE_TOML_FLOAT: {
        double f = dse_toml_float(v);
        if (isnan(f))
            snprintf(buf, sizeof buf, "nan");
        else if (isinf(f))
            snprintf(buf, sizeof buf, f > 0 ? "inf" : "-inf");
        else
            snprintf(buf, sizeof buf, "%.17g", f);
        s_tagged("float", buf, out);
        break;
    }
    case DSE_TOML_BOOL:
        s_tagged("bool", dse_toml_bool(v) ? "true" : "false", out);
        break;
    case DSE_TOML_DATETIME:
        s_tagged("datetime", dse_toml_datetime(v), out);
        break;
    case DSE_TOML_DATETIME_LOCAL:
        s_tagged("datetime-local", dse_toml_datetime(v), out);
        break;
    case DSE_TOML_DATE_LOCAL:
        s_tagged("date-local", dse_toml_datetime(v), out);
        break;
    case DSE_TOML_TIME_LOCAL:
        s_tagged("time-local", dse_toml_datetime(v), out);
        break;
    }
}

int main(void)
{
    size_t cap = 1 << 16, len = 0;
    char *data = malloc(cap);
    if (!data)
        return 2;
    for (;;) {
        if (len == cap) {
            char *n = realloc(data, cap *= 2);
            if (!n) {
                free(data);
                return 2;
            }
            data = n;
        }
        size_t got = fread(data + len, 1, cap - len, stdin);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(stdin)) {
        perror("toml-decoder: stdin");
        free(data);
        return 2;
    }
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(data, len, &err);
    free(data);
    if (!root) {
        dse_error_print(&err, stderr);
        return 1;
    }
    s_emit(root, stdout);
    fputc('\n', stdout);
    dse_toml_destroy(&root);
    return fflush(stdout) == 0 ? 0 : 2;
}
