/* test_journal.c - the coordinator's journal: records replayed as written,
 * a torn or corrupt tail cut back to exactly the good prefix, header and
 * version errors, compaction, the lock. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coordinator/coord.h"
#include "coordinator/journal.h"
#include "core/util.h"
#include "tests/test.h"

/* What a replay saw: one line per record. */
typedef struct {
    dse_strbuf_t seen;
    size_t n;
} s_seen_t;

static int s_collect(void *ctx, const dse_jrec_t *r, dse_error_t *err)
{
    (void)err;
    s_seen_t *s = ctx;
    dse_strbuf_addf(&s->seen, "%d %llu %llu", r->type, (unsigned long long)r->job,
                    (unsigned long long)r->slot);
    if (r->type == DSE_JREC_JOB)
        dse_strbuf_addf(&s->seen, " %g %zu %g %s", r->unit_seconds, r->n_rates,
                        r->n_rates ? r->rates[r->n_rates - 1] : 0.0, r->text);
    if (r->type == DSE_JREC_MERGE) {
        const dse_msg_result_t *m = r->result;
        dse_strbuf_addf(&s->seen, " %llu %llu %zu", (unsigned long long)m->counters.evaluated,
                        (unsigned long long)m->counters.feasible, m->rows.n);
        for (size_t i = 0; i < m->rows.n; i++)
            dse_strbuf_addf(&s->seen, " %llu:%lld:%lld:%.17g:%.17g",
                            (unsigned long long)m->rows.index[i], (long long)m->rows.cin[i],
                            (long long)m->rows.cout[i], m->rows.metrics[2 * i],
                            m->rows.metrics[2 * i + 1]);
    }
    if (r->type == DSE_JREC_QUAR)
        dse_strbuf_addf(&s->seen, " %u %s", r->attempts, r->why);
    if (r->type == DSE_JREC_ADVANCE)
        dse_strbuf_addf(&s->seen, " %.17g %llu %llu", r->elapsed, (unsigned long long)r->slots,
                        (unsigned long long)r->added);
    dse_strbuf_addc(&s->seen, '\x1e'); /* the texts hold newlines */
    s->n++;
    return 0;
}

static uint64_t s_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t s_rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Writes a journal of every record type into dir; ends[i] is the file size
 * after record i. Returns the number of records. */
static size_t s_write_sample(const char *dir, uint64_t *ends, size_t max)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_journal_t *jr = dse_journal_open(dir, NULL, NULL, NULL, &err);
    CHECK(jr != NULL);
    if (!jr)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/journal", dir);
    size_t n = 0;
    double rates[3] = {1e6, 2.5e5, 0.125};
    CHECK_INT(dse_journal_job(jr, 1, "[job]\nname = \"a\"\n", 0.25, rates, 3, &err), 0);
    ends[n++] = s_file_size(path);
    CHECK_INT(dse_journal_job(jr, 2, "[job]\nname = \"b\"\n", 0.5, rates, 2, &err), 0);
    ends[n++] = s_file_size(path);
    for (uint64_t u = 0; n + 4 < max; u++) {
        uint64_t index[3] = {u * 10, u * 10 + 3, u * 10 + 7};
        int64_t cin[3] = {0, 1, -2}, cout[3] = {4, 5, 6};
        double metrics[6] = {1.5 * (double)u, 2, 3, -0.0, 5e300, 6e-300};
        dse_counters_t cn = {.evaluated = 10 + u, .feasible = 3, .infeasible = 7 + u};
        cn.why.n[2] = 7;
        size_t rows = (size_t)(u % 4);
        CHECK_INT(dse_journal_merge(jr, 1 + u % 2, u, &cn, rows, index, cin, cout, metrics, 2,
                                    &err), 0);
        ends[n++] = s_file_size(path);
        if (u % 7 == 3) {
            CHECK_INT(dse_journal_split(jr, 1, u + 100, &err), 0);
            ends[n++] = s_file_size(path);
            CHECK_INT(dse_journal_quarantine(jr, 2, u + 200, 3, "worker lost", &err), 0);
            ends[n++] = s_file_size(path);
            CHECK_INT(dse_journal_advance(jr, 1, 1.25 * (double)u, 8, u + 1, &err), 0);
            ends[n++] = s_file_size(path);
        }
    }
    CHECK_INT(dse_journal_end(jr, 2, &err), 0);
    ends[n++] = s_file_size(path);
    dse_journal_close(&jr);
    return n;
}

