/* toml.h - a TOML 1.0.0 parser producing an immutable document tree.
 *
 * The whole of TOML 1.0.0 is accepted and everything else rejected: input is
 * a pointer and a length (NUL bytes and invalid UTF-8 are errors), and every
 * error carries the 1-based line and column where it was found and a message
 * a person understands.
 *
 * Tables keep their keys in document order. Every value and every key
 * remembers where it was written, so that later validation (config/config) can
 * point users at the offending key or value.
 */
#ifndef DSE_TOML_H
#define DSE_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum {
    DSE_TOML_STRING,
    DSE_TOML_INTEGER,
    DSE_TOML_FLOAT,
    DSE_TOML_BOOL,
    DSE_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    DSE_TOML_DATETIME_LOCAL, /* local date-time:  1979-05-27T07:32:00 */
    DSE_TOML_DATE_LOCAL,     /* local date:       1979-05-27 */
    DSE_TOML_TIME_LOCAL,     /* local time:       07:32:00 */
    DSE_TOML_ARRAY,
    DSE_TOML_TABLE
} dse_toml_type_t;

typedef struct dse_toml_value dse_toml_value_t;

/* Parses a document. Returns the root table (the caller's, free with
 * dse_toml_destroy) or NULL with err filled: code DSE_EPARSE, line and col of
 * the problem, msg what is wrong. err->file is left empty (callers that know
 * the file name set it). Nesting deeper than 256 levels (arrays, tables and
 * dotted-key levels together) is refused with an error, so that walking the
 * tree recursively is safe. */
dse_toml_value_t *dse_toml_parse(const char *data, size_t len, dse_error_t *err);

/* Frees a tree returned by dse_toml_parse and sets *root_p to NULL. */
void dse_toml_destroy(dse_toml_value_t **root_p);

/* Name of a type for messages: "string", "integer", "float", "boolean",
 * "offset date-time", "local date-time", "local date", "local time",
 * "array", "table". */
const char *dse_toml_type_name(dse_toml_type_t type);

dse_toml_type_t dse_toml_type(const dse_toml_value_t *v);
/* 1-based position where the value starts (for a table defined by a header,
 * the header; for the root, 1:1). */
int dse_toml_line(const dse_toml_value_t *v);
int dse_toml_col(const dse_toml_value_t *v);

/* Tables: keys in document order. Index i in [0, size). */
size_t dse_toml_table_size(const dse_toml_value_t *t);
const char *dse_toml_table_key(const dse_toml_value_t *t, size_t i);  /* borrowed, NUL-terminated */
size_t dse_toml_table_key_len(const dse_toml_value_t *t, size_t i);   /* keys may hold NUL */
const dse_toml_value_t *dse_toml_table_value(const dse_toml_value_t *t, size_t i);
int dse_toml_table_key_line(const dse_toml_value_t *t, size_t i);     /* where the key was written */
int dse_toml_table_key_col(const dse_toml_value_t *t, size_t i);
/* Looks a key up; NULL when absent. */
const dse_toml_value_t *dse_toml_table_get(const dse_toml_value_t *t, const char *key);
/* Index of a key, or -1. */
long dse_toml_table_find(const dse_toml_value_t *t, const char *key);

/* Arrays (also arrays of tables). */
size_t dse_toml_array_size(const dse_toml_value_t *a);
const dse_toml_value_t *dse_toml_array_get(const dse_toml_value_t *a, size_t i);

/* Scalars. Calling one on a value of another type is a programming error (assert). */
const char *dse_toml_string(const dse_toml_value_t *v, size_t *len); /* borrowed, NUL-terminated */
int64_t dse_toml_int(const dse_toml_value_t *v);
double dse_toml_float(const dse_toml_value_t *v);
bool dse_toml_bool(const dse_toml_value_t *v);
/* Date-time kinds: an RFC 3339 text with the parts the value has, normalised:
 * 'T' separator, upper-case 'Z', seconds always present, fraction as written
 * ("1979-05-27T07:32:00.999999-07:00", "1979-05-27", "07:32:00"). Borrowed. */
const char *dse_toml_datetime(const dse_toml_value_t *v);

#endif
