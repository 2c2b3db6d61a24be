/* error.c - error codes, messages and the error context. */
#include "core/error.h"

#include <string.h>

const char *dse_strerror(int code)
{
    switch (code) {
#define DSE_ERR_CASE(name, val, msg) case val: return msg;
        DSE_ERRNO_MAP(DSE_ERR_CASE)
#undef DSE_ERR_CASE
    default: return "unknown error";
    }
}

const char *dse_errname(int code)
{
    switch (code) {
#define DSE_ERR_CASE(name, val, msg) case val: return "DSE_" #name;
        DSE_ERRNO_MAP(DSE_ERR_CASE)
#undef DSE_ERR_CASE
    default: return "DSE_UNKNOWN";
    }
}

int dse_error_vset(dse_error_t *err, int code, const char *file, int line, int col,
                   const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int dse_error_set(dse_error_t *err, int code, const char *file, int line, int col,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dse_error_vset(err, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

void dse_error_format(const dse_error_t *err, char *buf, size_t size)
{
    const char *msg = err->msg[0] ? err->msg : dse_strerror(err->code);
    if (err->file[0] && err->line > 0 && err->col > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->col, msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, msg);
    else if (err->line > 0)
        snprintf(buf, size, "%d:%d: %s", err->line, err->col, msg);
    else
        snprintf(buf, size, "%s", msg);
}

void dse_error_print(const dse_error_t *err, FILE *out)
{
    char buf[1200];
    dse_error_format(err, buf, sizeof buf);
    fprintf(out, "%s\n", buf);
}
