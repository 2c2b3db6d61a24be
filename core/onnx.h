/* onnx.h - importing a network from an ONNX file.
 *
 * The file is decoded with protobuf-c code generated at build time from
 * Debian's onnx.proto (libonnx-dev). Before decoding, the wire format is
 * walked along the schema's recursive fields with a depth cap, because
 * protobuf-c itself recurses without a limit. Only shapes are read: weights
 * are never needed, and tensors stored in external data files are never
 * opened.
 *
 * The importer knows ONNX, not models: it is told which ops the model costs
 * (dse_hwmodel_t.ops) and maps each node onto those, inferring every shape
 * itself (value_info is used only where its own inference has nothing).
 * What each node became is kept in the network (dse_network_print_nodes).
 */
#ifndef DSE_ONNX_H
#define DSE_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/network.h"

#define DSE_ONNX_MAX_BYTES ((size_t)512 << 20) /* largest file accepted */
#define DSE_ONNX_MAX_DEPTH 64                  /* message nesting accepted */

typedef struct {
    unsigned ops;                /* bit set of 1u << dse_op_t the model costs */
    const char *model;           /* the model's name, for messages */
    const char *const *ignore;   /* op_types dropped knowingly ([workload] onnx_ignore) */
    size_t n_ignore;
    int64_t batch;               /* value of a symbolic batch dimension (0 = 1) */
    int repeat;                  /* the model has a layer key "repeat" (instances of a
                                    batched MatMul): one layer with repeat = heads instead
                                    of one layer per head */
    size_t max_bytes;            /* 0 = DSE_ONNX_MAX_BYTES */
} dse_onnx_opts_t;

/* Imports the ONNX file at path. Returns 0 and a new network (the caller's,
 * free with dse_network_destroy), or a negative code with err naming the
 * file: DSE_EIO (unreadable), DSE_EPARSE (malformed, truncated, too large,
 * too deep, not a model), DSE_ENOTSUP (a node the model cannot cost: its
 * name, op_type, domain and index), DSE_ECONFIG (shapes that do not fit). */
int dse_onnx_import(const char *path, const dse_onnx_opts_t *opts, dse_network_t **net,
                    dse_error_t *err);

/* The same from bytes in memory; name is used in messages. */
int dse_onnx_import_mem(const char *name, const uint8_t *data, size_t len,
                        const dse_onnx_opts_t *opts, dse_network_t **net, dse_error_t *err);

#endif