static void s_put_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_INT(fwrite(data, 1, len, f), len);
    fclose(f);
}

DSE_TEST(journal_replay_roundtrip)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/journal-rt", dse_test_tmpdir());
    snprintf(path, sizeof path, "%s/journal", dir);
    uint64_t ends[64];
    size_t n = s_write_sample(dir, ends, 64);
    CHECK(n > 40);
    s_seen_t a = {DSE_STRBUF_INIT, 0};
    dse_journal_info_t info;
    dse_error_t err = DSE_ERROR_INIT;
    dse_journal_t *jr = dse_journal_open(dir, s_collect, &a, &info, &err);
    CHECK(jr != NULL);
    CHECK_INT(a.n, n);
    CHECK_INT(info.records, n);
    CHECK_INT(info.dropped_bytes, 0);
    CHECK_INT(info.bytes, ends[n - 1]);
    /* a few records decoded in full */
    CHECK(strstr(a.seen.buf, "1 1 0 0.25 3 0.125 [job]\nname = \"a\"\n") != NULL);
    CHECK(strstr(a.seen.buf, "4 2 203 3 worker lost") != NULL);
    CHECK(strstr(a.seen.buf, "2 2 3 13 3 3 30:0:4:4.5:2 33:1:5:3:-0 37:-2:6:5.0000000000000003e+300:"
                             "6.0000000000000005e-300") != NULL);
    /* appending after a replay, then replaying again */
    CHECK_INT(dse_journal_split(jr, 1, 7, &err), 0);
    dse_journal_close(&jr);
    s_seen_t b = {DSE_STRBUF_INIT, 0};
    jr = dse_journal_open(dir, s_collect, &b, &info, &err);
    CHECK(jr != NULL);
    CHECK_INT(b.n, n + 1);
    CHECK(b.seen.len > a.seen.len && memcmp(b.seen.buf, a.seen.buf, a.seen.len) == 0);
    /* one coordinator per folder */
    dse_error_t e2 = DSE_ERROR_INIT;
    dse_journal_t *second = dse_journal_open(dir, NULL, NULL, NULL, &e2);
    CHECK(second == NULL);
    CHECK(strstr(e2.msg, "another coordinator") != NULL);
    dse_journal_close(&jr);
    dse_journal_close(&jr); /* twice is safe */
    dse_strbuf_release(&a.seen);
    dse_strbuf_release(&b.seen);
}

/* Truncation and byte flips at seeded random offsets: the replay returns
 * exactly the records before the damage, the file is cut there, and a
 * second open finds nothing more to cut. */
