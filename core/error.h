/* error.h - error codes and the error context passed down by callers.
 *
 * Functions that can fail return 0 or a negative DSE_E* code. Where a person
 * needs context (the file, line and column of a config value, which worker,
 * which unit), the caller passes a dse_error_t that the callee fills in.
 */
#ifndef DSE_ERROR_H
#define DSE_ERROR_H

#include <stdarg.h>
#include <stdio.h>

/* X(name, value, message) */
#define DSE_ERRNO_MAP(X)                                                     \
    X(OK, 0, "success")                                                      \
    X(EINVAL, -1, "invalid argument")                                        \
    X(EPARSE, -2, "syntax error")                                            \
    X(ECONFIG, -3, "invalid configuration")                                  \
    X(EIO, -4, "input/output error")                                         \
    X(ERANGE, -5, "value out of range")                                      \
    X(ENOTFOUND, -6, "not found")                                            \
    X(EPROTO, -7, "protocol error")                                          \
    X(ETIMEDOUT, -8, "timed out")                                            \
    X(ENOTSUP, -9, "not supported")                                          \
    X(EINTR, -10, "interrupted")                                             \
    X(EFAIL, -11, "operation failed")

typedef enum {
#define DSE_ERR_ENUM(name, val, msg) DSE_##name = val,
    DSE_ERRNO_MAP(DSE_ERR_ENUM)
#undef DSE_ERR_ENUM
} dse_errno_t;

/* Returns the static message of an error code ("unknown error" otherwise). */
const char *dse_strerror(int code);
/* Returns the symbolic name of an error code ("DSE_EPARSE"). */
const char *dse_errname(int code);

typedef struct {
    int code;        /* a DSE_E* code, 0 when no error was set */
    char file[256];  /* file the error refers to, "" when none */
    int line;        /* 1-based line, 0 when unknown */
    int col;         /* 1-based column, 0 when unknown */
    char msg[768];   /* what went wrong, for a person */
} dse_error_t;

#define DSE_ERROR_INIT {0, "", 0, 0, ""}

/* Fills err (if not NULL) and returns code, so callers can write
 * `return dse_error_set(err, DSE_ECONFIG, ...)`. file may be NULL. */
int dse_error_set(dse_error_t *err, int code, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int dse_error_vset(dse_error_t *err, int code, const char *file, int line, int col,
                   const char *fmt, va_list ap);

/* Prints "file:line:col: message" (parts that are unknown are left out). */
void dse_error_print(const dse_error_t *err, FILE *out);
/* Formats the same text into buf (always NUL-terminated). */
void dse_error_format(const dse_error_t *err, char *buf, size_t size);

#endif
