/* mcache.c - the coordinator's cache of measured points. */
#include "coordinator/mcache.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/util.h"

struct dse_mcache {
    char *dir;
};

char *dse_mcache_default_dir(void)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    if (x && x[0] == '/')
        dse_strbuf_addf(&sb, "%s/dse/measured", x);
    else if (h && *h)
        dse_strbuf_addf(&sb, "%s/.cache/dse/measured", h);
    else
        return NULL;
    return dse_strbuf_detach(&sb, NULL);
}

dse_mcache_t *dse_mcache_open(const char *dir, dse_error_t *err)
{
    if (dse_mkdir_p(dir, err) != 0)
        return NULL;
    dse_mcache_t *c = dse_xcalloc(1, sizeof *c);
    c->dir = dse_xstrdup(dir);
    return c;
}

void dse_mcache_destroy(dse_mcache_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    free((*c_p)->dir);
    free(*c_p);
    *c_p = NULL;
}

const char *dse_mcache_dir(const dse_mcache_t *c)
{
    return c->dir;
}

/* The key on one line: backslash and newline escaped. */
static char *s_escape(const char *key)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (const char *p = key; *p; p++) {
        if (*p == '\\')
            dse_strbuf_adds(&sb, "\\\\");
        else if (*p == '\n')
            dse_strbuf_adds(&sb, "\\n");
        else if (*p == '\r')
            dse_strbuf_adds(&sb, "\\r");
        else
            dse_strbuf_addc(&sb, *p);
    }
    return dse_strbuf_detach(&sb, NULL);
}

static void s_path(const dse_mcache_t *c, const char *key, char *sub, size_t ssize, char *path,
                   size_t psize)
{
    char digest[33];
    dse_job_digest(key, digest);
    snprintf(sub, ssize, "%s/%.2s", c->dir, digest);
    snprintf(path, psize, "%s/%s", sub, digest);
}

int dse_mcache_get(dse_mcache_t *c, const char *key, size_t width, int64_t *cin, int64_t *cout,
                   double *metrics)
{
    char sub[4200], path[4300];
    s_path(c, key, sub, sizeof sub, path, sizeof path);
    char *text = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file(path, &text, &len, &err) != 0)
        return 0;
    char *esc = s_escape(key);
    int hit = 0;
    /* "dse-measured 1\nkey ...\nclasses CIN COUT\nmetrics W v v ...\n" */
    const char *p = text;
    size_t kl = strlen(esc);
    if (strncmp(p, "dse-measured 1\nkey ", 19) == 0 && strncmp(p + 19, esc, kl) == 0 &&
        p[19 + kl] == '\n') {
        p += 19 + kl + 1;
        long long a, b;
        unsigned long w;
        int n;
        if (sscanf(p, "classes %lld %lld\nmetrics %lu%n", &a, &b, &w, &n) == 3 && w == width) {
            p += n;
            hit = 1;
            for (size_t i = 0; i < width && hit; i++) {
                char *e;
                metrics[i] = strtod(p, &e);
                hit = e != p && (*e == ' ' || *e == '\n');
                p = e;
            }
            *cin = a;
            *cout = b;
        }
    }
    free(esc);
    free(text);
    return hit;
}

int dse_mcache_put(dse_mcache_t *c, const char *key, size_t width, int64_t cin, int64_t cout,
                   const double *metrics, dse_error_t *err)
{
    char sub[4200], path[4300];
    s_path(c, key, sub, sizeof sub, path, sizeof path);
    if (dse_mkdir_p(sub, err) != 0)
        return DSE_EIO;
    char *esc = s_escape(key);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "dse-measured 1\nkey %s\nclasses %lld %lld\nmetrics %zu", esc,
                    (long long)cin, (long long)cout, width);
    for (size_t i = 0; i < width; i++)
        dse_strbuf_addf(&sb, " %.17g", metrics[i]);
    dse_strbuf_addc(&sb, '\n');
    free(esc);
    size_t len;
    char *data = dse_strbuf_detach(&sb, &len);
    /* a temporary name, then rename: a reader never sees half an entry. No
     * fsync: an entry lost in a power cut is measured again, and a sync per
     * point would cost more than the command (bench-measure) */
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        rc = dse_error_set(err, DSE_EIO, tmp, 0, 0, "cannot write a cache entry: %s",
                           strerror(errno));
        remove(tmp);
    }
    free(data);
    return rc;
}