DSE_TEST(journal_damaged_tail)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/journal-src", dse_test_tmpdir());
    snprintf(path, sizeof path, "%s/journal", dir);
    uint64_t ends[96];
    size_t n = s_write_sample(dir, ends, 96);
    char *orig = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_read_file(path, &orig, &len, &err), 0);
    CHECK_INT(len, ends[n - 1]);
    /* the reference replay, line by line */
    s_seen_t ref = {DSE_STRBUF_INIT, 0};
    dse_journal_t *jr = dse_journal_open(dir, s_collect, &ref, NULL, &err);
    dse_journal_close(&jr);
    size_t *line_end = dse_xcalloc(n + 1, sizeof *line_end);
    for (size_t i = 0, k = 0; i < ref.seen.len; i++)
        if (ref.seen.buf[i] == '\x1e')
            line_end[++k] = i + 1;
    char wdir[4200], wpath[4300];
    snprintf(wdir, sizeof wdir, "%s/journal-dmg", dse_test_tmpdir());
    snprintf(wpath, sizeof wpath, "%s/journal", wdir);
    CHECK_INT(dse_mkdir_p(wdir, &err), 0);
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char *buf = dse_xmalloc(len);
    int failures = 0;
    for (int it = 0; it < 400 && failures < 5; it++) {
        memcpy(buf, orig, len);
        size_t use = len;
        /* damage somewhere after the header */
        uint64_t at = DSE_JOURNAL_HEADER + s_rng(&x) % (len - DSE_JOURNAL_HEADER);
        int flip = (int)(s_rng(&x) % 2);
        if (flip)
            buf[at] ^= (char)(1 + s_rng(&x) % 255);
        else
            use = (size_t)at;
        s_put_file(wpath, buf, use);
        /* the records that end at or before the damage are the good prefix */
        size_t good = 0;
        while (good < n && ends[good] <= at)
            good++;
        uint64_t good_end = good ? ends[good - 1] : DSE_JOURNAL_HEADER;
        s_seen_t got = {DSE_STRBUF_INIT, 0};
        dse_journal_info_t info;
        dse_error_t e = DSE_ERROR_INIT;
        jr = dse_journal_open(wdir, s_collect, &got, &info, &e);
        int ok = jr != NULL && got.n == good && info.bytes == good_end &&
                 info.dropped_bytes == use - good_end && s_file_size(wpath) == good_end &&
                 got.seen.len == line_end[good] &&
                 (good == 0 || memcmp(got.seen.buf, ref.seen.buf, line_end[good]) == 0) &&
                 (info.dropped_bytes == 0) == (info.why[0] == '\0');
        dse_journal_close(&jr);
        /* cut already: a second replay drops nothing and sees the same */
        s_seen_t again = {DSE_STRBUF_INIT, 0};
        jr = dse_journal_open(wdir, s_collect, &again, &info, &e);
        ok = ok && jr && again.n == good && info.dropped_bytes == 0;
        dse_journal_close(&jr);
        if (!ok) {
            failures++;
            dse__test_fail(__FILE__, __LINE__, "iteration %d: %s at byte %llu of %zu: replayed "
                           "%zu records, expected %zu; file %llu bytes, expected %llu (%s)", it,
                           flip ? "flip" : "cut", (unsigned long long)at, len, got.n, good,
                           (unsigned long long)s_file_size(wpath),
                           (unsigned long long)good_end, info.why);
        }
        dse_strbuf_release(&got.seen);
        dse_strbuf_release(&again.seen);
    }
    free(buf);
    free(orig);
    free(line_end);
    dse_strbuf_release(&ref.seen);
}

DSE_TEST(journal_header_errors)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/journal-hdr", dse_test_tmpdir());
    snprintf(path, sizeof path, "%s/journal", dir);
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_mkdir_p(dir, &err), 0);
    /* not a journal at all */
    s_put_file(path, "hello, world, this is text\n", 27);
    dse_journal_t *jr = dse_journal_open(dir, NULL, NULL, NULL, &err);
    CHECK(jr == NULL);
    CHECK_INT(err.code, DSE_EPARSE);
    CHECK_STR(err.file, path);
    CHECK(strstr(err.msg, "not a dse-coordinator journal") != NULL);
    /* a header cut short */
    s_put_file(path, "DSEJRNL\n\1", 9);
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK(dse_journal_open(dir, NULL, NULL, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "cut short") != NULL);
    /* another version, with a good checksum */
    unsigned char h[16] = {'D', 'S', 'E', 'J', 'R', 'N', 'L', '\n', 9, 0, 0, 0};
    uint32_t crc = dse_crc32(0, h, 12);
    for (int i = 0; i < 4; i++)
        h[12 + i] = (unsigned char)(crc >> (8 * i));
    s_put_file(path, (const char *)h, 16);
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK(dse_journal_open(dir, NULL, NULL, NULL, &err) == NULL);
    CHECK_INT(err.code, DSE_ENOTSUP);
    CHECK(strstr(err.msg, "version 9") != NULL);
    /* nothing was changed by the refusals */
    CHECK_INT(s_file_size(path), 16);
    /* the CRC is the usual one */
    CHECK_INT(dse_crc32(0, "123456789", 9), 0xCBF43926u);
}

