/* util.c - allocation, string buffers, files, time, hashing. */
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void s_oom(size_t size)
{
    fprintf(stderr, "dse: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *dse_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

void *dse_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_oom(n * size);
    return p;
}

void *dse_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        s_oom(size);
    return q;
}

void *dse_xgrow(void *p, size_t elem, size_t need, size_t *cap)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            s_oom(SIZE_MAX);
        n *= 2;
    }
    *cap = n;
    return dse_xrealloc(p, n * elem);
}

char *dse_xstrdup(const char *s)
{
    return dse_xstrndup(s, strlen(s));
}

char *dse_xstrndup(const char *s, size_t n)
{
    char *d = dse_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void dse_strbuf_init(dse_strbuf_t *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void dse_strbuf_release(dse_strbuf_t *sb)
{
    free(sb->buf);
    dse_strbuf_init(sb);
}

static void s_sb_reserve(dse_strbuf_t *sb, size_t extra)
{
    sb->buf = dse_xgrow(sb->buf, 1, sb->len + extra + 1, &sb->cap);
}

void dse_strbuf_add(dse_strbuf_t *sb, const void *data, size_t len)
{
    s_sb_reserve(sb, len);
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void dse_strbuf_adds(dse_strbuf_t *sb, const char *s)
{
    dse_strbuf_add(sb, s, strlen(s));
}

void dse_strbuf_addc(dse_strbuf_t *sb, char c)
{
    dse_strbuf_add(sb, &c, 1);
}

/* A quoted string with the escapes TOML basic strings and JSON share: \"
 * and \\, control characters as \uXXXX (and DEL, which TOML requires
 * escaped and JSON accepts either way, when del). */
static void s_add_quoted(dse_strbuf_t *sb, const char *s, int del)
{
    dse_strbuf_addc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            dse_strbuf_addf(sb, "\\%c", *p);
        else if (*p < 0x20 || (del && *p == 0x7f))
            dse_strbuf_addf(sb, "\\u%04x", *p);
        else
            dse_strbuf_addc(sb, (char)*p);
    }
    dse_strbuf_addc(sb, '"');
}

void dse_strbuf_add_toml_string(dse_strbuf_t *sb, const char *s)
{
    s_add_quoted(sb, s, 1);
}

void dse_strbuf_add_json_string(dse_strbuf_t *sb, const char *s)
{
    s_add_quoted(sb, s, 0);
}

void dse_strbuf_addf(dse_strbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        dse_strbuf_add(sb, tmp, (size_t)n);
        return;
    }
    s_sb_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *dse_strbuf_detach(dse_strbuf_t *sb, size_t *len)
{
    if (!sb->buf)
        s_sb_reserve(sb, 0), sb->buf[0] = '\0';
    char *b = sb->buf;
    if (len)
        *len = sb->len;
    dse_strbuf_init(sb);
    return b;
}

int dse_read_file(const char *path, char **data, size_t *len, dse_error_t *err)
{
    return dse_read_file_max(path, SIZE_MAX, data, len, err);
}

int dse_read_file_max(const char *path, size_t max, char **data, size_t *len, dse_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        /* a device or a huge file stops here, not at the end of memory */
        if (n > max - sb.len) {
            fclose(f);
            dse_strbuf_release(&sb);
            return dse_error_set(err, DSE_ERANGE, path, 0, 0,
                                 "larger than %zu bytes, the most this file may hold", max);
        }
        dse_strbuf_add(&sb, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        dse_strbuf_release(&sb);
        return dse_error_set(err, DSE_EIO, path, 0, 0, "read error");
    }
    *data = dse_strbuf_detach(&sb, len);
    return 0;
}

int dse_write_file_atomic(const char *path, const void *data, size_t len, dse_error_t *err)
{
    size_t plen = strlen(path);
    char *tmp = dse_xmalloc(plen + 32);
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot create: %s", strerror(e));
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return dse_error_set(err, DSE_EIO, path, 0, 0, "write failed: %s", strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return dse_error_set(err, DSE_EIO, path, 0, 0, "write failed: %s", strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot rename into place: %s",
                             strerror(e));
    }
    free(tmp);
    return 0;
}

int dse_mkdir_p(const char *path, dse_error_t *err)
{
    char *p = dse_xstrdup(path);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                dse_error_set(err, DSE_EIO, p, 0, 0, "cannot create folder: %s", strerror(e));
                free(p);
                return DSE_EIO;
            }
            p[i] = c;
        }
    }
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    if (!ok)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "not a folder");
    return 0;
}

double dse_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t dse_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void dse_fmt_double(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 9.007199254740992e15) {
        snprintf(buf, size, "%lld", (long long)(int64_t)v);
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* ---------------------------------------------------------------- suggestions */

static size_t s_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                        tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *dse_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : (len <= 6 ? 2 : 3);
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t d = s_edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
