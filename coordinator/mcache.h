/* mcache.h - the coordinator's cache of measured points.
 *
 * One file per measured point, in DIR/XX/DIGEST (XX: the digest's first two
 * hex digits), named by a digest of the point's key (eval/measure.h:
 * dse_measure_key) and holding the key itself, checked on every read, so
 * that two keys with one digest never mix. Files are written to a temporary
 * name and renamed: an interrupted job leaves whole entries only, and a
 * repeated or resumed job measures nothing twice. Only successful
 * measurements are stored; a failed point is tried again next time.
 */
#ifndef DSE_MCACHE_H
#define DSE_MCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct dse_mcache dse_mcache_t;

/* The default folder: $XDG_CACHE_HOME/dse/measured, else
 * $HOME/.cache/dse/measured (caller frees); NULL when neither is set. */
char *dse_mcache_default_dir(void);

/* Opens (creating it) a cache folder. NULL with err on failure. */
dse_mcache_t *dse_mcache_open(const char *dir, dse_error_t *err);
void dse_mcache_destroy(dse_mcache_t **c_p);
const char *dse_mcache_dir(const dse_mcache_t *c);

/* Looks a key up: 1 with the point's interface classes and `width` metrics
 * filled, 0 when absent (or unreadable, or stored with another width). */
int dse_mcache_get(dse_mcache_t *c, const char *key, size_t width, int64_t *cin, int64_t *cout,
                   double *metrics);
/* Stores a point. 0, or DSE_EIO (the run goes on without it). */
int dse_mcache_put(dse_mcache_t *c, const char *key, size_t width, int64_t cin, int64_t cout,
                   const double *metrics, dse_error_t *err);

#endif
