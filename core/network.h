/* network.h - a network as a list of layers: names, ops, shapes and keys.
 *
 * The intermediate form between a network's source (an ONNX graph today,
 * core/onnx) and the job (config/config): each layer is what one
 * [[workload.layer]] table says, with the model keys by name (the importer
 * knows ONNX, not models). It also remembers what became of every node of
 * the source, for `dse-run --import --check` and summary.json.
 *
 * dse_network_toml() writes the layers as [[workload.layer]] tables; the job
 * loader reads that text with the same validation as a hand-written job, so
 * an imported layer and a typed-in layer are checked the same way.
 */
#ifndef DSE_NETWORK_H
#define DSE_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/job.h"

#define DSE_NET_MAX_KEYS 8

typedef struct {
    char *name; /* unique and CSV-safe (see dse_network_unique_name) */
    dse_op_t op;
    /* The geometry as a [[workload.layer]] writes it: n_in = 0 when the op
     * takes dims instead; n_kernel = 0 when the op has no kernel. */
    int64_t in_shape[3];
    int n_in;
    int64_t out_channels; /* 0 = not written */
    int64_t kernel[2], stride[2], pad[4];
    int n_kernel;
    int64_t dims[3];
    int n_dims;
    /* Model keys by name (weight_bits, act_bits, out_bits, activation,
     * const_weights); written only when the model declares them. */
    const char *key_name[DSE_NET_MAX_KEYS];
    double key_value[DSE_NET_MAX_KEYS];
    int n_keys;
    size_t node;   /* index of the source node it came from */
    int unchained; /* dse_network_toml writes chain = false: its input is not the
                      previous layer's output (a branch, or a node dropped between) */
    /* Names of the source's nodes an export names for this layer (FINN
     * dataflow: [0] its ConvolutionInputGenerator, [1] its MVAU, VVAU or
     * StreamingMaxPool), cleaned like layer names; NULL = none. Owned. */
    char *src_names[2];
} dse_net_layer_t;

typedef enum {
    DSE_NODE_LAYER,   /* became a layer */
    DSE_NODE_FOLDED,  /* folded into another layer (BatchNorm, activations, quantizers) */
    DSE_NODE_SHAPE,   /* shape-only (Reshape, Flatten, ...) or a constant */
    DSE_NODE_IGNORED  /* dropped by onnx_ignore */
} dse_node_fate_t;

typedef struct {
    char *name;    /* the node's name as written ("" when it has none) */
    char *op_type;
    char *domain;
    dse_node_fate_t fate;
    long layer;    /* index of the layer it became or was folded into, -1 = none */
    char *note;    /* why (NULL = nothing to add) */
} dse_net_node_t;

typedef struct dse_network dse_network_t;

dse_network_t *dse_network_new(const char *source);
void dse_network_destroy(dse_network_t **self_p);

/* The file it was read from (for messages). */
const char *dse_network_source(const dse_network_t *net);

size_t dse_network_n_layers(const dse_network_t *net);
dse_net_layer_t *dse_network_layer(dse_network_t *net, size_t i);
const dse_net_layer_t *dse_network_layer_c(const dse_network_t *net, size_t i);
size_t dse_network_n_nodes(const dse_network_t *net);
const dse_net_node_t *dse_network_node(const dse_network_t *net, size_t i);

/* Adds a source node; returns its index. */
size_t dse_network_add_node(dse_network_t *net, const char *name, const char *op_type,
                            const char *domain);
/* Sets a node's fate and note (note copied, may be NULL). */
void dse_network_set_fate(dse_network_t *net, size_t node, dse_node_fate_t fate, long layer,
                          const char *note);

/* Adds a layer named after `base` (made unique, see below) for `node` and
 * returns it (valid until the next add). */
dse_net_layer_t *dse_network_add_layer(dse_network_t *net, const char *base, dse_op_t op,
                                       size_t node);

/* Drops the layers from index n on (an ignored node's). */
void dse_network_truncate(dse_network_t *net, size_t n);

/* Sets a model key of a layer (name must be a static string). */
void dse_net_layer_set_key(dse_net_layer_t *L, const char *name, double value);
/* The value of a key, or NAN when not set. */
double dse_net_layer_key(const dse_net_layer_t *L, const char *name);

/* The symbolic batch found in the source (1 when none). */
int64_t dse_network_batch(const dse_network_t *net);
void dse_network_set_batch(dse_network_t *net, int64_t batch);

/* Makes a name CSV-safe and TOML-safe into out (size >= 129): characters
 * other than letters, digits and "_-.:/[]" become '_', at most 120 bytes
 * are kept, and an empty name becomes "<op_type>_<index>". */
void dse_network_clean_name(const char *name, const char *op_type, size_t index, char *out);

/* The layers as [[workload.layer]] tables (caller frees). Only the keys named
 * in `keys` (n_keys of them) are written: the model's layer keys. */
char *dse_network_toml(const dse_network_t *net, const char *const *keys, size_t n_keys);

/* Prints one line per source node: index, name, op_type, domain, fate and
 * the layer it became or went into. */
void dse_network_print_nodes(const dse_network_t *net, FILE *out);

/* Names of the nodes dropped by onnx_ignore (count, and the i-th "name (op_type)"). */
size_t dse_network_n_ignored(const dse_network_t *net);

#endif
