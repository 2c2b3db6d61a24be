/* wire.h - the messages between workers, the coordinator and dse-run clients.
 *
 * A message is three ZeroMQ frames: the signature (4 bytes: "DSE" and the
 * protocol version byte), the command (1 byte, dse_msg_cmd_t) and a msgpack
 * body. Every body except DISCONNECT's (which is empty: zero bytes) is one
 * msgpack array of the message's fields in a fixed order:
 *
 *   READY       [version u32, host str, threads u32, credit u32, [cap str...]]
 *   JOB         [digest str, config str]
 *   WORK        [unit u64, epoch u32, digest str, layer u32, kind u32, payload]
 *               payload: kind 0 [lo u64, hi u64]; kind 1 [index u64...];
 *               kind 2 [lo u64, hi u64, key u64]
 *   RESULT      [unit u64, epoch u32, counters, width u32, rows]
 *   FAIL        [unit u64, epoch u32, code i32, message str]
 *   HEARTBEAT   [evaluated u64, units_done u64, busy u32]
 *   DISCONNECT  (empty body)
 *   SUBMIT      [config str, [dump_all bool, verbose bool]]
 *   ACCEPT      [job u64, digest str]
 *   PROGRESS    [job u64, evaluated u64, total u64, units_done u32, units_total u32,
 *                workers_alive u32, reissued u32, elapsed f64, hv f64]
 *   LAYER_FRONT [job u64, layer u32, counters, width u32, rows]
 *   DONE        [job u64, counters, units u32, reissued u32,
 *                [[layer u32, lo u64, hi u64, attempts u32, error str]...],
 *                workers_seen u32, wall f64, measured u64, cached u64,
 *                [worker_quarantined str...],
 *                [[layer u32, point u64, status u32, first str, second str,
 *                  metric str, a f64, b f64, note str]...]]   ([evaluator] verify)
 *   ERROR       [message str]
 *   CANCEL      [job u64]
 * counters = [evaluated u64, feasible u64, infeasible u64, skipped u64 (, why)]
 *   (dse_counters_t, core/counters.h)
 *   why, sent only when some slot counts: [[slot u32, points u64, key f64], ...]
 *   (core/why.h; slot < DSE_WHY_SLOTS, each slot once, points > 0); a peer
 *   that sends 4 fields has no tally
 * rows     = [[index u64, cin i64, cout i64, [metric f64 x width]]...]
 *
 * Encoding uses msgpack-c's packer (compact integer forms, float64 for
 * every real).
 *
 * Decoding does not use msgpack-c's unpacker: that allocates from the
 * counts in the headers before it knows whether the bytes exist, so a
 * 5-byte body claiming 16 million elements costs memory. Instead a strict
 * cursor reads exactly the layout expected:
 *   - a count is checked against the bytes left before anything is
 *     allocated (every element takes at least one byte, a metrics row at
 *     least 5 bytes per value), and against the limits below;
 *   - types are checked (an integer where a string belongs is an error;
 *     integers must fit their field; reals must be float32/float64);
 *   - strings must not contain NUL bytes (they become C strings), digests
 *     are lowercase hex;
 *   - metrics in rows must be finite (a feasible point has no NaN or
 *     infinite metric; PROGRESS's hv may be NaN);
 *   - the body must be consumed exactly (trailing bytes are an error);
 *   - nesting is bounded by the layouts (at most 4 levels: body, rows, row,
 *     metrics); an unexpected array is a type error, so deep nesting costs
 *     nothing.
 * Every failure is DSE_EPROTO with err->msg naming the message and what was
 * wrong ("RESULT: row 3: expected 5 metrics, got 4"); nothing is leaked and
 * the output message is left empty.
 */
#ifndef DSE_WIRE_H
#define DSE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/counters.h"
#include "core/error.h"
#include "core/pareto.h"
#include "core/util.h"
#include "core/why.h"