DSE_TEST(journal_compaction_and_live)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/journal-live", dse_test_tmpdir());
    snprintf(path, sizeof path, "%s/journal", dir);
    dse_error_t err = DSE_ERROR_INIT;
    char **texts = NULL;
    size_t n = 0;
    CHECK_INT(dse_journal_live_texts(dir, &texts, &n, &err), DSE_ENOTFOUND);
    dse_journal_t *jr = dse_journal_open(dir, NULL, NULL, NULL, &err);
    CHECK(jr != NULL);
    double r = 1;
    dse_counters_t cn = {.evaluated = 1, .infeasible = 1};
    CHECK_INT(dse_journal_job(jr, 5, "one", 0.1, &r, 1, &err), 0);
    CHECK_INT(dse_journal_job(jr, 6, "two", 0.1, &r, 1, &err), 0);
    CHECK_INT(dse_journal_merge(jr, 5, 0, &cn, 0, NULL, NULL, NULL, NULL, 2, &err), 0);
    CHECK_INT(dse_journal_end(jr, 5, &err), 0);
    /* read by another process while the coordinator holds it */
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_journal_live_texts(dir, &texts, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_STR(texts[0], "two");
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    /* the last job ends: header plus one SEQ record (8 + 1 + 8 bytes) */
    CHECK_INT(dse_journal_end(jr, 6, &err), 0);
    CHECK_INT(s_file_size(path), DSE_JOURNAL_HEADER + 17);
    dse_journal_close(&jr);
    s_seen_t s = {DSE_STRBUF_INIT, 0};
    jr = dse_journal_open(dir, s_collect, &s, NULL, &err);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.seen.buf, "7 6 0\x1e"); /* the largest id handed out */
    dse_journal_close(&jr);
    CHECK_INT(dse_journal_live_texts(dir, &texts, &n, &err), 0);
    CHECK_INT(n, 0);
    free(texts);
    dse_strbuf_release(&s.seen);
}

/* A journal whose job does not build any more: the coordinator starts, says
 * so, and ends the job in the journal (no job is left live). */
DSE_TEST(journal_coord_drops_unfit_job)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/journal-coord", dse_test_tmpdir());
    dse_error_t err = DSE_ERROR_INIT;
    dse_journal_t *jr = dse_journal_open(dir, NULL, NULL, NULL, &err);
    CHECK(jr != NULL);
    double r = 1;
    dse_counters_t cn = {.evaluated = 1, .infeasible = 1};
    CHECK_INT(dse_journal_job(jr, 3, "[job]\nname = 1\n", 0.1, &r, 1, &err), 0);
    CHECK_INT(dse_journal_merge(jr, 3, 0, &cn, 0, NULL, NULL, NULL, NULL, 2, &err), 0);
    dse_journal_close(&jr);
    volatile sig_atomic_t stop = 1;
    dse_coord_opts_t o = {.worker_bind = "tcp://127.0.0.1:*", .client_bind = "tcp://127.0.0.1:*",
                          .state_dir = dir, .stop = &stop};
    dse_coord_t *c = dse_coord_new(&o, &err);
    CHECK(c != NULL);
    dse_coord_destroy(&c);
    char **texts = NULL;
    size_t n = 9;
    CHECK_INT(dse_journal_live_texts(dir, &texts, &n, &err), 0);
    CHECK_INT(n, 0);
    free(texts);
}
