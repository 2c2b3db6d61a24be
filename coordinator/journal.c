/* journal.c - the coordinator's journal (see journal.h). */
#include "coordinator/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

static const char s_magic[8] = {'D', 'S', 'E', 'J', 'R', 'N', 'L', '\n'};

struct dse_journal {
    int fd;
    char *path;
    uint64_t size;     /* bytes of good records, header included */
    int off;           /* a write failed: nothing more is written */
    uint64_t unsynced; /* records written since the last fsync */
    double first_unsynced;
    uint64_t *live; /* ids of the jobs that have not ended */
    size_t n_live, cap_live;
    uint64_t max_id;
    dse_strbuf_t rec; /* the record being written: frame, then payload (reused) */
};

/* ------------------------------------------------------------------ CRC-32 */

static uint32_t s_crc_table[256];
static pthread_once_t s_crc_once = PTHREAD_ONCE_INIT;

static void s_crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        s_crc_table[i] = c;
    }
}

uint32_t dse_crc32(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&s_crc_once, s_crc_init);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = s_crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* --------------------------------------------------------------- encoding */

static void s_put_u32(dse_strbuf_t *sb, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    dse_strbuf_add(sb, b, 4);
}

static void s_put_u64(dse_strbuf_t *sb, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    dse_strbuf_add(sb, b, 8);
}

static void s_put_f64(dse_strbuf_t *sb, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    s_put_u64(sb, u);
}

static uint32_t s_get32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A strict reader over one payload: every read is checked against what is
 * left; a short payload sets bad. */
typedef struct {
    const unsigned char *p;
    size_t left;
    int bad;
} s_cur_t;

static uint64_t s_u64(s_cur_t *c)
{
    if (c->left < 8) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | c->p[i];
    c->p += 8;
    c->left -= 8;
    return v;
}

static uint32_t s_u32(s_cur_t *c)
{
    if (c->left < 4) {
        c->bad = 1;
        return 0;
    }
    uint32_t v = s_get32(c->p);
    c->p += 4;
    c->left -= 4;
    return v;
}