#define DSE_WIRE_VERSION 3
#define DSE_WIRE_SIG_LEN 4
/* "DSE" followed by the version byte. */
extern const unsigned char dse_wire_signature[DSE_WIRE_SIG_LEN];

/* Limits enforced by the decoder (ZMQ_MAXMSGSIZE bounds whole frames). */
#define DSE_WIRE_MAX_CONFIG (16u << 20) /* config text bytes */
#define DSE_WIRE_MAX_HOST 255
#define DSE_WIRE_MAX_DIGEST 128
#define DSE_WIRE_MAX_TEXT 65536 /* error messages, capability names */
#define DSE_WIRE_MAX_CAPS 256
#define DSE_WIRE_MAX_ROWS 10000000u
#define DSE_WIRE_MAX_WIDTH 4096u
#define DSE_WIRE_MAX_INDICES 10000000u
#define DSE_WIRE_MAX_QUARANTINED 1000000u

/* The commands: X(NAME, number, member of dse_msg_t's and dse_msg_view_t's
 * unions). The enum, the names (dse_wire_cmd_name) and wire.c's dispatch to
 * each command's encoder, decoder, release and view (s_enc_MEMBER,
 * s_dec_MEMBER, s_rel_MEMBER, s_view_MEMBER) are generated from this list:
 * a new message is one line here, its body structs (decoded and, when it
 * has pointers, view) and union members below, and those four functions. */
#define DSE_WIRE_COMMANDS(X)                                                   \
    /* worker <-> coordinator */                                                \
    X(READY, 1, ready)              /* W->C */                                  \
    X(JOB, 2, job)                  /* C->W */                                  \
    X(WORK, 3, work)                /* C->W */                                  \
    X(RESULT, 4, result)            /* W->C */                                  \
    X(FAIL, 5, fail)                /* W->C */                                  \
    X(HEARTBEAT, 6, heartbeat)      /* both */                                  \
    X(DISCONNECT, 7, disconnect)    /* both */                                  \
    /* dse-run client <-> coordinator */                                        \
    X(SUBMIT, 16, submit)           /* client -> C */                           \
    X(ACCEPT, 17, accept)           /* C -> client */                           \
    X(PROGRESS, 18, progress)       /* C -> client */                           \
    X(LAYER_FRONT, 19, layer_front) /* C -> client */                           \
    X(DONE, 20, done)               /* C -> client */                           \
    X(ERROR, 21, error)             /* C -> client */                           \
    X(CANCEL, 22, cancel)           /* client -> C */

#define DSE__MSG_ENUM(NAME, num, member) DSE_MSG_##NAME = num,
typedef enum { DSE_WIRE_COMMANDS(DSE__MSG_ENUM) } dse_msg_cmd_t;
#undef DSE__MSG_ENUM

/* "READY", "RESULT", ...; NULL for an unknown command. */
const char *dse_wire_cmd_name(int cmd);

/* Two kinds of message, with distinct types:
 *
 *   - a decoded message (dse_msg_t, bodies dse_msg_NAME_t) owns its strings
 *     and arrays: dse_wire_decode* fills it, dse_msg_release frees what it
 *     still owns, and a caller that keeps a field takes it with
 *     dse_msg_take_NAME (the message no longer owns it);
 *   - an encode view (dse_msg_view_t, bodies dse_msg_NAME_view_t) borrows:
 *     its pointers are const, the caller fills it from whatever it holds,
 *     the encoder only reads it, and there is nothing to free.
 * dse_msg_view() makes a view of a decoded message (to send it on).
 * An owner's `char **` becomes a view's `const char *const *` through
 * dse_wire_strs() (C converts it only with a cast, one that adds const).
 * Messages without pointers (HEARTBEAT, PROGRESS, CANCEL) have one body
 * type, used by both. */

/* Decoded front rows: n rows of (index, cin, cout, width metrics), owned. */
typedef struct {
    uint32_t width;
    size_t n;
    uint64_t *index;
    int64_t *cin, *cout;
    double *metrics; /* n * width */
} dse_wire_rows_t;

