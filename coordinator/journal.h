/* journal.h - the coordinator's journal: accepted jobs and merged results on
 * disk, so that a restarted coordinator resumes its jobs.
 *
 * One file, DIR/journal: a header, then records appended in the order the
 * coordinator's state changed.
 *
 *   header  8 bytes "DSEJRNL\n", u32 version, u32 CRC-32 of the 12 bytes before
 *   record  u32 length, u32 CRC-32 of the length's 4 bytes and the payload,
 *           payload (length bytes): u8 type, then the type's fields
 *
 * Integers and reals are little-endian (a real is its IEEE-754 bits); the
 * CRC is CRC-32/ISO-HDLC (the one of zlib and PNG), computed here.
 *
 *   JOB      u64 job, f64 unit_seconds, u32 n, f64 rate x n, u32 len, text
 *   MERGE    u64 job, u64 slot, a RESULT body (core/wire.h) filling the rest
 *   SPLIT    u64 job, u64 slot
 *   QUAR     u64 job, u64 slot, u32 attempts, u32 len, why
 *   ADVANCE  u64 job, f64 elapsed, u64 slots, u64 added
 *   END      u64 job
 *   SEQ      u64 the largest job id handed out so far
 *
 * Each record is written with one write() as it happens, so a killed
 * coordinator loses none that it made; records are fsynced in batches
 * (DSE_JOURNAL_SYNC_RECORDS records or DSE_JOURNAL_SYNC_SECONDS, whichever
 * comes first, and at once for JOB and END), so a host that loses power
 * loses at most that batch. When the last live job ends, the file is cut
 * back to its header and a SEQ record (it never grows beyond the live jobs).
 *
 * Opening replays the records through a callback. A torn or corrupt tail
 * (a length past the end of the file, a CRC that does not match, a payload
 * that does not decode) is cut off: the file is truncated after the last
 * good record and the bytes dropped are reported. A header that is not a
 * journal's, or another version, is an error. The file is locked (flock):
 * a second coordinator on the same folder is refused.
 */
#ifndef DSE_JOURNAL_H
#define DSE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/wire.h"

#define DSE_JOURNAL_VERSION 1
#define DSE_JOURNAL_HEADER 16
#define DSE_JOURNAL_SYNC_RECORDS 8192
#define DSE_JOURNAL_SYNC_SECONDS 0.2
/* A record longer than this is corrupt (a RESULT frame is far smaller). */
#define DSE_JOURNAL_MAX_RECORD (1u << 30)

typedef enum {
    DSE_JREC_JOB = 1,
    DSE_JREC_MERGE = 2,
    DSE_JREC_SPLIT = 3,
    DSE_JREC_QUAR = 4,
    DSE_JREC_ADVANCE = 5,
    DSE_JREC_END = 6,
    DSE_JREC_SEQ = 7,
} dse_jrec_type_t;

/* A decoded record; what it points at lives until the callback returns. */
typedef struct {
    int type;
    uint64_t job;  /* SEQ: the largest job id */
    uint64_t slot; /* MERGE, SPLIT, QUAR */
    /* JOB */
    double unit_seconds;
    size_t n_rates;
    const double *rates;
    const char *text; /* NUL-terminated */
    /* MERGE: the unit's counters and rows (result.unit is the slot) */
    const dse_msg_result_t *result;
    /* QUAR */
    uint32_t attempts;
    const char *why;
    /* ADVANCE */
    double elapsed;
    uint64_t slots, added;
} dse_jrec_t;

/* Applies one replayed record. Returns 0, or a negative code (with err) to
 * stop the replay: the journal then fails to open with that error. */
typedef int (*dse_journal_apply_fn)(void *ctx, const dse_jrec_t *rec, dse_error_t *err);

typedef struct {
    uint64_t records;       /* records replayed */
    uint64_t bytes;         /* the good prefix, header included */
    uint64_t dropped_bytes; /* the torn or corrupt tail cut off */
    char why[160];          /* what was wrong with the tail ("" when nothing was cut) */
} dse_journal_info_t;

typedef struct dse_journal dse_journal_t;

/* Opens (creating DIR and DIR/journal when missing) the journal in dir,
 * replays its records through apply (may be NULL), cuts a bad tail, and
 * leaves it open for appending. NULL with err (naming the file) when DIR
 * cannot be made, the file cannot be read, locked or cut, its header is
 * not a journal's (DSE_EPARSE) or of another version (DSE_ENOTSUP), or
 * apply failed. info (may be NULL) says what was replayed and cut. */
dse_journal_t *dse_journal_open(const char *dir, dse_journal_apply_fn apply, void *ctx,
                                dse_journal_info_t *info, dse_error_t *err);

/* Reads the texts of the jobs of the journal in dir that have not ended,
 * without changing the file (a bad tail is ignored, not cut). Returns 0
 * with *texts (NULL-terminated, the caller frees each and the array) and
 * *n; DSE_ENOTFOUND when there is no journal; the errors of open. */
int dse_journal_live_texts(const char *dir, char ***texts, size_t *n, dse_error_t *err);

/* Appending. Each returns 0, or DSE_EIO with err the first time a write
 * fails: the journal is then off (nothing more is written; the records
 * written so far stay a good prefix) and later calls return 0. */
int dse_journal_job(dse_journal_t *jr, uint64_t job, const char *text, double unit_seconds,
                    const double *rates, size_t n_rates, dse_error_t *err);
int dse_journal_merge(dse_journal_t *jr, uint64_t job, uint64_t slot,
                      const dse_counters_t *cn, size_t n, const uint64_t *index,
                      const int64_t *cin, const int64_t *cout, const double *metrics,
                      size_t width, dse_error_t *err);
int dse_journal_split(dse_journal_t *jr, uint64_t job, uint64_t slot, dse_error_t *err);
int dse_journal_quarantine(dse_journal_t *jr, uint64_t job, uint64_t slot, uint32_t attempts,
                           const char *why, dse_error_t *err);
int dse_journal_advance(dse_journal_t *jr, uint64_t job, double elapsed, uint64_t slots,
                        uint64_t added, dse_error_t *err);
/* Ends a job; when no job is left, the file is cut back to the header and
 * a SEQ record. */
int dse_journal_end(dse_journal_t *jr, uint64_t job, dse_error_t *err);
/* Fsyncs when a batch is due (call from the coordinator's loop). */
int dse_journal_tick(dse_journal_t *jr, double now, dse_error_t *err);
/* Fsyncs what is written. */
int dse_journal_sync(dse_journal_t *jr, dse_error_t *err);
/* 1 once a write failed (the journal is off). */
int dse_journal_failed(const dse_journal_t *jr);
/* The journal file's path. */
const char *dse_journal_path(const dse_journal_t *jr);

/* Syncs, unlocks and closes; safe on NULL and twice. */
void dse_journal_close(dse_journal_t **jr_p);

/* CRC-32/ISO-HDLC of len bytes, continuing from crc (0 to start). */
uint32_t dse_crc32(uint32_t crc, const void *data, size_t len);

#endif