static double s_f64(s_cur_t *c)
{
    uint64_t u = s_u64(c);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

/* ---------------------------------------------------------------- decoding */

/* Decodes a payload (buf has one spare byte after it, for a NUL) into rec.
 * A MERGE's RESULT is decoded into *msg (released by the caller). 0, or
 * DSE_EPARSE with why. */
static int s_decode(unsigned char *buf, size_t len, dse_jrec_t *rec, dse_msg_t *msg, double **rates,
                    char *why, size_t size)
{
    memset(rec, 0, sizeof *rec);
    s_cur_t c = {buf + 1, len - 1, 0};
    rec->type = buf[0];
    switch (rec->type) {
    case DSE_JREC_JOB: {
        rec->job = s_u64(&c);
        rec->unit_seconds = s_f64(&c);
        uint32_t n = s_u32(&c);
        if (c.bad || n > c.left / 8)
            break;
        *rates = dse_xcalloc(n + 1, sizeof **rates);
        for (uint32_t i = 0; i < n; i++)
            (*rates)[i] = s_f64(&c);
        rec->n_rates = n;
        rec->rates = *rates;
        uint32_t tl = s_u32(&c);
        if (c.bad || tl != c.left || memchr(c.p, 0, tl)) {
            c.bad = 1;
            break;
        }
        buf[len] = '\0'; /* the text ends the payload */
        rec->text = (const char *)c.p;
        c.left = 0;
        break;
    }
    case DSE_JREC_MERGE: {
        rec->job = s_u64(&c);
        rec->slot = s_u64(&c);
        if (c.bad)
            break;
        dse_error_t e = DSE_ERROR_INIT;
        if (dse_wire_decode_body(DSE_MSG_RESULT, c.p, c.left, msg, &e) != 0) {
            snprintf(why, size, "a result that does not decode (%.60s)", e.msg);
            return DSE_EPARSE;
        }
        rec->result = &msg->result;
        c.left = 0;
        break;
    }
    case DSE_JREC_SPLIT:
        rec->job = s_u64(&c);
        rec->slot = s_u64(&c);
        break;
    case DSE_JREC_QUAR: {
        rec->job = s_u64(&c);
        rec->slot = s_u64(&c);
        rec->attempts = s_u32(&c);
        uint32_t wl = s_u32(&c);
        if (c.bad || wl != c.left || memchr(c.p, 0, wl)) {
            c.bad = 1;
            break;
        }
        buf[len] = '\0';
        rec->why = (const char *)c.p;
        c.left = 0;
        break;
    }
    case DSE_JREC_ADVANCE:
        rec->job = s_u64(&c);
        rec->elapsed = s_f64(&c);
        rec->slots = s_u64(&c);
        rec->added = s_u64(&c);
        break;
    case DSE_JREC_END:
    case DSE_JREC_SEQ:
        rec->job = s_u64(&c);
        break;
    default:
        snprintf(why, size, "a record of unknown type %d", buf[0]);
        return DSE_EPARSE;
    }
    if (c.bad || c.left != 0) {
        snprintf(why, size, "a record of type %d with %s bytes", rec->type,
                 c.bad ? "too few" : "extra");
        return DSE_EPARSE;
    }
    return 0;
}

/* --------------------------------------------------------------- the file */

static ssize_t s_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -1 : (ssize_t)got;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int s_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static void s_header(unsigned char h[DSE_JOURNAL_HEADER])
{
    memcpy(h, s_magic, 8);
    uint32_t v = DSE_JOURNAL_VERSION;
    for (int i = 0; i < 4; i++)
        h[8 + i] = (unsigned char)(v >> (8 * i));
    uint32_t crc = dse_crc32(0, h, 12);
    for (int i = 0; i < 4; i++)
        h[12 + i] = (unsigned char)(crc >> (8 * i));
}

static int s_check_header(const char *path, const unsigned char *h, size_t got, dse_error_t *err)
{
    if (got < DSE_JOURNAL_HEADER || memcmp(h, s_magic, 8) != 0 ||
        dse_crc32(0, h, 12) != s_get32(h + 12))
        return dse_error_set(err, DSE_EPARSE, path, 0, 0, "not a dse-coordinator journal (its "
                             "%s header is %s): move it away, or give another --state folder",
                             got < DSE_JOURNAL_HEADER ? "16-byte" : "",
                             got < DSE_JOURNAL_HEADER ? "cut short" : "damaged");
    uint32_t v = s_get32(h + 8);
    if (v != DSE_JOURNAL_VERSION)
        return dse_error_set(err, DSE_ENOTSUP, path, 0, 0, "a journal of version %u; this "
                             "build reads version %u: finish its jobs with the build that "
                             "wrote it, or give another --state folder", v,
                             DSE_JOURNAL_VERSION);
    return 0;
}

static void s_live_add(dse_journal_t *jr, uint64_t id)
{
    jr->live = dse_xgrow(jr->live, sizeof *jr->live, jr->n_live + 1, &jr->cap_live);
    jr->live[jr->n_live++] = id;
}

static void s_live_del(dse_journal_t *jr, uint64_t id)
{
    for (size_t i = 0; i < jr->n_live; i++)
        if (jr->live[i] == id) {
            jr->live[i] = jr->live[--jr->n_live];
            return;
        }
}

/* Reads the records after the header: each good one goes to apply and to
 * the live-job bookkeeping of jr. Sets jr->size to the end of the good
 * prefix and info->why when a bad tail follows it. */
static int s_scan(dse_journal_t *jr, uint64_t size, dse_journal_apply_fn apply, void *ctx,
                  dse_journal_info_t *info, dse_error_t *err)
{
    uint64_t off = DSE_JOURNAL_HEADER;
    unsigned char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    while (off < size) {
        unsigned char fh[8];
        uint64_t left = size - off;
        if (left < 8) {
            snprintf(info->why, sizeof info->why, "a record cut short (%llu bytes of its "
                     "8-byte frame)", (unsigned long long)left);
            break;
        }
        if (s_pread_all(jr->fd, fh, 8, off) != 8) {
            rc = dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot read: %s", strerror(errno));
            break;
        }
        uint32_t len = s_get32(fh), crc = s_get32(fh + 4);
        if (len == 0 || len > DSE_JOURNAL_MAX_RECORD || len > left - 8) {
            snprintf(info->why, sizeof info->why, "a record at byte %llu that claims %u bytes, "
                     "%llu are left", (unsigned long long)off, len,
                     (unsigned long long)(left - 8));
            break;
        }
        if (len + 1 > cap) {
            cap = len + 1;
            free(buf);
            buf = dse_xmalloc(cap);
        }
        if (s_pread_all(jr->fd, buf, len, off + 8) != (ssize_t)len) {
            rc = dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot read: %s", strerror(errno));
            break;
        }
        if (dse_crc32(dse_crc32(0, fh, 4), buf, len) != crc) {
            snprintf(info->why, sizeof info->why, "a record at byte %llu whose checksum does "
                     "not match", (unsigned long long)off);
            break;
        }
        dse_jrec_t rec;
        dse_msg_t msg;
        memset(&msg, 0, sizeof msg);
        double *rates = NULL;
        char why[120] = "";
        if (s_decode(buf, len, &rec, &msg, &rates, why, sizeof why) != 0) {
            snprintf(info->why, sizeof info->why, "at byte %llu, %s", (unsigned long long)off,
                     why);
            dse_msg_release(&msg);
            free(rates);
            break;
        }
        if (rec.type == DSE_JREC_JOB) {
            s_live_add(jr, rec.job);
            jr->max_id = rec.job > jr->max_id ? rec.job : jr->max_id;
        } else if (rec.type == DSE_JREC_END) {
            s_live_del(jr, rec.job);
        } else if (rec.type == DSE_JREC_SEQ) {
            jr->max_id = rec.job > jr->max_id ? rec.job : jr->max_id;
        }
        rc = apply ? apply(ctx, &rec, err) : 0;
        dse_msg_release(&msg);
        free(rates);
        if (rc)
            break;
        off += 8 + len;
        info->records++;
    }
    free(buf);
    jr->size = off;
    info->bytes = off;
    info->dropped_bytes = rc == 0 ? size - off : 0;
    return rc;
}

static void s_free(dse_journal_t *jr)
{
    if (jr->fd >= 0)
        close(jr->fd);
    free(jr->path);
    free(jr->live);
    dse_strbuf_release(&jr->rec);
    free(jr);
}

/* Opens dir/journal: writable (created, locked, a bad tail cut) or read-only. */
static dse_journal_t *s_open(const char *dir, int writable, dse_journal_apply_fn apply, void *ctx,
                             dse_journal_info_t *info, dse_error_t *err)
{
    dse_journal_info_t dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (writable && dse_mkdir_p(dir, err) != 0)
        return NULL;
    dse_journal_t *jr = dse_xcalloc(1, sizeof *jr);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/journal", dir);
    jr->path = dse_strbuf_detach(&sb, NULL);
    jr->fd = open(jr->path, writable ? O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC
                                     : O_RDONLY | O_CLOEXEC, 0644);
    if (jr->fd < 0) {
        int e = errno;
        dse_error_set(err, e == ENOENT ? DSE_ENOTFOUND : DSE_EIO, jr->path, 0, 0,
                      "cannot open the journal: %s", strerror(e));
        s_free(jr);
        return NULL;
    }
    if (writable && flock(jr->fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        dse_error_set(err, DSE_EIO, jr->path, 0, 0, "%s", e == EWOULDBLOCK ?
                      "another coordinator uses this --state folder (the journal is locked)" :
                      strerror(e));
        s_free(jr);
        return NULL;
    }
    struct stat st;
    if (fstat(jr->fd, &st) != 0) {
        dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot read: %s", strerror(errno));
        s_free(jr);
        return NULL;
    }
    uint64_t size = (uint64_t)st.st_size;
    unsigned char h[DSE_JOURNAL_HEADER];
    if (size == 0 && writable) {
        s_header(h);
        if (s_write_all(jr->fd, h, sizeof h) != 0 || fsync(jr->fd) != 0) {
            dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot write: %s", strerror(errno));
            s_free(jr);
            return NULL;
        }
        jr->size = info->bytes = DSE_JOURNAL_HEADER;
        return jr;
    }
    ssize_t got = s_pread_all(jr->fd, h, sizeof h, 0);
    if (got < 0) {
        dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot read: %s", strerror(errno));
        s_free(jr);
        return NULL;
    }
    if (s_check_header(jr->path, h, (size_t)got, err) != 0 ||
        s_scan(jr, size, apply, ctx, info, err) != 0) {
        s_free(jr);
        return NULL;
    }
    if (writable && jr->size < size) {
        if (ftruncate(jr->fd, (off_t)jr->size) != 0 || fsync(jr->fd) != 0) {
            dse_error_set(err, DSE_EIO, jr->path, 0, 0, "cannot cut the damaged tail "
                          "(%llu bytes): %s", (unsigned long long)(size - jr->size),
                          strerror(errno));
            s_free(jr);
            return NULL;
        }
    }
    return jr;
}

dse_journal_t *dse_journal_open(const char *dir, dse_journal_apply_fn apply, void *ctx,
                                dse_journal_info_t *info, dse_error_t *err)
{
    return s_open(dir, 1, apply, ctx, info, err);
}

typedef struct {
    uint64_t *ids;
    char **texts;
    size_t n, cap, cap_ids;
} s_texts_t;

static int s_collect(void *ctx, const dse_jrec_t *rec, dse_error_t *err)
{
    (void)err;
    s_texts_t *t = ctx;
    if (rec->type == DSE_JREC_JOB) {
        t->ids = dse_xgrow(t->ids, sizeof *t->ids, t->n + 1, &t->cap_ids);
        t->texts = dse_xgrow(t->texts, sizeof *t->texts, t->n + 2, &t->cap);
        t->ids[t->n] = rec->job;
        t->texts[t->n++] = dse_xstrdup(rec->text);
        t->texts[t->n] = NULL;
    } else if (rec->type == DSE_JREC_END) {
        for (size_t i = 0; i < t->n; i++)
            if (t->ids[i] == rec->job) {
                free(t->texts[i]);
                t->ids[i] = t->ids[--t->n];
                t->texts[i] = t->texts[t->n];
                t->texts[t->n] = NULL;
                break;
            }
    }
    return 0;
}

int dse_journal_live_texts(const char *dir, char ***texts, size_t *n, dse_error_t *err)
{
    s_texts_t t = {0};
    *texts = NULL;
    *n = 0;
    dse_journal_t *jr = s_open(dir, 0, s_collect, &t, NULL, err);
    if (!jr) {
        for (size_t i = 0; i < t.n; i++)
            free(t.texts[i]);
        free(t.texts);
        free(t.ids);
        return err && err->code ? err->code : DSE_EIO;
    }
    s_free(jr);
    free(t.ids);
    if (!t.texts)
        t.texts = dse_xcalloc(1, sizeof *t.texts);
    *texts = t.texts;
    *n = t.n;
    return 0;
}

/* ---------------------------------------------------------------- writing */

static int s_fail(dse_journal_t *jr, const char *what, dse_error_t *err)
{
    int e = errno;
    jr->off = 1;
    /* keep the file a good prefix: a partial record is cut at once */
    if (ftruncate(jr->fd, (off_t)jr->size) != 0) {
        /* the next replay cuts it instead */
    }
    return dse_error_set(err, DSE_EIO, jr->path, 0, 0, "%s: %s; the journal is off from now "
                         "on (a restart resumes from what it holds so far)", what, strerror(e));
}

int dse_journal_sync(dse_journal_t *jr, dse_error_t *err)
{
    if (!jr || jr->off || jr->unsynced == 0)
        return 0;
    jr->unsynced = 0;
    if (fdatasync(jr->fd) != 0)
        return s_fail(jr, "fsync failed", err);
    return 0;
}

/* Writes the record built in jr->rec (8 frame bytes, then the payload that
 * starts with its type byte) with one write(), its frame filled in. */
static int s_append(dse_journal_t *jr, int sync, dse_error_t *err)
{
    dse_strbuf_t *rec = &jr->rec;
    size_t len = rec->len - 8;
    unsigned char *b = (unsigned char *)rec->buf;
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(len >> (8 * i));
    uint32_t crc = dse_crc32(dse_crc32(0, b, 4), b + 8, len);
    for (int i = 0; i < 4; i++)
        b[4 + i] = (unsigned char)(crc >> (8 * i));
    int rc = 0;
    if (len > DSE_JOURNAL_MAX_RECORD) {
        errno = EFBIG;
        rc = s_fail(jr, "a record too large to write", err);
    } else if (s_write_all(jr->fd, rec->buf, rec->len) != 0) {
        rc = s_fail(jr, "write failed", err);
    } else {
        jr->size += rec->len;
        if (jr->unsynced++ == 0)
            jr->first_unsynced = dse_now();
        if (sync || jr->unsynced >= DSE_JOURNAL_SYNC_RECORDS)
            rc = dse_journal_sync(jr, err);
    }
    /* a large record's room is not kept */
    if (rec->len > 65536)
        dse_strbuf_release(rec);
    else
        rec->len = 0;
    return rc;
}

/* Starts a record in jr->rec: room for the frame, the type, the job. */
static dse_strbuf_t *s_begin(dse_journal_t *jr, int type, uint64_t job)
{
    dse_strbuf_t *sb = &jr->rec;
    sb->len = 0;
    static const unsigned char frame[8];
    dse_strbuf_add(sb, frame, 8);
    unsigned char t = (unsigned char)type;
    dse_strbuf_add(sb, &t, 1);
    s_put_u64(sb, job);
    return sb;
}

int dse_journal_job(dse_journal_t *jr, uint64_t job, const char *text, double unit_seconds,
                    const double *rates, size_t n_rates, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    dse_strbuf_t *sb = s_begin(jr, DSE_JREC_JOB, job);
    s_put_f64(sb, unit_seconds);
    s_put_u32(sb, (uint32_t)n_rates);
    for (size_t i = 0; i < n_rates; i++)
        s_put_f64(sb, rates ? rates[i] : 0);
    size_t tl = strlen(text);
    s_put_u32(sb, (uint32_t)tl);
    dse_strbuf_add(sb, text, tl);
    s_live_add(jr, job);
    jr->max_id = job > jr->max_id ? job : jr->max_id;
    return s_append(jr, 1, err);
}

int dse_journal_merge(dse_journal_t *jr, uint64_t job, uint64_t slot,
                      const dse_counters_t *cn, size_t n, const uint64_t *index,
                      const int64_t *cin, const int64_t *cout, const double *metrics,
                      size_t width, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    dse_strbuf_t *sb = s_begin(jr, DSE_JREC_MERGE, job);
    s_put_u64(sb, slot);
    dse_msg_view_t m = {.cmd = DSE_MSG_RESULT};
    m.result.unit = slot;
    m.result.counters = *cn;
    m.result.rows.width = (uint32_t)width;
    m.result.rows.n = n;
    m.result.rows.index = index;
    m.result.rows.cin = cin;
    m.result.rows.cout = cout;
    m.result.rows.metrics = metrics;
    dse_wire_encode_body(&m, sb);
    return s_append(jr, 0, err);
}

int dse_journal_split(dse_journal_t *jr, uint64_t job, uint64_t slot, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    dse_strbuf_t *sb = s_begin(jr, DSE_JREC_SPLIT, job);
    s_put_u64(sb, slot);
    return s_append(jr, 0, err);
}

int dse_journal_quarantine(dse_journal_t *jr, uint64_t job, uint64_t slot, uint32_t attempts,
                           const char *why, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    dse_strbuf_t *sb = s_begin(jr, DSE_JREC_QUAR, job);
    s_put_u64(sb, slot);
    s_put_u32(sb, attempts);
    size_t wl = strlen(why);
    s_put_u32(sb, (uint32_t)wl);
    dse_strbuf_add(sb, why, wl);
    return s_append(jr, 0, err);
}

int dse_journal_advance(dse_journal_t *jr, uint64_t job, double elapsed, uint64_t slots,
                        uint64_t added, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    dse_strbuf_t *sb = s_begin(jr, DSE_JREC_ADVANCE, job);
    s_put_f64(sb, elapsed);
    s_put_u64(sb, slots);
    s_put_u64(sb, added);
    return s_append(jr, 0, err);
}

int dse_journal_end(dse_journal_t *jr, uint64_t job, dse_error_t *err)
{
    if (!jr || jr->off)
        return 0;
    s_live_del(jr, job);
    if (jr->n_live > 0) {
        s_begin(jr, DSE_JREC_END, job);
        return s_append(jr, 1, err);
    }
    /* no job left: the file shrinks back to its header and the id count */
    if (ftruncate(jr->fd, DSE_JOURNAL_HEADER) != 0)
        return s_fail(jr, "cannot cut back", err);
    jr->size = DSE_JOURNAL_HEADER;
    s_begin(jr, DSE_JREC_SEQ, jr->max_id);
    return s_append(jr, 1, err);
}

int dse_journal_tick(dse_journal_t *jr, double now, dse_error_t *err)
{
    if (!jr || jr->off || jr->unsynced == 0 ||
        now - jr->first_unsynced < DSE_JOURNAL_SYNC_SECONDS)
        return 0;
    return dse_journal_sync(jr, err);
}

int dse_journal_failed(const dse_journal_t *jr)
{
    return jr && jr->off;
}

const char *dse_journal_path(const dse_journal_t *jr)
{
    return jr->path;
}

void dse_journal_close(dse_journal_t **jr_p)
{
    if (!jr_p || !*jr_p)
        return;
    dse_journal_t *jr = *jr_p;
    if (!jr->off && jr->unsynced)
        fdatasync(jr->fd);
    s_free(jr); /* closing the file releases the lock */
    *jr_p = NULL;
}