/* Front rows to encode (or to put into a front, dse_wire_rows_to_front):
 * the arrays, or a non-NULL `front` read instead of them (its width must
 * equal `width`). Borrowed. */
typedef struct {
    uint32_t width;
    size_t n;
    const uint64_t *index;
    const int64_t *cin, *cout;
    const double *metrics; /* n * width */
    const dse_front_t *front;
} dse_wire_rows_view_t;

/* An array of strings as a view holds it. */
static inline const char *const *dse_wire_strs(char *const *s)
{
    return (const char *const *)s;
}

/* A view of decoded rows. */
static inline dse_wire_rows_view_t dse_wire_rows_view(const dse_wire_rows_t *r)
{
    return (dse_wire_rows_view_t){.width = r->width, .n = r->n, .index = r->index, .cin = r->cin,
                                  .cout = r->cout, .metrics = r->metrics};
}

typedef struct {
    uint32_t version;
    char *host;
    uint32_t threads, credit;
    size_t n_caps;
    char **caps;
} dse_msg_ready_t;
typedef struct {
    uint32_t version;
    const char *host;
    uint32_t threads, credit;
    size_t n_caps;
    const char *const *caps;
} dse_msg_ready_view_t;

typedef struct {
    char *digest; /* lowercase hex */
    char *config; /* canonical TOML text */
} dse_msg_job_t;
typedef struct {
    const char *digest, *config;
} dse_msg_job_view_t;

/* The kinds of WORK (eval/unit.h's dse_unit_kind_t takes these values). */
enum { DSE_WORK_RANGE = 0, DSE_WORK_LIST = 1, DSE_WORK_SHUFFLED = 2 };

/* A unit id on the wire (WORK, RESULT, FAIL): the coordinator's job id in
 * the high bits, the unit's id in its job's search in the low
 * DSE_WIRE_UNIT_BITS. */
#define DSE_WIRE_UNIT_BITS 40
#define DSE_WIRE_UNIT_MASK ((1ULL << DSE_WIRE_UNIT_BITS) - 1)
static inline uint64_t dse_wire_unit(uint64_t job, uint64_t unit)
{
    return job << DSE_WIRE_UNIT_BITS | (unit & DSE_WIRE_UNIT_MASK);
}
static inline uint64_t dse_wire_unit_job(uint64_t wire_unit)
{
    return wire_unit >> DSE_WIRE_UNIT_BITS;
}

typedef struct {
    uint64_t unit;
    uint32_t epoch;
    char *digest;
    uint32_t layer;
    uint32_t kind;  /* DSE_WORK_RANGE: [lo, hi) (lo <= hi); DSE_WORK_LIST: indices;
                       DSE_WORK_SHUFFLED: positions [lo, hi) of the permutation keyed by key
                       (search/perm) */
    uint64_t lo, hi;
    uint64_t key;
    size_t n_indices;
    uint64_t *indices;
} dse_msg_work_t;
typedef struct {
    uint64_t unit;
    uint32_t epoch;
    const char *digest;
    uint32_t layer;
    uint32_t kind; /* as in dse_msg_work_t */
    uint64_t lo, hi;
    uint64_t key;
    size_t n_indices;
    const uint64_t *indices;
} dse_msg_work_view_t;

typedef struct {
    uint64_t unit;
    uint32_t epoch;
    dse_counters_t counters;
    dse_wire_rows_t rows;
} dse_msg_result_t;
typedef struct {
    uint64_t unit;
    uint32_t epoch;
    dse_counters_t counters;
    dse_wire_rows_view_t rows;
} dse_msg_result_view_t;

typedef struct {
    uint64_t unit;
    uint32_t epoch;
    int32_t code;
    char *message;
} dse_msg_fail_t;
typedef struct {
    uint64_t unit;
    uint32_t epoch;
    int32_t code;
    const char *message;
} dse_msg_fail_view_t;

typedef struct {
    uint64_t evaluated, units_done;
    uint32_t busy;
} dse_msg_heartbeat_t;

