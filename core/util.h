/* util.h - memory helpers that abort on exhaustion, and a growable string buffer. */
#ifndef DSE_UTIL_H
#define DSE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Allocation that aborts with a message when memory is exhausted. */
void *dse_xmalloc(size_t size);
void *dse_xcalloc(size_t n, size_t size);
void *dse_xrealloc(void *p, size_t size);
/* Grows an array of n elements of elem bytes to hold at least need elements.
 * *cap is updated; returns the (possibly moved) array. */
void *dse_xgrow(void *p, size_t elem, size_t need, size_t *cap);
char *dse_xstrdup(const char *s);
char *dse_xstrndup(const char *s, size_t n);

/* A growable NUL-terminated byte buffer (in the style of git's strbuf). */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
} dse_strbuf_t;

#define DSE_STRBUF_INIT {NULL, 0, 0}

void dse_strbuf_init(dse_strbuf_t *sb);
void dse_strbuf_release(dse_strbuf_t *sb);
void dse_strbuf_add(dse_strbuf_t *sb, const void *data, size_t len);
void dse_strbuf_adds(dse_strbuf_t *sb, const char *s);
void dse_strbuf_addc(dse_strbuf_t *sb, char c);
/* Appends s as a TOML basic string: quoted, with '"', '\\' and control
 * characters escaped. */
void dse_strbuf_add_toml_string(dse_strbuf_t *sb, const char *s);
/* s as a JSON string, quoted and escaped (the same escapes, DEL left as is). */
void dse_strbuf_add_json_string(dse_strbuf_t *sb, const char *s);
void dse_strbuf_addf(dse_strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detaches the buffer: returns it (caller frees) and resets sb. Never NULL. */
char *dse_strbuf_detach(dse_strbuf_t *sb, size_t *len);

/* Reads a whole file. Returns 0 and a malloc'd buffer (NUL-terminated, *len
 * without the NUL), or a negative DSE_E* code with err filled. */
int dse_read_file(const char *path, char **data, size_t *len, dse_error_t *err);
/* The same, refusing (DSE_ERANGE, nothing returned) a file of more than max
 * bytes; reads at most max + 64 KiB, so a device such as /dev/zero ends too. */
int dse_read_file_max(const char *path, size_t max, char **data, size_t *len, dse_error_t *err);

/* Writes data to path atomically: a temporary file in the same folder, fsync,
 * rename. Returns 0 or DSE_EIO with err filled. */
int dse_write_file_atomic(const char *path, const void *data, size_t len, dse_error_t *err);

/* Creates a folder and its parents (mode 0777 before umask). 0 or DSE_EIO. */
int dse_mkdir_p(const char *path, dse_error_t *err);

/* Monotonic time in seconds. */
double dse_now(void);

/* 64-bit FNV-1a hash of a byte string. */
uint64_t dse_hash64(const void *data, size_t len, uint64_t seed);

/* Formats a double the shortest way that reads back exactly ("%.17g" trimmed). */
void dse_fmt_double(char *buf, size_t size, double v);

/* Edit distance helper for suggestions: the candidate closest to `word`
 * (within a small distance), or NULL. */
const char *dse_suggest(const char *word, const char *const *candidates, size_t n);

#endif
