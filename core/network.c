/* network.c - the intermediate form of a network (see network.h). */
#include "core/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct dse_network {
    char *source;
    dse_net_layer_t *layers;
    size_t n_layers, cap_layers;
    dse_net_node_t *nodes;
    size_t n_nodes, cap_nodes;
    int64_t batch;
    /* open-addressing set of the layer names in use (indices + 1) */
    size_t *names;
    size_t names_cap;
};

dse_network_t *dse_network_new(const char *source)
{
    dse_network_t *net = dse_xcalloc(1, sizeof *net);
    net->source = dse_xstrdup(source ? source : "");
    net->batch = 1;
    return net;
}

void dse_network_destroy(dse_network_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dse_network_t *net = *self_p;
    for (size_t i = 0; i < net->n_layers; i++) {
        free(net->layers[i].name);
        free(net->layers[i].src_names[0]);
        free(net->layers[i].src_names[1]);
    }
    for (size_t i = 0; i < net->n_nodes; i++) {
        free(net->nodes[i].name);
        free(net->nodes[i].op_type);
        free(net->nodes[i].domain);
        free(net->nodes[i].note);
    }
    free(net->layers);
    free(net->nodes);
    free(net->names);
    free(net->source);
    free(net);
    *self_p = NULL;
}

const char *dse_network_source(const dse_network_t *net) { return net->source; }
size_t dse_network_n_layers(const dse_network_t *net) { return net->n_layers; }
dse_net_layer_t *dse_network_layer(dse_network_t *net, size_t i) { return &net->layers[i]; }
const dse_net_layer_t *dse_network_layer_c(const dse_network_t *net, size_t i)
{
    return &net->layers[i];
}
size_t dse_network_n_nodes(const dse_network_t *net) { return net->n_nodes; }
const dse_net_node_t *dse_network_node(const dse_network_t *net, size_t i)
{
    return &net->nodes[i];
}
int64_t dse_network_batch(const dse_network_t *net) { return net->batch; }
void dse_network_set_batch(dse_network_t *net, int64_t batch) { net->batch = batch; }

size_t dse_network_add_node(dse_network_t *net, const char *name, const char *op_type,
                            const char *domain)
{
    net->nodes = dse_xgrow(net->nodes, sizeof *net->nodes, net->n_nodes + 1, &net->cap_nodes);
    dse_net_node_t *n = &net->nodes[net->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = dse_xstrdup(name ? name : "");
    n->op_type = dse_xstrdup(op_type ? op_type : "");
    n->domain = dse_xstrdup(domain ? domain : "");
    n->fate = DSE_NODE_SHAPE;
    n->layer = -1;
    return net->n_nodes++;
}

void dse_network_set_fate(dse_network_t *net, size_t node, dse_node_fate_t fate, long layer,
                          const char *note)
{
    dse_net_node_t *n = &net->nodes[node];
    n->fate = fate;
    n->layer = layer;
    free(n->note);
    n->note = note ? dse_xstrdup(note) : NULL;
}

static int s_name_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr("_-.:/[]", ch) != NULL;
}

void dse_network_clean_name(const char *name, const char *op_type, size_t index, char *out)
{
    size_t n = 0;
    for (const char *p = name ? name : ""; *p && n < 120; p++)
        out[n++] = s_name_ok(*p) ? *p : '_';
    out[n] = '\0';
    if (n == 0) {
        char op[64];
        dse_network_clean_name(op_type && *op_type ? op_type : "node", NULL, 0, op);
        snprintf(out, 129, "%.100s_%zu", op, index);
    }
}

static size_t s_hash(const char *s) { return (size_t)dse_hash64(s, strlen(s), 0x51ed27); }

static int s_name_used(const dse_network_t *net, const char *name)
{
    if (!net->names_cap)
        return 0;
    for (size_t h = s_hash(name) & (net->names_cap - 1);; h = (h + 1) & (net->names_cap - 1)) {
        if (!net->names[h])
            return 0;
        if (strcmp(net->layers[net->names[h] - 1].name, name) == 0)
            return 1;
    }
}

static void s_name_insert(dse_network_t *net, size_t layer)
{
    if (2 * (net->n_layers + 1) > net->names_cap) {
        size_t cap = net->names_cap ? 2 * net->names_cap : 64;
        size_t *t = dse_xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < net->names_cap; i++) {
            if (!net->names[i])
                continue;
            size_t h = s_hash(net->layers[net->names[i] - 1].name) & (cap - 1);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = net->names[i];
        }
        free(net->names);
        net->names = t;
        net->names_cap = cap;
    }
    size_t h = s_hash(net->layers[layer].name) & (net->names_cap - 1);
    while (net->names[h])
        h = (h + 1) & (net->names_cap - 1);
    net->names[h] = layer + 1;
}