typedef struct {
    char *config;
    int dump_all, verbose; /* 0 or 1 */
} dse_msg_submit_t;
typedef struct {
    const char *config;
    int dump_all, verbose; /* 0 or 1 */
} dse_msg_submit_view_t;

typedef struct {
    uint64_t job;
    char *digest;
} dse_msg_accept_t;
typedef struct {
    uint64_t job;
    const char *digest;
} dse_msg_accept_view_t;

typedef struct {
    uint64_t job, evaluated, total;
    uint32_t units_done, units_total, workers_alive, reissued;
    double elapsed;
    double hv; /* mean normalised hypervolume of the layer fronts so far; NaN = unknown */
} dse_msg_progress_t;

typedef struct {
    uint64_t job;
    uint32_t layer;
    dse_counters_t counters;
    dse_wire_rows_t rows;
} dse_msg_layer_front_t;
typedef struct {
    uint64_t job;
    uint32_t layer;
    dse_counters_t counters;
    dse_wire_rows_view_t rows;
} dse_msg_layer_front_view_t;

typedef struct {
    uint32_t layer;
    uint64_t lo, hi;
    uint32_t attempts;
    char *error; /* owned by whoever built the record (decoded: by the message) */
} dse_quarantined_t; /* a quarantined range; the same type in the coordinator, on the
                      * wire (DONE) and in the outputs */

/* A point of [evaluator] verify's sample (outputs/outputs.h dse_verified_t).
 * One type for both kinds of message: the strings are read only (in a
 * decoded DONE they live in its verified_strings). */
typedef struct {
    uint32_t layer;
    uint64_t point;
    uint32_t status; /* DSE_VERIFY_* */
    const char *first, *second, *metric, *note;
    double a, b;
} dse_wire_verified_t;

typedef struct {
    uint64_t job;
    dse_counters_t counters;
    uint32_t units, reissued;
    size_t n_quarantined;
    dse_quarantined_t *quarantined;
    uint32_t workers_seen;
    double wall;
    uint64_t measured, cached; /* measured jobs: points measured, points from the cache */
    size_t n_bad_workers;
    char **bad_workers; /* workers quarantined: their rows disagreed with the model */
    size_t n_verified;
    dse_wire_verified_t *verified; /* its strings point into verified_strings */
    char **verified_strings;       /* 4 per point: first, second, metric, note */
} dse_msg_done_t;
typedef struct {
    uint64_t job;
    dse_counters_t counters;
    uint32_t units, reissued;
    size_t n_quarantined;
    const dse_quarantined_t *quarantined; /* read only */
    uint32_t workers_seen;
    double wall;
    uint64_t measured, cached;
    size_t n_bad_workers;
    const char *const *bad_workers;
    size_t n_verified;
    const dse_wire_verified_t *verified;
} dse_msg_done_view_t;

typedef struct {
    char *message;
} dse_msg_error_t;
typedef struct {
    const char *message;
} dse_msg_error_view_t;

typedef struct {
    uint64_t job;
} dse_msg_cancel_t;

/* A decoded message: cmd selects the member. Owns its strings and arrays
 * (dse_msg_release frees them, dse_msg_take_* hands them over). */
typedef struct {
    int cmd;
    union {
        dse_msg_ready_t ready;
        dse_msg_job_t job;
        dse_msg_work_t work;
        dse_msg_result_t result;
        dse_msg_fail_t fail;
        dse_msg_heartbeat_t heartbeat;
        dse_msg_submit_t submit;
        dse_msg_accept_t accept;
        dse_msg_progress_t progress;
        dse_msg_layer_front_t layer_front;
        dse_msg_done_t done;
        dse_msg_error_t error;
        dse_msg_cancel_t cancel;
    };
} dse_msg_t;