dse_net_layer_t *dse_network_add_layer(dse_network_t *net, const char *base, dse_op_t op,
                                       size_t node)
{
    char name[160];
    snprintf(name, sizeof name, "%s", base);
    /* a name taken by an earlier layer gets the first free suffix _2, _3, ... */
    for (size_t k = 2; s_name_used(net, name); k++)
        snprintf(name, sizeof name, "%s_%zu", base, k);
    net->layers = dse_xgrow(net->layers, sizeof *net->layers, net->n_layers + 1,
                            &net->cap_layers);
    dse_net_layer_t *L = &net->layers[net->n_layers];
    memset(L, 0, sizeof *L);
    L->name = dse_xstrdup(name);
    L->op = op;
    L->node = node;
    s_name_insert(net, net->n_layers);
    net->n_layers++;
    return L;
}

void dse_network_truncate(dse_network_t *net, size_t n)
{
    if (n >= net->n_layers)
        return;
    for (size_t i = n; i < net->n_layers; i++) {
        free(net->layers[i].name);
        free(net->layers[i].src_names[0]);
        free(net->layers[i].src_names[1]);
    }
    net->n_layers = n;
    memset(net->names, 0, net->names_cap * sizeof *net->names);
    size_t keep = net->n_layers;
    net->n_layers = 0;
    for (size_t i = 0; i < keep; i++) {
        s_name_insert(net, i);
        net->n_layers++;
    }
}

void dse_net_layer_set_key(dse_net_layer_t *L, const char *name, double value)
{
    for (int i = 0; i < L->n_keys; i++)
        if (strcmp(L->key_name[i], name) == 0) {
            L->key_value[i] = value;
            return;
        }
    if (L->n_keys < DSE_NET_MAX_KEYS) {
        L->key_name[L->n_keys] = name;
        L->key_value[L->n_keys++] = value;
    }
}

double dse_net_layer_key(const dse_net_layer_t *L, const char *name)
{
    for (int i = 0; i < L->n_keys; i++)
        if (strcmp(L->key_name[i], name) == 0)
            return L->key_value[i];
    return NAN;
}

static void s_ints(dse_strbuf_t *sb, const char *key, const int64_t *v, int n)
{
    dse_strbuf_addf(sb, "%s = [", key);
    for (int i = 0; i < n; i++)
        dse_strbuf_addf(sb, "%s%lld", i ? ", " : "", (long long)v[i]);
    dse_strbuf_adds(sb, "]\n");
}

char *dse_network_toml(const dse_network_t *net, const char *const *keys, size_t n_keys)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "");
    for (size_t i = 0; i < net->n_layers; i++) {
        const dse_net_layer_t *L = &net->layers[i];
        const dse_net_node_t *N = &net->nodes[L->node];
        dse_strbuf_addf(&sb, "\n[[workload.layer]]   # node %zu: %s", L->node, N->op_type);
        if (strcmp(N->name, L->name) != 0) {
            /* the node's own name, printable ASCII only: a comment ends at a newline */
            dse_strbuf_adds(&sb, " '");
            for (const char *p = N->name; *p && p - N->name < 120; p++)
                dse_strbuf_addc(&sb, (*p >= 0x20 && *p < 0x7f && *p != '\'') ? *p : '?');
            dse_strbuf_addc(&sb, '\'');
        }
        dse_strbuf_addf(&sb, "\nname = \"%s\"\nop = \"%s\"\n", L->name, dse_op_name(L->op));
        if (L->n_in)
            s_ints(&sb, "in_shape", L->in_shape, L->n_in);
        if (L->n_dims)
            s_ints(&sb, "dims", L->dims, L->n_dims);
        if (L->out_channels)
            dse_strbuf_addf(&sb, "out_channels = %lld\n", (long long)L->out_channels);
        if (L->unchained)
            dse_strbuf_adds(&sb, "chain = false\n");
        if (L->n_kernel) {
            s_ints(&sb, "kernel", L->kernel, 2);
            s_ints(&sb, "stride", L->stride, 2);
            if (L->pad[0] || L->pad[1] || L->pad[2] || L->pad[3])
                s_ints(&sb, "padding", L->pad, 4);
        }
        for (size_t k = 0; k < n_keys; k++) {
            double v = dse_net_layer_key(L, keys[k]);
            if (!isnan(v))
                dse_strbuf_addf(&sb, "%s = %lld\n", keys[k], (long long)v);
        }
    }
    return dse_strbuf_detach(&sb, NULL);
}

static const char *const s_fates[] = {"layer", "folded", "shape-only", "ignored"};

void dse_network_print_nodes(const dse_network_t *net, FILE *out)
{
    fprintf(out, "%s: %zu nodes -> %zu layers\n", net->source, net->n_nodes, net->n_layers);
    for (size_t i = 0; i < net->n_nodes; i++) {
        const dse_net_node_t *N = &net->nodes[i];
        fprintf(out, "  #%-4zu %-28s %-22s %-10s", i, N->name[0] ? N->name : "(no name)",
                N->op_type, s_fates[N->fate]);
        if (N->layer >= 0)
            fprintf(out, " %s %s", N->fate == DSE_NODE_LAYER ? "->" : "into",
                    net->layers[N->layer].name);
        if (N->note)
            fprintf(out, " (%s)", N->note);
        fputc('\n', out);
    }
}

size_t dse_network_n_ignored(const dse_network_t *net)
{
    size_t n = 0;
    for (size_t i = 0; i < net->n_nodes; i++)
        n += net->nodes[i].fate == DSE_NODE_IGNORED;
    return n;
}