/* A message to encode: cmd selects the member. Borrows everything. */
typedef struct {
    int cmd;
    union {
        dse_msg_ready_view_t ready;
        dse_msg_job_view_t job;
        dse_msg_work_view_t work;
        dse_msg_result_view_t result;
        dse_msg_fail_view_t fail;
        dse_msg_heartbeat_t heartbeat;
        dse_msg_submit_view_t submit;
        dse_msg_accept_view_t accept;
        dse_msg_progress_t progress;
        dse_msg_layer_front_view_t layer_front;
        dse_msg_done_view_t done;
        dse_msg_error_view_t error;
        dse_msg_cancel_t cancel;
    };
} dse_msg_view_t;

/* Appends the msgpack body of msg to body. Strings must be NUL-terminated;
 * NULL strings are sent as "". Asserts a known command. */
void dse_wire_encode_body(const dse_msg_view_t *msg, dse_strbuf_t *body);
/* Appends the three frames back to back: signature, command byte, body
 * (for transports without frames, files and tests). */
void dse_wire_encode(const dse_msg_view_t *msg, dse_strbuf_t *out);

/* Checks the signature frame (exactly 4 bytes: "DSE", DSE_WIRE_VERSION) and the
 * command frame (exactly 1 byte, a known command); sets *cmd. 0 or
 * DSE_EPROTO. */
int dse_wire_check_header(const void *sig, size_t sig_len, const void *cmd_frame, size_t cmd_len,
                          int *cmd, dse_error_t *err);
/* Decodes the body of a message of command cmd into msg (zeroed first;
 * msg->cmd = cmd). 0, or DSE_EPROTO with msg left empty. */
int dse_wire_decode_body(int cmd, const void *body, size_t len, dse_msg_t *msg, dse_error_t *err);
/* Header check plus body decode of the three frames. */
int dse_wire_decode_frames(const void *sig, size_t sig_len, const void *cmd_frame, size_t cmd_len,
                           const void *body, size_t body_len, dse_msg_t *msg, dse_error_t *err);
/* Decodes what dse_wire_encode produced (signature, command, body). */
int dse_wire_decode(const void *buf, size_t len, dse_msg_t *msg, dse_error_t *err);
/* Frees what a decoded message still owns and zeroes it. Safe on a zeroed
 * message and twice. */
void dse_msg_release(dse_msg_t *msg);

/* A view of a decoded message (borrowing from it: valid while msg is
 * neither released nor taken from). */
void dse_msg_view(const dse_msg_t *msg, dse_msg_view_t *view);

/* Hand-overs from a decoded message: the caller owns what is returned and
 * the message no longer does (its release skips it). */
/* A SUBMIT's config text (free it). */
char *dse_msg_submit_take_config(dse_msg_submit_t *submit);
/* A WORK's body with its digest and indices (dse_msg_work_release it);
 * msg keeps the scalars only. Asserts a WORK. */
void dse_msg_take_work(dse_msg_t *msg, dse_msg_work_t *out);
/* Frees a taken WORK body's digest and indices and zeroes it. */
void dse_msg_work_release(dse_msg_work_t *work);

/* How dse_wire_rows_to_front puts each row into the front. */
typedef enum {
    DSE_WIRE_ROWS_PUSH,   /* dse_front_push: every row (the caller filters or merges) */
    DSE_WIRE_ROWS_INSERT, /* dse_front_insert: the front stays non-dominated */
} dse_wire_rows_into_t;

/* Puts the rows into f, in their order, as `into` says; *n_kept (may be
 * NULL) gets how many rows the front took (PUSH: all; INSERT: those not
 * dominated when they came). 0, or DSE_EPROTO (nothing put) when the rows'
 * width is not the front's. Rows going into several fronts: one call per
 * front (each front gets the same rows in the same order). */
int dse_wire_rows_to_front(const dse_wire_rows_view_t *rows, dse_front_t *f,
                           dse_wire_rows_into_t into, size_t *n_kept, dse_error_t *err);

/* For tests: the largest single allocation the decoder made since the last
 * reset (reset != 0 zeroes it after reading). Per thread. */
size_t dse__wire_max_alloc(int reset);

#endif
