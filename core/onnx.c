/* onnx.c - ONNX graph -> network (see onnx.h).
 *
 * One pass over the nodes in their (topological) order keeps, for every
 * tensor name, what the importer knows of it: its shape (with the batch as
 * its first dimension where it has one), its value when it is a small
 * constant (for folding the Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape chains of Brevitas and torch exports), its quantized bit width
 * (QONNX Quant / BipolarQuant / Trunc / MultiThreshold, FINN datatype
 * annotations) and the layer whose output it is (so that BatchNorm,
 * activations, constant scales and output quantizers fold into it).
 *
 * Sources for the op semantics: the ONNX operator specification
 * (onnx/docs/Operators.md, opset 13), the QONNX custom op documentation
 * (qonnx/docs/qonnx-custom-ops: Quant, BipolarQuant, Trunc, MultiThreshold)
 * and the op names of Deeploy's test networks (RequantShift, iRMSNorm,
 * iSoftmax, iGELU, iHardswish, iLayerNorm). Only code written here.
 */
#include "core/onnx.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "onnx/onnx.pb-c.h"

#define S_MAX_RANK 8
#define S_MAX_CV 64    /* constants folded up to this many elements */
#define S_MAX_HEADS 256 /* batched matmuls become one layer per head, at most this many */

/* ------------------------------------------------------- wire-format pre-walk */

/* The messages with fields that lead, directly or not, back to themselves. */
enum { W_MODEL, W_GRAPH, W_NODE, W_ATTR, W_VINFO, W_TYPE, W_TYPE_ELEM, W_TYPE_MAP, W_FUNC,
       W_TRAIN, W_NONE };

static int s_child(int msg, uint64_t field)
{
    switch (msg) {
    case W_MODEL:
        return field == 7 ? W_GRAPH : field == 25 ? W_FUNC : field == 20 ? W_TRAIN : W_NONE;
    case W_TRAIN:
        return field == 1 || field == 2 ? W_GRAPH : W_NONE;
    case W_GRAPH:
        return field == 1 ? W_NODE : (field >= 11 && field <= 13) ? W_VINFO : W_NONE;
    case W_NODE:
        return field == 5 ? W_ATTR : W_NONE;
    case W_ATTR:
        return field == 6 || field == 11 ? W_GRAPH : field == 14 || field == 15 ? W_TYPE : W_NONE;
    case W_VINFO:
        return field == 2 ? W_TYPE : W_NONE;
    case W_TYPE: /* sequence_type, map_type, optional_type */
        return field == 4 || field == 9 ? W_TYPE_ELEM : field == 5 ? W_TYPE_MAP : W_NONE;
    case W_TYPE_ELEM:
        return field == 1 ? W_TYPE : W_NONE;
    case W_TYPE_MAP:
        return field == 2 ? W_TYPE : W_NONE;
    case W_FUNC:
        return field == 7 ? W_NODE : W_NONE;
    default:
        return W_NONE;
    }
}

static int s_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*i >= len)
            return -1;
        uint8_t b = p[(*i)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* 0, -1 malformed, -2 nested deeper than DSE_ONNX_MAX_DEPTH. */
static int s_walk(const uint8_t *p, size_t len, int msg, int depth)
{
    if (depth > DSE_ONNX_MAX_DEPTH)
        return -2;
    size_t i = 0;
    while (i < len) {
        uint64_t key, v;
        if (s_varint(p, len, &i, &key) || (key >> 3) == 0)
            return -1;
        switch (key & 7) {
        case 0:
            if (s_varint(p, len, &i, &v))
                return -1;
            break;
        case 1:
            if (len - i < 8)
                return -1;
            i += 8;
            break;
        case 5:
            if (len - i < 4)
                return -1;
            i += 4;
            break;
        case 2: {
            if (s_varint(p, len, &i, &v) || v > len - i)
                return -1;
            int child = s_child(msg, key >> 3);
            if (child != W_NONE) {
                int rc = s_walk(p + i, (size_t)v, child, depth + 1);
                if (rc)
                    return rc;
            }
            i += (size_t)v;
            break;
        }
        default: /* groups (3, 4) do not occur in onnx.proto */
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- tensors */

typedef struct {
    const char *name;
    int known; /* shape known */
    int rank;
    int64_t d[S_MAX_RANK];
    int batch;    /* d[0] is the batch */
    int is_const; /* an initializer, a Constant, or folded from constants */
    int ncv;      /* number of values in cv (-1: not known) */
    double cv[S_MAX_CV];
    int bits;     /* quantized bit width, 0 = not quantized / unknown */
    int sgn;      /* signed (or bipolar) values, where a FINN datatype says so */
    long layer;   /* the layer whose output this is (through folded nodes), -1 = none */
    /* FINN dataflow: the sliding-window generator (SWG) whose output this is
     * (swg = its node index + 1), and the FMPadding before it */
    size_t swg;
    int64_t swg_k[2], swg_c, swg_in[2], swg_stride[2], swg_dw;
    int64_t fmpad[4];
} s_tensor_t;

typedef struct {
    const char *file;
    const dse_onnx_opts_t *o;
    dse_error_t *err;
    dse_network_t *net;
    Onnx__GraphProto *g;
    s_tensor_t *t;
    size_t n_t, cap_t;
    size_t *map; /* open addressing: tensor index + 1 */
    size_t map_cap;
    /* value_info shapes, by tensor name, for ops whose output the importer
     * cannot infer itself */
    /* the node being imported */
    size_t ni;
    const Onnx__NodeProto *n;
    int ignoring; /* inferring the shapes of an ignored node */
} s_imp_t;

static size_t s_h(const char *s) { return (size_t)dse_hash64(s, strlen(s), 0x0a11); }

static long s_find(const s_imp_t *im, const char *name)
{
    if (!im->map_cap || !name)
        return -1;
    for (size_t h = s_h(name) & (im->map_cap - 1);; h = (h + 1) & (im->map_cap - 1)) {
        if (!im->map[h])
            return -1;
        if (strcmp(im->t[im->map[h] - 1].name, name) == 0)
            return (long)(im->map[h] - 1);
    }
}

static void s_rehash(s_imp_t *im, size_t cap)
{
    size_t *m = dse_xcalloc(cap, sizeof *m);
    for (size_t i = 0; i < im->n_t; i++) {
        size_t h = s_h(im->t[i].name) & (cap - 1);
        while (m[h])
            h = (h + 1) & (cap - 1);
        m[h] = i + 1;
    }
    free(im->map);
    im->map = m;
    im->map_cap = cap;
}

/* The tensor called name, created (unknown) when new. */
static s_tensor_t *s_def(s_imp_t *im, const char *name)
{
    long k = s_find(im, name);
    if (k >= 0)
        return &im->t[k];
    im->t = dse_xgrow(im->t, sizeof *im->t, im->n_t + 1, &im->cap_t);
    s_tensor_t *t = &im->t[im->n_t++];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->ncv = -1;
    t->layer = -1;
    if (2 * im->n_t > im->map_cap)
        s_rehash(im, im->map_cap ? 2 * im->map_cap : 256);
    else {
        size_t h = s_h(name) & (im->map_cap - 1);
        while (im->map[h])
            h = (h + 1) & (im->map_cap - 1);
        im->map[h] = im->n_t;
    }
    return t;
}

/* ----------------------------------------------------------------- errors */

static int s_err(s_imp_t *im, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_err(s_imp_t *im, int code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (im->n) {
        char name[129];
        dse_network_clean_name(im->n->name, NULL, 0, name);
        return dse_error_set(im->err, code, im->file, 0, 0,
                             "node '%s' (index %zu, op_type %s, domain '%s'): %s",
                             im->n->name && *im->n->name ? name : "", im->ni,
                             im->n->op_type ? im->n->op_type : "?",
                             im->n->domain ? im->n->domain : "", msg);
    }
    return dse_error_set(im->err, code, im->file, 0, 0, "%s", msg);
}

/* ------------------------------------------------------------- attributes */

static const Onnx__AttributeProto *s_attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0)
            return n->attribute[i];
    return NULL;
}

static int64_t s_attr_i(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = s_attr(n, name);
    if (a && a->has_i)
        return a->i;
    if (a && a->n_ints == 1)
        return a->ints[0];
    return dflt;
}

/* Up to max ints of an attribute; returns how many (0 when absent). */
static size_t s_attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, size_t max)
{
    const Onnx__AttributeProto *a = s_attr(n, name);
    if (!a)
        return 0;
    if (a->n_ints == 0 && a->has_i) {
        out[0] = a->i;
        return 1;
    }
    size_t k = a->n_ints < max ? a->n_ints : max;
    for (size_t i = 0; i < k; i++)
        out[i] = a->ints[i];
    return a->n_ints > max ? max + 1 : k;
}

static const char *s_attr_s(const Onnx__NodeProto *n, const char *name, char *buf, size_t size)
{
    const Onnx__AttributeProto *a = s_attr(n, name);
    if (!a || !a->has_s)
        return NULL;
    size_t k = a->s.len < size - 1 ? a->s.len : size - 1;
    memcpy(buf, a->s.data, k);
    buf[k] = '\0';
    return buf;
}

/* Bits of a FINN/QONNX datatype name ("INT2", "UINT8", "BIPOLAR", "BINARY"). */
static int s_dtype_bits(const char *s)
{
    if (!s)
        return 0;
    if (strcmp(s, "BIPOLAR") == 0 || strcmp(s, "BINARY") == 0)
        return 1;
    if (strcmp(s, "TERNARY") == 0)
        return 2;
    const char *p = strncmp(s, "UINT", 4) == 0 ? s + 4 : strncmp(s, "INT", 3) == 0 ? s + 3 : NULL;
    if (!p || !*p)
        return 0;
    char *end;
    long b = strtol(p, &end, 10);
    return *end || b < 1 || b > 64 ? 0 : (int)b;
}

static int s_dtype_signed(const char *s)
{
    return s && (strncmp(s, "INT", 3) == 0 || strcmp(s, "BIPOLAR") == 0 ||
                 strcmp(s, "TERNARY") == 0);
}

/* ---------------------------------------------------------------- shapes */

static int s_read_type(s_tensor_t *t, const Onnx__TypeProto *ty, int64_t batch, int first_is_batch)
{
    if (!ty || ty->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !ty->tensor_type ||
        !ty->tensor_type->shape)
        return 0;
    const Onnx__TensorShapeProto *sh = ty->tensor_type->shape;
    if (sh->n_dim > S_MAX_RANK)
        return -1;
    t->rank = (int)sh->n_dim;
    for (size_t i = 0; i < sh->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
            d->dim_value > 0)
            t->d[i] = d->dim_value;
        else if (i == 0 && first_is_batch)
            t->d[i] = batch; /* a symbolic or dynamic batch */
        else
            return -2 - (int)i;
    }
    t->known = 1;
    t->batch = first_is_batch && t->rank >= 2;
    return 0;
}

/* Small constant values of an initializer or a Constant's tensor. */
static void s_read_values(s_tensor_t *t, const Onnx__TensorProto *tp)
{
    t->ncv = -1;
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return; /* never read */
    int64_t count = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return;
        count *= tp->dims[i];
        if (count > S_MAX_CV)
            return;
    }
    int n = (int)count;
    int dt = tp->has_data_type ? tp->data_type : 0;
    if (tp->has_raw_data) {
        size_t esz = dt == 1 || dt == 6 || dt == 12 ? 4 : dt == 7 || dt == 11 || dt == 13 ? 8
                     : dt == 2 || dt == 3 || dt == 9 ? 1 : 0;
        if (!esz || tp->raw_data.len != esz * (size_t)n)
            return;
        const uint8_t *p = tp->raw_data.data;
        for (int i = 0; i < n; i++, p += esz) {
            uint64_t u = 0;
            for (size_t b = 0; b < esz; b++)
                u |= (uint64_t)p[b] << (8 * b);
            double v;
            if (dt == 1) {
                uint32_t w = (uint32_t)u;
                float f;
                memcpy(&f, &w, 4);
                v = f;
            } else if (dt == 11) {
                memcpy(&v, &u, 8);
            } else if (dt == 6) {
                v = (double)(int32_t)(uint32_t)u;
            } else if (dt == 7) {
                v = (double)(int64_t)u;
            } else if (dt == 3) {
                v = (double)(int8_t)(uint8_t)u;
            } else {
                v = (double)u;
            }
            t->cv[i] = v;
        }
    } else if (tp->n_int64_data == (size_t)n) {
        for (int i = 0; i < n; i++)
            t->cv[i] = (double)tp->int64_data[i];
    } else if (tp->n_float_data == (size_t)n) {
        for (int i = 0; i < n; i++)
            t->cv[i] = tp->float_data[i];
    } else if (tp->n_int32_data == (size_t)n) {
        for (int i = 0; i < n; i++)
            t->cv[i] = tp->int32_data[i];
    } else if (tp->n_double_data == (size_t)n) {
        for (int i = 0; i < n; i++)
            t->cv[i] = tp->double_data[i];
    } else {
        return;
    }
    t->ncv = n;
}

static int s_tensor_from_proto(s_tensor_t *t, const Onnx__TensorProto *tp)
{
    if (tp->n_dims > S_MAX_RANK)
        return -1;
    t->rank = (int)tp->n_dims;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return -1;
        t->d[i] = tp->dims[i];
    }
    t->known = 1;
    t->is_const = 1;
    s_read_values(t, tp);
    return 0;
}

static int64_t s_numel(const s_tensor_t *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->d[i];
    return n;
}

/* Input k of the current node, or NULL (absent or the empty name). */
static s_tensor_t *s_in(s_imp_t *im, size_t k)
{
    if (k >= im->n->n_input || !im->n->input[k] || !*im->n->input[k])
        return NULL;
    long i = s_find(im, im->n->input[k]);
    return i < 0 ? NULL : &im->t[i];
}

/* Input k, which must exist with a known shape. */
static int s_need(s_imp_t *im, size_t k, s_tensor_t **out)
{
    if (k >= im->n->n_input || !im->n->input[k] || !*im->n->input[k])
        return s_err(im, DSE_ECONFIG, "input %zu is missing", k);
    long i = s_find(im, im->n->input[k]);
    if (i < 0)
        return s_err(im, DSE_ECONFIG, "input '%.100s' is not produced by any earlier node, "
                     "initializer or graph input (nodes must be in topological order)",
                     im->n->input[k]);
    if (!im->t[i].known)
        return s_err(im, DSE_ECONFIG, "the shape of input '%.100s' is unknown (the graph does "
                     "not give it and it cannot be inferred)", im->n->input[k]);
    *out = &im->t[i];
    return 0;
}

static s_tensor_t *s_out(s_imp_t *im, size_t k)
{
    if (k >= im->n->n_output || !im->n->output[k] || !*im->n->output[k])
        return NULL;
    return s_def(im, im->n->output[k]);
}

/* The output takes the input's shape, bits and layer (element-wise, folded). */
static void s_pass(s_imp_t *im, const s_tensor_t *in)
{
    s_tensor_t copy = *in;
    s_tensor_t *o = s_out(im, 0);
    if (!o)
        return;
    const char *name = o->name;
    *o = copy;
    o->name = name;
}

/* Per-sample dimensions (without the batch). */
static int s_sample(const s_tensor_t *t, int64_t *out)
{
    int n = 0;
    for (int i = t->batch; i < t->rank; i++)
        out[n++] = t->d[i];
    return n;
}

/* ------------------------------------------------------------------ layers */

static const char *s_fate_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *s_fate_note(const char *fmt, ...)
{
    static __thread char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

static int s_supported(const s_imp_t *im, dse_op_t op) { return (im->o->ops >> op) & 1u; }

static int s_unsupported(s_imp_t *im, dse_op_t op)
{
    char list[256] = "";
    size_t k = 0;
    for (int i = 0; i < DSE_OP__COUNT; i++)
        if (s_supported(im, (dse_op_t)i))
            k += (size_t)snprintf(list + k, k < sizeof list ? sizeof list - k : 0, "%s%s",
                                  k ? ", " : "", dse_op_name((dse_op_t)i));
    return s_err(im, DSE_ENOTSUP, "model '%s' cannot cost it (it would be op \"%s\"; the model "
                 "costs: %s); add \"%s\" to [workload] onnx_ignore to drop such nodes knowingly",
                 im->o->model ? im->o->model : "?", dse_op_name(op), list,
                 im->n->op_type ? im->n->op_type : "");
}

static dse_net_layer_t *s_layer(s_imp_t *im, dse_op_t op, const char *suffix, long *index)
{
    char base[129], name[160];
    dse_network_clean_name(im->n->name, im->n->op_type, im->ni, base);
    snprintf(name, sizeof name, "%s%s", base, suffix ? suffix : "");
    dse_net_layer_t *L = dse_network_add_layer(im->net, name, op, im->ni);
    *index = (long)dse_network_n_layers(im->net) - 1;
    if (!suffix || !*suffix || strcmp(suffix, "_h0") == 0)
        dse_network_set_fate(im->net, im->ni, DSE_NODE_LAYER, *index, NULL);
    return L;
}

/* Sets the eltwise in_shape of a layer from per-sample dims (leading dims merged). */
static void s_elt_shape(dse_net_layer_t *L, const int64_t *s, int n)
{
    if (n == 0) {
        L->in_shape[0] = 1;
        L->n_in = 1;
        return;
    }
    int64_t lead = 1;
    for (int i = 0; i + 2 < n; i++)
        lead *= s[i];
    if (n <= 3) {
        for (int i = 0; i < n; i++)
            L->in_shape[i] = s[i];
        L->n_in = n;
    } else {
        L->in_shape[0] = lead, L->in_shape[1] = s[n - 2], L->in_shape[2] = s[n - 1];
        L->n_in = 3;
    }
}

/* An element-wise or row-wise layer of op on input 0; the output keeps its shape. */
static int s_elt_layer(s_imp_t *im, dse_op_t op, s_tensor_t *x)
{
    if (!s_supported(im, op))
        return s_unsupported(im, op);
    int64_t s[S_MAX_RANK];
    int n = s_sample(x, s);
    long li;
    dse_net_layer_t *L = s_layer(im, op, NULL, &li);
    s_elt_shape(L, s, n);
    if (x->bits)
        dse_net_layer_set_key(L, "act_bits", x->bits);
    s_pass(im, x);
    s_tensor_t *o = s_out(im, 0);
    if (o)
        o->layer = li, o->is_const = 0, o->ncv = -1;
    return 0;
}

/* Folds the current node into the layer whose output x is, when there is
 * one; returns 1 when it did. */
static int s_fold(s_imp_t *im, const s_tensor_t *x, const char *what)
{
    if (x->layer < 0)
        return 0;
    dse_network_set_fate(im->net, im->ni, DSE_NODE_FOLDED, x->layer, what);
    s_pass(im, x);
    return 1;
}

/* Sets the weight and activation bits of a MAC layer from its tensors. */
static void s_mac_bits(dse_net_layer_t *L, const s_tensor_t *x, const s_tensor_t *w)
{
    if (w && w->bits)
        dse_net_layer_set_key(L, "weight_bits", w->bits);
    if (x->bits)
        dse_net_layer_set_key(L, "act_bits", x->bits);
}

/* ------------------------------------------------------------------- ops */

/* kernel/stride/pads of a conv or pool over per-sample [C, H, W]; hw[2]. */
static int s_window(s_imp_t *im, const int64_t *hw, int dims1, const int64_t *kern, int64_t *k,
                    int64_t *st, int64_t *pad)
{
    int64_t a[8];
    size_t n;
    int nd = dims1 ? 1 : 2;
    k[0] = dims1 ? 1 : kern[0];
    k[1] = dims1 ? kern[0] : kern[1];
    st[0] = st[1] = 1;
    if ((n = s_attr_ints(im->n, "strides", a, 8)) != 0) {
        if (n != (size_t)nd)
            return s_err(im, DSE_ECONFIG, "strides has %zu values for a %d-D window", n, nd);
        st[0] = dims1 ? 1 : a[0], st[1] = dims1 ? a[0] : a[1];
    }
    if ((n = s_attr_ints(im->n, "dilations", a, 8)) != 0)
        for (size_t i = 0; i < n && i < 8; i++)
            if (a[i] != 1)
                return s_err(im, DSE_ENOTSUP, "dilated windows (dilations %lld) are not "
                             "modelled", (long long)a[i]);
    pad[0] = pad[1] = pad[2] = pad[3] = 0;
    char ap[32];
    const char *autopad = s_attr_s(im->n, "auto_pad", ap, sizeof ap);
    if (autopad && strcmp(autopad, "NOTSET") != 0 && strcmp(autopad, "VALID") != 0) {
        int upper = strcmp(autopad, "SAME_UPPER") == 0;
        if (!upper && strcmp(autopad, "SAME_LOWER") != 0)
            return s_err(im, DSE_ECONFIG, "unknown auto_pad \"%s\"", autopad);
        for (int i = 0; i < 2; i++) {
            int64_t out = (hw[i] + st[i] - 1) / st[i];
            int64_t total = (out - 1) * st[i] + k[i] - hw[i];
            if (total < 0)
                total = 0;
            int64_t small = total / 2, big = total - small;
            pad[i] = upper ? small : big;     /* begin: top, left */
            pad[i + 2] = upper ? big : small; /* end: bottom, right */
        }
    } else if ((n = s_attr_ints(im->n, "pads", a, 8)) != 0) {
        if (n != (size_t)(2 * nd))
            return s_err(im, DSE_ECONFIG, "pads has %zu values for a %d-D window", n, nd);
        if (dims1)
            pad[1] = a[0], pad[3] = a[1];
        else
            pad[0] = a[0], pad[1] = a[1], pad[2] = a[2], pad[3] = a[3];
    }
    for (int i = 0; i < 4; i++)
        if (pad[i] < 0 || pad[i] >= k[i % 2])
            return s_err(im, DSE_ENOTSUP, "padding %lld is not smaller than the %lldx%lld "
                         "window", (long long)pad[i], (long long)k[0], (long long)k[1]);
    for (int i = 0; i < 2; i++)
        if (k[i] < 1 || st[i] < 1 || k[i] > hw[i] + pad[i] + pad[i + 2])
            return s_err(im, DSE_ECONFIG, "the %lldx%lld window does not fit the %lldx%lld "
                         "input", (long long)k[0], (long long)k[1], (long long)hw[0],
                         (long long)hw[1]);
    return 0;
}

/* Per-sample [C, H, W] of x (1-D [C, W] read as [C, 1, W]); dims1 set for 1-D. */
static int s_chw(s_imp_t *im, const s_tensor_t *x, int64_t *chw, int *dims1)
{
    int64_t s[S_MAX_RANK];
    int n = s_sample(x, s);
    if (n == 3) {
        chw[0] = s[0], chw[1] = s[1], chw[2] = s[2];
        *dims1 = 0;
    } else if (n == 2) {
        chw[0] = s[0], chw[1] = 1, chw[2] = s[1];
        *dims1 = 1;
    } else {
        return s_err(im, DSE_ENOTSUP, "input '%.100s' has %d dimensions per sample; 1-D "
                     "[C, W] and 2-D [C, H, W] windows are modelled", x->name, n);
    }
    return 0;
}

static void s_out_chw(s_imp_t *im, const s_tensor_t *x, int dims1, int64_t c, int64_t h,
                      int64_t w, long layer, int bits)
{
    s_tensor_t *o = s_out(im, 0);
    if (!o)
        return;
    o->known = 1;
    o->batch = x->batch;
    o->rank = 0;
    if (x->batch)
        o->d[o->rank++] = x->d[0];
    o->d[o->rank++] = c;
    if (!dims1)
        o->d[o->rank++] = h;
    o->d[o->rank++] = w;
    o->layer = layer;
    o->bits = bits;
}

/* A Pad node before a window: its pads come off the input and go into the window's. */
static int s_take_pad(s_imp_t *im, const s_tensor_t *x, int64_t *chw, int64_t *pad,
                      const int64_t *k)
{
    const int64_t *fp = x->fmpad;
    if (!fp[0] && !fp[1] && !fp[2] && !fp[3])
        return 0;
    chw[1] -= fp[0] + fp[2];
    chw[2] -= fp[1] + fp[3];
    for (int i = 0; i < 4; i++) {
        pad[i] += fp[i];
        if (pad[i] >= k[i % 2])
            return s_err(im, DSE_ENOTSUP, "padding %lld (with the Pad before it) is not "
                         "smaller than the %lldx%lld window", (long long)pad[i], (long long)k[0],
                         (long long)k[1]);
    }
    return 0;
}

static int s_conv(s_imp_t *im)
{
    s_tensor_t *x, *w;
    int rc = s_need(im, 0, &x);
    if (!rc)
        rc = s_need(im, 1, &w);
    if (rc)
        return rc;
    int64_t chw[3], k[2], st[2], pad[4];
    int dims1;
    if ((rc = s_chw(im, x, chw, &dims1)))
        return rc;
    if (w->rank != (dims1 ? 3 : 4))
        return s_err(im, DSE_ECONFIG, "weight '%.100s' has rank %d, not %d", w->name, w->rank,
                     dims1 ? 3 : 4);
    int64_t cout = w->d[0], group = s_attr_i(im->n, "group", 1);
    if (group < 1 || chw[0] % group || w->d[1] * group != chw[0])
        return s_err(im, DSE_ECONFIG, "weight '%.100s' [%lld, %lld, ...] does not fit %lld input "
                     "channels in %lld groups", w->name, (long long)w->d[0], (long long)w->d[1],
                     (long long)chw[0], (long long)group);
    if ((rc = s_window(im, chw + 1, dims1, w->d + 2, k, st, pad)))
        return rc;
    if ((rc = s_take_pad(im, x, chw, pad, k)))
        return rc;
    dse_op_t op;
    if (group == 1)
        op = k[0] == 1 && k[1] == 1 && !pad[0] && !pad[1] && !pad[2] && !pad[3] ? DSE_OP_PW
                                                                               : DSE_OP_CONV2D;
    else if (group == chw[0] && cout == chw[0])
        op = DSE_OP_DW;
    else
        return s_err(im, DSE_ENOTSUP, "grouped convolution with group = %lld of %lld channels "
                     "(%lld outputs) is not modelled: group 1 becomes conv2d or pw, group = "
                     "channels = outputs becomes dw", (long long)group, (long long)chw[0],
                     (long long)cout);
    if (!s_supported(im, op))
        return s_unsupported(im, op);
    long li;
    dse_net_layer_t *L = s_layer(im, op, NULL, &li);
    memcpy(L->in_shape, chw, sizeof chw);
    L->n_in = 3;
    L->out_channels = cout;
    if (op != DSE_OP_PW) {
        L->n_kernel = 2;
        memcpy(L->kernel, k, sizeof k);
        memcpy(L->pad, pad, sizeof pad);
    } else {
        L->n_kernel = st[0] != 1 || st[1] != 1 ? 2 : 0;
        L->kernel[0] = L->kernel[1] = 1;
    }
    memcpy(L->stride, st, sizeof st);
    s_mac_bits(L, x, w);
    int64_t ho = (chw[1] + pad[0] + pad[2] - k[0]) / st[0] + 1;
    int64_t wo = (chw[2] + pad[1] + pad[3] - k[1]) / st[1] + 1;
    s_out_chw(im, x, dims1, cout, ho, wo, li, 0);
    return 0;
}

static int s_pool(s_imp_t *im, dse_op_t op, int global)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t chw[3], k[2], st[2], pad[4], kern[2];
    int dims1;
    if ((rc = s_chw(im, x, chw, &dims1)))
        return rc;
    if (global) {
        kern[0] = dims1 ? chw[2] : chw[1], kern[1] = chw[2];
        k[0] = chw[1], k[1] = chw[2];
        st[0] = k[0], st[1] = k[1];
        memset(pad, 0, sizeof pad);
    } else {
        size_t n = s_attr_ints(im->n, "kernel_shape", kern, 2);
        if (n != (dims1 ? 1u : 2u))
            return s_err(im, DSE_ECONFIG, "kernel_shape must have %d values", dims1 ? 1 : 2);
        if ((rc = s_window(im, chw + 1, dims1, kern, k, st, pad)))
            return rc;
        if ((rc = s_take_pad(im, x, chw, pad, k)))
            return rc;
        if (s_attr_i(im->n, "ceil_mode", 0))
            for (int i = 0; i < 2; i++)
                if ((chw[1 + i] + pad[i] + pad[i + 2] - k[i]) % st[i])
                    return s_err(im, DSE_ENOTSUP, "ceil_mode = 1 changes the output size here; "
                                 "only floor rounding is modelled");
    }
    if (!s_supported(im, op))
        return s_unsupported(im, op);
    long li;
    dse_net_layer_t *L = s_layer(im, op, NULL, &li);
    memcpy(L->in_shape, chw, sizeof chw);
    L->n_in = 3;
    L->n_kernel = 2;
    memcpy(L->kernel, k, sizeof k);
    memcpy(L->stride, st, sizeof st);
    memcpy(L->pad, pad, sizeof pad);
    if (x->bits)
        dse_net_layer_set_key(L, "act_bits", x->bits);
    int64_t ho = (chw[1] + pad[0] + pad[2] - k[0]) / st[0] + 1;
    int64_t wo = (chw[2] + pad[1] + pad[3] - k[1]) / st[1] + 1;
    s_out_chw(im, x, dims1, chw[0], ho, wo, li, x->bits);
    return 0;
}

/* Gemm and MatMul. */
static int s_matmul(s_imp_t *im, int gemm)
{
    s_tensor_t *a, *b;
    int rc = s_need(im, 0, &a);
    if (!rc)
        rc = s_need(im, 1, &b);
    if (rc)
        return rc;
    if (a->rank < 1 || b->rank < 1)
        return s_err(im, DSE_ECONFIG, "scalar operands");
    int64_t ad[S_MAX_RANK], bd[S_MAX_RANK];
    int ra = a->rank, rb = b->rank;
    memcpy(ad, a->d, sizeof ad);
    memcpy(bd, b->d, sizeof bd);
    if (gemm) {
        if (ra != 2 || rb != 2)
            return s_err(im, DSE_ECONFIG, "Gemm takes 2-D operands");
        if (s_attr_i(im->n, "transA", 0))
            ad[0] = a->d[1], ad[1] = a->d[0];
        if (s_attr_i(im->n, "transB", 0))
            bd[0] = b->d[1], bd[1] = b->d[0];
    }
    if (rb == 1) { /* a vector: [K] -> [K, 1] */
        bd[1] = 1, rb = 2;
    }
    int64_t K = ad[ra - 1], N = bd[rb - 1];
    if (bd[rb - 2] != K)
        return s_err(im, DSE_ECONFIG, "inner dimensions differ (%lld and %lld)", (long long)K,
                     (long long)bd[rb - 2]);
    /* rows per sample: A's dims between the batch and K */
    int64_t M = 1, heads = 1;
    int first = a->batch;
    if (ra - 1 > first)
        M = ad[ra - 2];
    for (int i = first; i < ra - 2; i++)
        heads *= ad[i];
    int b_const = b->is_const;
    if (b_const && rb == 2) {
        M *= heads; /* one weight for every row */
        heads = 1;
    }
    if (heads > S_MAX_HEADS)
        return s_err(im, DSE_ENOTSUP, "%lld matrix products (heads) in one node; at most %d "
                     "are imported as layers", (long long)heads, S_MAX_HEADS);
    dse_op_t op;
    if (b_const && M == 1 && s_supported(im, DSE_OP_LINEAR))
        op = DSE_OP_LINEAR;
    else if (s_supported(im, DSE_OP_GEMM))
        op = DSE_OP_GEMM;
    else if (s_supported(im, DSE_OP_MATMUL))
        op = DSE_OP_MATMUL;
    else
        return s_unsupported(im, b_const && M == 1 ? DSE_OP_LINEAR : DSE_OP_GEMM);
    long li = -1;
    int64_t layers = im->o->repeat && op != DSE_OP_LINEAR ? 1 : heads;
    for (int64_t h = 0; h < layers; h++) {
        char suffix[32] = "";
        if (layers > 1)
            snprintf(suffix, sizeof suffix, "_h%lld", (long long)h);
        long lh;
        dse_net_layer_t *L = s_layer(im, op, suffix, &lh);
        if (li < 0)
            li = lh;
        if (op == DSE_OP_LINEAR) {
            L->in_shape[0] = K;
            L->n_in = 1;
            L->out_channels = N;
        } else {
            L->dims[0] = M, L->dims[1] = N, L->dims[2] = K;
            L->n_dims = 3;
            if (!b_const)
                dse_net_layer_set_key(L, "const_weights", 0);
        }
        s_mac_bits(L, a, b_const ? b : NULL);
        if (!b_const && b->bits)
            dse_net_layer_set_key(L, "weight_bits", b->bits);
        if (layers == 1 && heads > 1)
            dse_net_layer_set_key(L, "repeat", (double)heads);
    }
    if (layers > 1) {
        char note[64];
        snprintf(note, sizeof note, "%lld layers, one per head", (long long)heads);
        dse_network_set_fate(im->net, im->ni, DSE_NODE_LAYER, li, note);
    }
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        o->known = 1;
        o->batch = a->batch;
        o->rank = ra;
        memcpy(o->d, ad, sizeof ad);
        o->d[ra - 1] = N;
        if (ra > 2 && rb > 2) /* broadcast leading dims of B */
            for (int i = 0; i < ra - 2 && i < rb - 2; i++)
                if (o->d[ra - 3 - i] == 1)
                    o->d[ra - 3 - i] = bd[rb - 3 - i];
        o->layer = li;
    }
    return 0;
}

/* Numpy broadcasting of inputs 0 and 1 into the output. */
static int s_broadcast(s_imp_t *im, const s_tensor_t *x, const s_tensor_t *y, s_tensor_t *o)
{
    int r = x->rank > y->rank ? x->rank : y->rank;
    int64_t d[S_MAX_RANK];
    for (int i = 0; i < r; i++) {
        int64_t a = i < r - x->rank ? 1 : x->d[i - (r - x->rank)];
        int64_t b = i < r - y->rank ? 1 : y->d[i - (r - y->rank)];
        if (a != b && a != 1 && b != 1)
            return s_err(im, DSE_ECONFIG, "shapes of '%.60s' and '%.60s' do not broadcast",
                         x->name, y->name);
        d[i] = a == 1 ? b : a;
    }
    o->rank = r;
    memcpy(o->d, d, sizeof d);
    o->known = 1;
    o->batch = (x->batch && x->rank == r) || (y->batch && y->rank == r);
    return 0;
}

/* Add, Sub, Mul, Div. */
static int s_binary(s_imp_t *im, dse_op_t op)
{
    s_tensor_t *x, *y;
    int rc = s_need(im, 0, &x);
    if (!rc)
        rc = s_need(im, 1, &y);
    if (rc)
        return rc;
    if (x->is_const && y->is_const) { /* constants: fold shapes and small values */
        s_tensor_t r;
        memset(&r, 0, sizeof r);
        if ((rc = s_broadcast(im, x, y, &r)))
            return rc;
        r.is_const = 1;
        r.ncv = -1;
        r.layer = -1;
        const char *opt = im->n->op_type;
        if (x->ncv >= 0 && y->ncv >= 0 && (x->ncv == y->ncv || x->ncv == 1 || y->ncv == 1)) {
            r.ncv = x->ncv > y->ncv ? x->ncv : y->ncv;
            for (int i = 0; i < r.ncv; i++) {
                double a = x->cv[x->ncv == 1 ? 0 : i], b = y->cv[y->ncv == 1 ? 0 : i];
                r.cv[i] = opt[0] == 'A' ? a + b : opt[0] == 'S' ? a - b : opt[0] == 'M' ? a * b
                          : b != 0 ? a / b : 0;
            }
        }
        s_tensor_t *o = s_out(im, 0);
        if (o) {
            const char *name = o->name;
            *o = r;
            o->name = name;
        }
        dse_network_set_fate(im->net, im->ni, DSE_NODE_SHAPE, -1, "constant, folded");
        return 0;
    }
    s_tensor_t *act = x->is_const ? y : x, *other = x->is_const ? x : y;
    if (other->is_const) { /* a bias or scale */
        if (s_fold(im, act, "a constant bias or scale"))
            goto shape;
        return s_elt_layer(im, op == DSE_OP_ADD || op == DSE_OP_MUL ? op : DSE_OP_ELEMENTWISE,
                           act);
    }
    if ((rc = s_elt_layer(im, op, x->rank >= y->rank ? x : y)))
        return rc;
shape:;
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        long layer = o->layer;
        int bits = o->bits;
        if ((rc = s_broadcast(im, x, y, o)))
            return rc;
        o->layer = layer, o->bits = bits, o->is_const = 0, o->ncv = -1;
    }
    return 0;
}

/* A fused activation or norm: into the producing layer, else its own layer. */
static int s_activation(s_imp_t *im, dse_op_t standalone)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    if (s_fold(im, x, "fused into the layer before it"))
        return 0;
    return s_elt_layer(im, standalone, x);
}

/* ------------------------------------------------------- shape-only nodes */

static void s_shape_only(s_imp_t *im, const char *note)
{
    dse_network_set_fate(im->net, im->ni, DSE_NODE_SHAPE, -1, note);
}

/* An axis attribute or value, normalised to [0, rank). */
static int s_axis(s_imp_t *im, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return s_err(im, DSE_ECONFIG, "axis %lld out of range for rank %d", (long long)axis,
                     rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return 0;
}

/* The int64 values of input k (a constant) or of attribute attr; count or -1. */
static int s_ints_of(s_imp_t *im, size_t k, const char *attr, int64_t *out, int max)
{
    s_tensor_t *c = s_in(im, k);
    if (c) {
        if (c->ncv < 0 || c->ncv > max)
            return -1;
        for (int i = 0; i < c->ncv; i++)
            out[i] = (int64_t)c->cv[i];
        return c->ncv;
    }
    if (attr) {
        size_t n = s_attr_ints(im->n, attr, out, (size_t)max);
        return n > (size_t)max ? -1 : (int)n;
    }
    return -1;
}

static int s_reshape(s_imp_t *im)
{
    s_tensor_t *x, in;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    in = *x;
    int64_t sh[S_MAX_RANK];
    int n = s_ints_of(im, 1, "shape", sh, S_MAX_RANK);
    if (n < 0)
        return s_err(im, DSE_ENOTSUP, "its target shape is not a constant the importer can "
                     "fold (Shape, Gather, Unsqueeze, Concat and arithmetic of constants are)");
    int64_t total = s_numel(&in), known = 1;
    int minus = -1;
    for (int i = 0; i < n; i++) {
        if (sh[i] == 0 && !s_attr_i(im->n, "allowzero", 0)) {
            if (i >= in.rank)
                return s_err(im, DSE_ECONFIG, "shape value 0 at %d copies a dimension the "
                             "input does not have", i);
            sh[i] = in.d[i];
        }
        if (sh[i] == -1) {
            if (minus >= 0)
                return s_err(im, DSE_ECONFIG, "two -1 in the target shape");
            minus = i;
        } else if (sh[i] < 0) {
            return s_err(im, DSE_ECONFIG, "target shape value %lld", (long long)sh[i]);
        } else {
            known *= sh[i];
        }
    }
    if (minus >= 0)
        sh[minus] = known ? total / known : 0;
    int64_t got = 1;
    for (int i = 0; i < n; i++)
        got *= sh[i];
    if (got != total)
        return s_err(im, DSE_ECONFIG, "reshape of %lld elements into %lld", (long long)total,
                     (long long)got);
    s_pass(im, &in);
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        o->rank = n;
        memcpy(o->d, sh, sizeof sh);
        o->batch = in.batch && n >= 2 && sh[0] == in.d[0];
    }
    s_shape_only(im, NULL);
    return 0;
}

static int s_flatten(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t ax = s_attr_i(im->n, "axis", 1);
    if (ax < -x->rank || ax > x->rank)
        return s_err(im, DSE_ECONFIG, "axis %lld out of range for rank %d", (long long)ax,
                     x->rank);
    int axis = (int)(ax < 0 ? ax + x->rank : ax);
    int64_t a = 1, b = 1;
    for (int i = 0; i < x->rank; i++)
        *(i < axis ? &a : &b) *= x->d[i];
    s_tensor_t in = *x;
    s_pass(im, &in);
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        o->rank = 2, o->d[0] = a, o->d[1] = b;
        o->batch = in.batch && axis == 1;
    }
    s_shape_only(im, NULL);
    return 0;
}

static int s_unsqueeze(s_imp_t *im, int squeeze)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t ax[S_MAX_RANK];
    int na = s_ints_of(im, 1, "axes", ax, S_MAX_RANK);
    s_tensor_t in = *x;
    int64_t d[S_MAX_RANK];
    int r = 0;
    if (squeeze) {
        int drop[S_MAX_RANK] = {0};
        if (na < 0)
            return s_err(im, DSE_ENOTSUP, "its axes are not a constant");
        if (na == 0)
            for (int i = 0; i < in.rank; i++)
                drop[i] = in.d[i] == 1;
        for (int i = 0; i < na; i++) {
            int a = 0;
            if ((rc = s_axis(im, ax[i], in.rank, &a)))
                return rc;
            drop[a] = 1;
        }
        for (int i = 0; i < in.rank; i++)
            if (!drop[i])
                d[r++] = in.d[i];
            else if (i == 0)
                in.batch = 0;
    } else {
        if (na <= 0 || in.rank + na > S_MAX_RANK)
            return s_err(im, DSE_ENOTSUP, "its axes are not a constant (or too many)");
        int ins[S_MAX_RANK] = {0};
        r = in.rank + na;
        for (int i = 0; i < na; i++) {
            int a = 0;
            if ((rc = s_axis(im, ax[i], r, &a)))
                return rc;
            ins[a] = 1;
        }
        for (int i = 0, j = 0; i < r; i++)
            d[i] = ins[i] ? 1 : in.d[j++];
        if (ins[0])
            in.batch = 0;
    }
    s_pass(im, &in);
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        o->rank = r;
        memcpy(o->d, d, sizeof d);
    }
    s_shape_only(im, NULL);
    return 0;
}

static int s_concat(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    s_tensor_t r = *x;
    int axis = 0;
    if ((rc = s_axis(im, s_attr_i(im->n, "axis", 0), r.rank, &axis)))
        return rc;
    for (size_t k = 1; k < im->n->n_input; k++) {
        s_tensor_t *y;
        if ((rc = s_need(im, k, &y)))
            return rc;
        if (y->rank != r.rank)
            return s_err(im, DSE_ECONFIG, "inputs of ranks %d and %d", r.rank, y->rank);
        r.d[axis] += y->d[axis];
        r.is_const = r.is_const && y->is_const;
        if (r.ncv >= 0 && y->ncv >= 0 && r.ncv + y->ncv <= S_MAX_CV) {
            memcpy(r.cv + r.ncv, y->cv, (size_t)y->ncv * sizeof(double));
            r.ncv += y->ncv;
        } else {
            r.ncv = -1;
        }
        if (y->layer >= 0 && r.layer < 0)
            r.layer = y->layer;
    }
    if (!r.is_const)
        r.ncv = -1;
    s_pass(im, &r);
    s_shape_only(im, r.is_const ? "constant, folded" : NULL);
    return 0;
}

static int s_gather(s_imp_t *im)
{
    s_tensor_t *x, *idx;
    int rc = s_need(im, 0, &x);
    if (!rc)
        rc = s_need(im, 1, &idx);
    if (rc)
        return rc;
    int axis = 0;
    if ((rc = s_axis(im, s_attr_i(im->n, "axis", 0), x->rank, &axis)))
        return rc;
    s_tensor_t r = *x;
    if (x->rank - 1 + idx->rank > S_MAX_RANK)
        return s_err(im, DSE_ENOTSUP, "result rank too large");
    int64_t d[S_MAX_RANK];
    int n = 0;
    for (int i = 0; i < axis; i++)
        d[n++] = x->d[i];
    for (int i = 0; i < idx->rank; i++)
        d[n++] = idx->d[i];
    for (int i = axis + 1; i < x->rank; i++)
        d[n++] = x->d[i];
    r.rank = n;
    memcpy(r.d, d, sizeof d);
    r.is_const = x->is_const && idx->is_const;
    r.ncv = -1;
    if (r.is_const && x->rank == 1 && x->ncv >= 0 && idx->ncv >= 0) {
        r.ncv = idx->ncv;
        for (int i = 0; i < idx->ncv; i++) {
            int64_t j = (int64_t)idx->cv[i];
            if (j < 0)
                j += x->ncv;
            if (j < 0 || j >= x->ncv)
                return s_err(im, DSE_ECONFIG, "index %lld out of range", (long long)j);
            r.cv[i] = x->cv[j];
        }
    }
    r.batch = x->batch && axis > 0;
    if (!x->is_const)
        r.layer = x->layer;
    else
        r.layer = -1;
    s_pass(im, &r);
    s_shape_only(im, r.is_const ? "constant, folded" : NULL);
    return 0;
}

static int s_shape(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    s_tensor_t r;
    memset(&r, 0, sizeof r);
    r.known = 1, r.rank = 1, r.d[0] = x->rank, r.is_const = 1, r.layer = -1;
    int64_t start = s_attr_i(im->n, "start", 0), end = s_attr_i(im->n, "end", x->rank);
    if (start < 0)
        start += x->rank;
    if (end < 0)
        end += x->rank;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < 0 ? 0 : end > x->rank ? x->rank : end;
    if (start > end)
        start = end;
    r.ncv = 0;
    for (int64_t i = start; i < end; i++)
        r.cv[r.ncv++] = (double)x->d[i];
    r.d[0] = r.ncv;
    s_pass(im, &r);
    s_shape_only(im, "constant, folded");
    return 0;
}

static int s_constant(s_imp_t *im)
{
    s_tensor_t *o = s_out(im, 0);
    if (!o)
        return 0;
    const Onnx__AttributeProto *a;
    o->layer = -1;
    if ((a = s_attr(im->n, "value")) && a->t) {
        if (s_tensor_from_proto(o, a->t))
            return s_err(im, DSE_ECONFIG, "its tensor has an invalid shape");
    } else if ((a = s_attr(im->n, "value_int")) || (a = s_attr(im->n, "value_float"))) {
        o->known = 1, o->rank = 0, o->is_const = 1, o->ncv = 1;
        o->cv[0] = a->has_i ? (double)a->i : a->f;
    } else if ((a = s_attr(im->n, "value_ints")) || (a = s_attr(im->n, "value_floats"))) {
        size_t n = a->n_ints ? a->n_ints : a->n_floats;
        o->known = 1, o->rank = 1, o->d[0] = (int64_t)n, o->is_const = 1;
        o->ncv = n <= S_MAX_CV ? (int)n : -1;
        for (size_t i = 0; i < n && i < S_MAX_CV; i++)
            o->cv[i] = a->n_ints ? (double)a->ints[i] : a->floats[i];
    } else {
        return s_err(im, DSE_ENOTSUP, "a Constant without a tensor, integer or float value");
    }
    s_shape_only(im, "constant");
    return 0;
}

/* Pad (constant mode): spatial pads of a [N, C, H, W] or [N, C, W] tensor are
 * kept on the output and go into the next window (Conv, pooling); the
 * output shape grows by all the pads. */
static int s_pad(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    char mode[32];
    const char *md = s_attr_s(im->n, "mode", mode, sizeof mode);
    if (md && strcmp(md, "constant") != 0)
        return s_err(im, DSE_ENOTSUP, "pad mode \"%s\" is not modelled (constant only)", md);
    int64_t p[2 * S_MAX_RANK];
    int n = s_ints_of(im, 1, "pads", p, 2 * S_MAX_RANK);
    if (n != 2 * x->rank)
        return s_err(im, DSE_ENOTSUP, "its pads are not a constant of %d values", 2 * x->rank);
    s_tensor_t in = *x;
    for (int i = 0; i < n; i++)
        if (p[i] < 0)
            return s_err(im, DSE_ENOTSUP, "negative pads (cropping) are not modelled");
    s_pass(im, &in);
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        for (int i = 0; i < in.rank; i++)
            o->d[i] = in.d[i] + p[i] + p[i + in.rank];
        o->layer = -1;
        memset(o->fmpad, 0, sizeof o->fmpad);
        int r = in.rank;
        if (r == 4 && in.batch && !p[0] && !p[1] && !p[r] && !p[r + 1]) {
            o->fmpad[0] = in.fmpad[0] + p[2], o->fmpad[1] = in.fmpad[1] + p[3];
            o->fmpad[2] = in.fmpad[2] + p[r + 2], o->fmpad[3] = in.fmpad[3] + p[r + 3];
        } else if (r == 3 && in.batch && !p[0] && !p[1] && !p[r] && !p[r + 1]) {
            o->fmpad[1] = in.fmpad[1] + p[2], o->fmpad[3] = in.fmpad[3] + p[r + 2];
        }
    }
    s_shape_only(im, "padding, into the next window");
    return 0;
}

/* Slice with constant starts, ends, axes and steps (shape-only). */
static int s_slice(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t st[S_MAX_RANK], en[S_MAX_RANK], ax[S_MAX_RANK], sp[S_MAX_RANK];
    int ns = s_ints_of(im, 1, "starts", st, S_MAX_RANK);
    int ne = s_ints_of(im, 2, "ends", en, S_MAX_RANK);
    int na = s_ints_of(im, 3, "axes", ax, S_MAX_RANK);
    int np = s_ints_of(im, 4, "steps", sp, S_MAX_RANK);
    if (ns < 1 || ne != ns || (na >= 0 && na != 0 && na != ns) || (np > 0 && np != ns))
        return s_err(im, DSE_ENOTSUP, "its starts, ends, axes and steps are not constants of "
                     "one length");
    s_tensor_t r = *x;
    r.ncv = -1;
    for (int i = 0; i < ns; i++) {
        int a = i;
        if (na > 0 && (rc = s_axis(im, ax[i], x->rank, &a)))
            return rc;
        int64_t step = np > 0 ? sp[i] : 1, dim = x->d[a];
        if (step == 0)
            return s_err(im, DSE_ECONFIG, "a step of 0");
        int64_t b = st[i] < 0 ? st[i] + dim : st[i], e = en[i] < 0 ? en[i] + dim : en[i];
        if (step > 0) {
            b = b < 0 ? 0 : b > dim ? dim : b;
            e = e < 0 ? 0 : e > dim ? dim : e;
            r.d[a] = e > b ? (e - b + step - 1) / step : 0;
        } else {
            b = b < -1 ? -1 : b > dim - 1 ? dim - 1 : b;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            r.d[a] = b > e ? (b - e - step - 1) / -step : 0;
        }
        if (a == 0 && x->batch && r.d[a] != x->d[a])
            r.batch = 0;
        /* a slice of a small 1-D constant is folded */
        if (x->rank == 1 && x->ncv >= 0 && step == 1 && ns == 1) {
            r.ncv = (int)r.d[0];
            for (int k = 0; k < r.ncv; k++)
                r.cv[k] = x->cv[b + k];
        }
    }
    r.is_const = x->is_const;
    s_pass(im, &r);
    s_shape_only(im, r.is_const ? "constant, folded" : NULL);
    return 0;
}

/* Split into equal parts or the given sizes (shape-only). */
static int s_split(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int axis = 0;
    if ((rc = s_axis(im, s_attr_i(im->n, "axis", 0), x->rank, &axis)))
        return rc;
    size_t no = im->n->n_output;
    int64_t sz[64];
    int n = s_ints_of(im, 1, "split", sz, 64);
    if (no == 0 || no > 64)
        return s_err(im, DSE_ENOTSUP, "%zu outputs", no);
    if (n < 0 && s_in(im, 1)) { /* sizes known at run time: the graph's shapes, if any */
        for (size_t k = 0; k < no; k++)
            if (im->n->output[k] && *im->n->output[k])
                s_def(im, im->n->output[k])->known = 0;
        s_shape_only(im, NULL);
        return 0;
    }
    if (n <= 0) {
        int64_t part = (x->d[axis] + (int64_t)no - 1) / (int64_t)no;
        for (size_t k = 0; k < no; k++) {
            int64_t left = x->d[axis] - part * (int64_t)k;
            sz[k] = left < part ? (left > 0 ? left : 0) : part;
        }
        n = (int)no;
    }
    if ((size_t)n != no)
        return s_err(im, DSE_ECONFIG, "%d sizes for %zu outputs", n, no);
    s_tensor_t in = *x;
    in.ncv = -1;
    for (size_t k = 0; k < no; k++) {
        if (!im->n->output[k] || !*im->n->output[k])
            continue;
        s_tensor_t *o = s_def(im, im->n->output[k]);
        const char *name = o->name;
        *o = in;
        o->name = name;
        o->d[axis] = sz[k];
        if (axis == 0)
            o->batch = 0;
    }
    s_shape_only(im, NULL);
    return 0;
}

/* ReduceMean over the spatial axes of [N, C, H, W] with keepdims: a global
 * average pooling (how TensorFlow exports write it). */
static int s_reduce_mean(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t ax[S_MAX_RANK];
    int na = s_ints_of(im, 1, "axes", ax, S_MAX_RANK);
    int spatial = x->rank == 4 && x->batch && na == 2;
    for (int i = 0; spatial && i < 2; i++) {
        int a = 0;
        if ((rc = s_axis(im, ax[i], 4, &a)))
            return rc;
        spatial = a == 2 + i || a == 3 - i;
    }
    if (!spatial)
        return s_err(im, DSE_ENOTSUP, "only a mean over the two spatial axes of [N, C, H, W] is "
                     "modelled (as a global average pooling)");
    int keep = (int)s_attr_i(im->n, "keepdims", 1);
    if ((rc = s_pool(im, DSE_OP_AVGPOOL, 1)))
        return rc;
    s_tensor_t *o = s_out(im, 0);
    if (o && !keep)
        o->rank = 2;
    return 0;
}

static int s_transpose(s_imp_t *im)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    int64_t perm[S_MAX_RANK];
    size_t n = s_attr_ints(im->n, "perm", perm, S_MAX_RANK);
    if (n == 0) {
        n = (size_t)x->rank;
        for (size_t i = 0; i < n; i++)
            perm[i] = x->rank - 1 - (int64_t)i;
    }
    if (n != (size_t)x->rank)
        return s_err(im, DSE_ECONFIG, "perm has %zu values for rank %d", n, x->rank);
    s_tensor_t in = *x;
    int64_t d[S_MAX_RANK];
    for (size_t i = 0; i < n; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank)
            return s_err(im, DSE_ECONFIG, "perm value %lld", (long long)perm[i]);
        d[i] = in.d[perm[i]];
    }
    if (s_supported(im, DSE_OP_TRANSPOSE) && !in.is_const) {
        if ((rc = s_elt_layer(im, DSE_OP_TRANSPOSE, &in)))
            return rc;
    } else {
        s_pass(im, &in);
        s_shape_only(im, NULL);
    }
    s_tensor_t *o = s_out(im, 0);
    if (o) {
        memcpy(o->d, d, sizeof d);
        o->batch = in.batch && perm[0] == 0;
    }
    return 0;
}

/* ------------------------------------------------------------- quantizers */

/* Quant, BipolarQuant, Trunc, MultiThreshold: the output carries `bits`; an
 * activation quantizer after a layer is that layer's output (thresholds). */
static int s_quant(s_imp_t *im, int bits)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    if (rc)
        return rc;
    if (bits < 1 || bits > 64)
        return s_err(im, DSE_ECONFIG, "its bit width is not a constant from 1 to 64");
    s_tensor_t in = *x;
    if (in.is_const) { /* a weight quantizer */
        s_pass(im, &in);
        s_tensor_t *o = s_out(im, 0);
        if (o)
            o->bits = bits, o->ncv = -1;
        dse_network_set_fate(im->net, im->ni, DSE_NODE_FOLDED, -1,
                             s_fate_note("weights, %d bits", bits));
        return 0;
    }
    if (in.layer >= 0) {
        dse_net_layer_t *L = dse_network_layer(im->net, (size_t)in.layer);
        if (L->op != DSE_OP_MAXPOOL && L->op != DSE_OP_AVGPOOL && !dse_op_is_eltwise(L->op)) {
            dse_net_layer_set_key(L, "out_bits", bits);
            dse_net_layer_set_key(L, "activation", 1);
        }
        dse_network_set_fate(im->net, im->ni, DSE_NODE_FOLDED, in.layer,
                             s_fate_note("output activation, %d bits", bits));
    } else {
        dse_network_set_fate(im->net, im->ni, DSE_NODE_FOLDED, -1,
                             s_fate_note("input quantizer, %d bits", bits));
    }
    s_pass(im, &in);
    s_tensor_t *o = s_out(im, 0);
    if (o)
        o->bits = bits, o->layer = -1;
    return 0;
}

static int s_const_bits(s_imp_t *im, size_t k)
{
    s_tensor_t *c = s_in(im, k);
    if (!c || c->ncv != 1 || c->cv[0] != floor(c->cv[0]))
        return -1;
    return (int)c->cv[0];
}

static int s_multithreshold(s_imp_t *im)
{
    char buf[32];
    int bits = s_dtype_bits(s_attr_s(im->n, "out_dtype", buf, sizeof buf));
    if (!bits)
        bits = s_dtype_bits(s_attr_s(im->n, "outputDataType", buf, sizeof buf));
    if (!bits) {
        s_tensor_t *th = s_in(im, 1);
        if (!th || !th->known || th->rank != 2)
            return s_err(im, DSE_ECONFIG, "neither out_dtype nor [C, T] thresholds give its "
                         "output bits");
        int64_t t = th->d[1];
        for (bits = 1; ((int64_t)1 << bits) - 1 < t && bits < 64; bits++)
            ;
    }
    return s_quant(im, bits);
}

/* -------------------------------------------------------- FINN dataflow */

/* A FINN dataflow op_type: its base name without the _hls / _rtl / _Batch
 * suffixes of the FINN versions, or NULL. */
static int s_df(const char *op, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(op, base, n) != 0)
        return 0;
    const char *rest = op + n;
    return !*rest || strcmp(rest, "_hls") == 0 || strcmp(rest, "_rtl") == 0 ||
           strcmp(rest, "_Batch") == 0;
}

static char *s_clean_dup(const char *name)
{
    char buf[129];
    dse_network_clean_name(name, "node", 0, buf);
    return dse_xstrdup(buf);
}

static int s_df_bits(s_imp_t *im, const char *attr, int *bits, int *sgn)
{
    char buf[32];
    const char *dt = s_attr_s(im->n, attr, buf, sizeof buf);
    *bits = s_dtype_bits(dt);
    if (sgn)
        *sgn = s_dtype_signed(dt);
    if (!*bits)
        return s_err(im, DSE_ECONFIG, "attribute %s is missing or not a FINN datatype", attr);
    return 0;
}

static s_tensor_t *s_df_out(s_imp_t *im)
{
    s_tensor_t *o = s_out(im, 0);
    if (o) { /* the shape comes from value_info (FINN graphs carry it) */
        o->known = 0;
        o->layer = -1;
        o->is_const = 0;
        o->ncv = -1;
        o->swg = 0;
        memset(o->fmpad, 0, sizeof o->fmpad);
    }
    return o;
}

static int s_ints2(s_imp_t *im, const char *name, int64_t *v)
{
    size_t n = s_attr_ints(im->n, name, v, 2);
    if (n == 1)
        v[1] = v[0];
    else if (n != 2)
        return s_err(im, DSE_ECONFIG, "attribute %s must hold 1 or 2 integers", name);
    if (v[0] < 1 || v[1] < 1)
        return s_err(im, DSE_ECONFIG, "attribute %s must be positive", name);
    return 0;
}

static int s_fmpadding(s_imp_t *im)
{
    int64_t pad[4];
    size_t n = s_attr_ints(im->n, "Padding", pad, 4);
    if (n != 4)
        return s_err(im, DSE_ECONFIG, "attribute Padding must hold [top, left, bottom, right]");
    s_tensor_t *o = s_df_out(im);
    if (o)
        memcpy(o->fmpad, pad, sizeof pad);
    s_shape_only(im, "padding, into the next layer");
    return 0;
}

static int s_swg(s_imp_t *im)
{
    int64_t k[2], in[2], st[2];
    int rc = s_ints2(im, "ConvKernelDim", k);
    if (!rc)
        rc = s_ints2(im, "IFMDim", in);
    if (!rc)
        rc = s_ints2(im, "Stride", st);
    if (rc)
        return rc;
    int64_t c = s_attr_i(im->n, "IFMChannels", 0);
    if (c < 1)
        return s_err(im, DSE_ECONFIG, "attribute IFMChannels is missing");
    int64_t dil[2] = {1, 1};
    if (s_attr_ints(im->n, "Dilation", dil, 2) && (dil[0] != 1 || (dil[1] != 1 && dil[1])))
        return s_err(im, DSE_ENOTSUP, "dilated windows are not modelled");
    s_tensor_t *x = s_in(im, 0);
    int64_t pad[4] = {0, 0, 0, 0};
    if (x)
        memcpy(pad, x->fmpad, sizeof pad);
    s_tensor_t *o = s_df_out(im);
    if (o) {
        o->swg = im->ni + 1;
        memcpy(o->swg_k, k, sizeof k);
        memcpy(o->swg_in, in, sizeof in);
        memcpy(o->swg_stride, st, sizeof st);
        memcpy(o->fmpad, pad, sizeof pad);
        o->swg_c = c;
        o->swg_dw = s_attr_i(im->n, "depthwise", 0);
    }
    /* the layer is made by the MVAU/VVAU after it, which sets the fate */
    s_shape_only(im, "a sliding-window generator without a compute node after it");
    return 0;
}

/* The conv geometry of an SWG output into L: in_shape, kernel, stride, padding. */
static int s_df_conv(s_imp_t *im, dse_net_layer_t *L, const s_tensor_t *x)
{
    const int64_t *p = x->fmpad;
    int64_t h = x->swg_in[0] - p[0] - p[2], w = x->swg_in[1] - p[1] - p[3];
    if (h < 1 || w < 1 || p[0] >= x->swg_k[0] || p[2] >= x->swg_k[0] || p[1] >= x->swg_k[1] ||
        p[3] >= x->swg_k[1])
        return s_err(im, DSE_ENOTSUP, "the padding before its window generator is not "
                     "smaller than the %lldx%lld window", (long long)x->swg_k[0],
                     (long long)x->swg_k[1]);
    L->in_shape[0] = x->swg_c, L->in_shape[1] = h, L->in_shape[2] = w;
    L->n_in = 3;
    L->n_kernel = 2;
    memcpy(L->kernel, x->swg_k, sizeof L->kernel);
    memcpy(L->stride, x->swg_stride, sizeof L->stride);
    memcpy(L->pad, p, sizeof L->pad);
    dse_network_set_fate(im->net, x->swg - 1, DSE_NODE_FOLDED,
                         (long)dse_network_n_layers(im->net) - 1, "the layer's window generator");
    return 0;
}

/* MVAU (MatrixVectorActivation, StreamingFCLayer) and VVAU. */
static int s_df_mac(s_imp_t *im, int vvau)
{
    s_tensor_t *x = s_in(im, 0);
    int wbits, abits, obits, asgn;
    int rc = s_df_bits(im, "weightDataType", &wbits, NULL);
    if (!rc)
        rc = s_df_bits(im, "inputDataType", &abits, &asgn);
    if (!rc)
        rc = s_df_bits(im, "outputDataType", &obits, NULL);
    if (rc)
        return rc;
    int noact = (int)s_attr_i(im->n, "noActivation", 0);
    dse_op_t op;
    int64_t mw = 0, mh = 0, ch = 0;
    if (vvau) {
        ch = s_attr_i(im->n, "Channels", 0);
        if (ch < 1)
            return s_err(im, DSE_ECONFIG, "attribute Channels is missing");
        if (!x || !x->swg)
            return s_err(im, DSE_ENOTSUP, "a VectorVectorActivation without a "
                         "ConvolutionInputGenerator before it");
        op = DSE_OP_DW;
    } else {
        mw = s_attr_i(im->n, "MW", 0), mh = s_attr_i(im->n, "MH", 0);
        if (mw < 1 || mh < 1)
            return s_err(im, DSE_ECONFIG, "attributes MW and MH are missing");
        op = x && x->swg ? (x->swg_dw ? DSE_OP_DW : DSE_OP_CONV2D) : DSE_OP_LINEAR;
        if (op == DSE_OP_CONV2D && x->swg_k[0] * x->swg_k[1] * x->swg_c != mw)
            return s_err(im, DSE_ECONFIG, "MW = %lld is not the %lldx%lldx%lld window of the "
                         "generator before it", (long long)mw, (long long)x->swg_k[0],
                         (long long)x->swg_k[1], (long long)x->swg_c);
    }
    if (op == DSE_OP_LINEAR) { /* several input vectors without a window: a 1x1 conv */
        int64_t v[4];
        size_t n = s_attr_ints(im->n, "numInputVectors", v, 4);
        if (n == 3 && v[1] * v[2] > 1)
            op = DSE_OP_PW;
        if (op == DSE_OP_PW) {
            if (!s_supported(im, op))
                return s_unsupported(im, op);
            long li;
            dse_net_layer_t *L = s_layer(im, op, NULL, &li);
            L->in_shape[0] = mw, L->in_shape[1] = v[1], L->in_shape[2] = v[2];
            L->n_in = 3;
            L->out_channels = mh;
            goto keys;
        }
    }
    if (!s_supported(im, op))
        return s_unsupported(im, op);
    long li;
    dse_net_layer_t *L = s_layer(im, op, NULL, &li);
    if (op == DSE_OP_LINEAR) {
        L->in_shape[0] = mw;
        L->n_in = 1;
        L->out_channels = mh;
    } else {
        if ((rc = s_df_conv(im, L, x)))
            return rc;
        L->out_channels = op == DSE_OP_DW ? x->swg_c : mh;
        /* FINN's folding_config.json names both nodes of the layer */
        L->src_names[0] = s_clean_dup(im->g->node[x->swg - 1]->name);
    }
keys:
    L = dse_network_layer(im->net, dse_network_n_layers(im->net) - 1);
    L->src_names[1] = s_clean_dup(im->n->name);
    dse_net_layer_set_key(L, "weight_bits", wbits);
    dse_net_layer_set_key(L, "act_bits", abits);
    dse_net_layer_set_key(L, "act_signed", asgn);
    dse_net_layer_set_key(L, "out_bits", noact ? 32 : obits);
    dse_net_layer_set_key(L, "activation", !noact);
    s_tensor_t *o = s_df_out(im);
    if (o)
        o->layer = (long)dse_network_n_layers(im->net) - 1, o->bits = obits;
    return 0;
}

static int s_df_pool(s_imp_t *im)
{
    int64_t k[2], in[2];
    int rc = s_ints2(im, "PoolDim", k);
    if (!rc)
        rc = s_ints2(im, "ImgDim", in);
    if (rc)
        return rc;
    int64_t c = s_attr_i(im->n, "NumChannels", 0);
    int bits, sgn;
    if (c < 1)
        return s_err(im, DSE_ECONFIG, "attribute NumChannels is missing");
    if ((rc = s_df_bits(im, "dataType", &bits, &sgn)))
        return rc;
    if (!s_supported(im, DSE_OP_MAXPOOL))
        return s_unsupported(im, DSE_OP_MAXPOOL);
    long li;
    dse_net_layer_t *L = s_layer(im, DSE_OP_MAXPOOL, NULL, &li);
    L->in_shape[0] = c, L->in_shape[1] = in[0], L->in_shape[2] = in[1];
    L->n_in = 3;
    L->n_kernel = 2;
    memcpy(L->kernel, k, sizeof L->kernel);
    memcpy(L->stride, k, sizeof L->stride);
    L->src_names[1] = s_clean_dup(im->n->name);
    dse_net_layer_set_key(L, "act_bits", bits);
    s_tensor_t *o = s_df_out(im);
    if (o)
        o->layer = li, o->bits = bits;
    return 0;
}

/* ----------------------------------------------------------------- nodes */

static int s_is(const char *op, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(op, list[i]) == 0)
            return 1;
    return 0;
}

static int s_node(s_imp_t *im);

/* A node dropped by onnx_ignore: its output shape is still inferred (as if
 * every op were costed) where the importer knows the op, but no layer stays
 * and nothing folds into what it produced. */
static int s_ignored(s_imp_t *im)
{
    size_t before = dse_network_n_layers(im->net);
    dse_onnx_opts_t all = *im->o;
    const dse_onnx_opts_t *saved = im->o;
    all.ops = ~0u;
    im->o = &all;
    im->ignoring = 1;
    dse_error_t *saved_err = im->err, scratch = DSE_ERROR_INIT;
    im->err = &scratch;
    int rc = s_node(im);
    im->o = saved;
    im->err = saved_err;
    im->ignoring = 0;
    if (rc) { /* an op the importer does not know: its output is its input */
        s_tensor_t *x = s_in(im, 0);
        if (x)
            s_pass(im, x);
    }
    dse_network_truncate(im->net, before);
    for (size_t k = 0; k < im->n->n_output; k++) {
        long t = im->n->output[k] ? s_find(im, im->n->output[k]) : -1;
        if (t >= 0)
            im->t[t].layer = -1;
    }
    dse_network_set_fate(im->net, im->ni, DSE_NODE_IGNORED, -1, "onnx_ignore");
    return 0;
}

/* The node groups below return S_OTHER for an op that is not theirs. */
#define S_OTHER 1

/* FINN's dataflow layers (any of their hls/rtl flavours) */
static int s_node_dataflow(s_imp_t *im, const char *op)
{
    if (s_df(op, "MatrixVectorActivation") || s_df(op, "MVAU") ||
        s_df(op, "StreamingFCLayer"))
        return s_df_mac(im, 0);
    if (s_df(op, "VectorVectorActivation") || s_df(op, "VVAU"))
        return s_df_mac(im, 1);
    if (s_df(op, "ConvolutionInputGenerator") || s_df(op, "ConvolutionInputGenerator1D"))
        return s_swg(im);
    if (s_df(op, "FMPadding"))
        return s_fmpadding(im);
    if (s_df(op, "StreamingMaxPool"))
        return s_df_pool(im);
    return S_OTHER;
}

/* convolutions, products and pools */
static int s_node_compute(s_imp_t *im, const char *op)
{
    if (strcmp(op, "Conv") == 0)
        return s_conv(im);
    if (strcmp(op, "Gemm") == 0)
        return s_matmul(im, 1);
    if (strcmp(op, "MatMul") == 0)
        return s_matmul(im, 0);
    if (strcmp(op, "MaxPool") == 0)
        return s_pool(im, DSE_OP_MAXPOOL, 0);
    if (strcmp(op, "AveragePool") == 0)
        return s_pool(im, DSE_OP_AVGPOOL, 0);
    if (strcmp(op, "GlobalAveragePool") == 0)
        return s_pool(im, DSE_OP_AVGPOOL, 1);
    if (strcmp(op, "GlobalMaxPool") == 0)
        return s_pool(im, DSE_OP_MAXPOOL, 1);
    return S_OTHER;
}

/* one elementwise layer of the given op over input 0 */
static int s_node_elt(s_imp_t *im, dse_op_t kind)
{
    s_tensor_t *x;
    int rc = s_need(im, 0, &x);
    return rc ? rc : s_elt_layer(im, kind, x);
}

/* activations, normalisations and the other elementwise ops */
static int s_node_elementwise(s_imp_t *im, const char *op)
{
    static const char *const fused[] = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid",
                                        "Tanh", "PRelu", "Elu", "Selu", "Softplus", "Softsign",
                                        "ThresholdedRelu", "BatchNormalization",
                                        "RequantShift", "Requant", NULL};
    static const char *const unary[] = {"Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal",
                                        "Erf", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos",
                                        NULL};
    if (s_is(op, fused)) {
        if (strcmp(op, "RequantShift") == 0 || strcmp(op, "Requant") == 0)
            return s_activation(im, DSE_OP_REQUANT);
        return s_activation(im, DSE_OP_ELEMENTWISE);
    }
    if (strcmp(op, "HardSwish") == 0 || strcmp(op, "iHardswish") == 0)
        return s_activation(im, DSE_OP_HARDSWISH);
    if (strcmp(op, "Gelu") == 0 || strcmp(op, "iGELU") == 0)
        return s_node_elt(im, DSE_OP_GELU);
    if (strcmp(op, "Softmax") == 0 || strcmp(op, "LogSoftmax") == 0 ||
        strcmp(op, "iSoftmax") == 0 || strcmp(op, "ITAMax") == 0 ||
        strcmp(op, "ITAPartialMax") == 0)
        return s_node_elt(im, DSE_OP_SOFTMAX);
    if (strcmp(op, "LayerNormalization") == 0 || strcmp(op, "iLayerNorm") == 0)
        return s_node_elt(im, DSE_OP_LAYERNORM);
    if (strcmp(op, "iRMSNorm") == 0 || strcmp(op, "SimplifiedLayerNormalization") == 0 ||
        strcmp(op, "RMSNormalization") == 0)
        return s_node_elt(im, DSE_OP_RMSNORM);
    if (strcmp(op, "Add") == 0 || strcmp(op, "Sub") == 0)
        return s_binary(im, DSE_OP_ADD);
    if (strcmp(op, "Mul") == 0)
        return s_binary(im, DSE_OP_MUL);
    if (strcmp(op, "Div") == 0 || strcmp(op, "TrueIntegerDiv") == 0 ||
        strcmp(op, "IntegerDiv") == 0)
        return s_binary(im, DSE_OP_ELEMENTWISE);
    if (s_is(op, unary))
        return s_node_elt(im, DSE_OP_ELEMENTWISE);
    if (strcmp(op, "Pow") == 0 || strcmp(op, "Min") == 0 || strcmp(op, "Max") == 0 ||
        strcmp(op, "Sum") == 0 || strcmp(op, "Mean") == 0)
        return im->n->n_input == 2 ? s_binary(im, DSE_OP_ELEMENTWISE)
                                   : s_err(im, DSE_ENOTSUP, "%zu inputs (2 are modelled)",
                                           im->n->n_input);
    return S_OTHER;
}

/* ops that only move, reshape or describe tensors */
static int s_node_shape(s_imp_t *im, const char *op)
{
    static const char *const passes[] = {"Identity", "Dropout", "Cast", "CastLike",
                                         "StreamingDataWidthConverter_Batch",
                                         "StreamingDataWidthConverter_hls",
                                         "StreamingDataWidthConverter_rtl", "StreamingFIFO",
                                         "StreamingFIFO_rtl", NULL};
    if (s_is(op, passes)) {
        s_tensor_t *x = s_in(im, 0);
        if (!x)
            return s_err(im, DSE_ECONFIG, "input 0 is missing or unknown");
        s_pass(im, x);
        s_shape_only(im, NULL);
        return 0;
    }
    if (strcmp(op, "Reshape") == 0)
        return s_reshape(im);
    if (strcmp(op, "Flatten") == 0)
        return s_flatten(im);
    if (strcmp(op, "Unsqueeze") == 0)
        return s_unsqueeze(im, 0);
    if (strcmp(op, "Squeeze") == 0)
        return s_unsqueeze(im, 1);
    if (strcmp(op, "Concat") == 0)
        return s_concat(im);
    if (strcmp(op, "Gather") == 0)
        return s_gather(im);
    if (strcmp(op, "Shape") == 0)
        return s_shape(im);
    if (strcmp(op, "Constant") == 0)
        return s_constant(im);
    if (strcmp(op, "Transpose") == 0)
        return s_transpose(im);
    if (strcmp(op, "Pad") == 0)
        return s_pad(im);
    if (strcmp(op, "Slice") == 0)
        return s_slice(im);
    if (strcmp(op, "Split") == 0)
        return s_split(im);
    if (strcmp(op, "ReduceMean") == 0)
        return s_reduce_mean(im);
    return S_OTHER;
}

/* QONNX's quantisers and FINN's thresholds */
static int s_node_quant(s_imp_t *im, const char *op)
{
    if (strcmp(op, "Quant") == 0)
        return s_quant(im, s_const_bits(im, 3));
    if (strcmp(op, "BipolarQuant") == 0)
        return s_quant(im, 1);
    if (strcmp(op, "Trunc") == 0)
        return s_quant(im, s_const_bits(im, 4));
    if (strcmp(op, "MultiThreshold") == 0 || strncmp(op, "Thresholding", 12) == 0)
        return s_multithreshold(im);
    return S_OTHER;
}

static int s_node(s_imp_t *im)
{
    const char *op = im->n->op_type ? im->n->op_type : "";
    for (size_t i = 0; i < im->o->n_ignore && !im->ignoring; i++)
        if (strcmp(op, im->o->ignore[i]) == 0)
            return s_ignored(im);
    int (*const groups[])(s_imp_t *, const char *) = {
        s_node_dataflow, s_node_compute, s_node_elementwise, s_node_shape, s_node_quant};
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        int rc = groups[g](im, op);
        if (rc != S_OTHER)
            return rc;
    }
    return s_err(im, DSE_ENOTSUP, "no model op corresponds to it; add \"%s\" to [workload] "
                 "onnx_ignore to drop such nodes knowingly", op);
}

/* ------------------------------------------------------------------ graph */

static int s_graph(s_imp_t *im, const Onnx__ModelProto *m)
{
    Onnx__GraphProto *g = m->graph;
    int64_t batch = im->o->batch > 0 ? im->o->batch : 1;
    int rc;
    for (size_t i = 0; i < g->n_initializer; i++) {
        const Onnx__TensorProto *tp = g->initializer[i];
        if (!tp->name || !*tp->name)
            return s_err(im, DSE_ECONFIG, "initializer %zu has no name", i);
        if (s_tensor_from_proto(s_def(im, tp->name), tp))
            return s_err(im, DSE_ECONFIG, "initializer '%.100s' has an invalid shape", tp->name);
    }
    for (size_t i = 0; i < g->n_input; i++) {
        const Onnx__ValueInfoProto *vi = g->input[i];
        if (!vi->name || !*vi->name)
            return s_err(im, DSE_ECONFIG, "graph input %zu has no name", i);
        if (s_find(im, vi->name) >= 0)
            continue; /* an initializer listed among the inputs (IR 6 and earlier) */
        s_tensor_t *t = s_def(im, vi->name);
        rc = s_read_type(t, vi->type, batch, 1);
        if (rc == -1)
            return s_err(im, DSE_ENOTSUP, "graph input '%.100s' has more than %d dimensions",
                         vi->name, S_MAX_RANK);
        if (rc < -1)
            return s_err(im, DSE_ECONFIG, "graph input '%.100s': dimension %d is symbolic or "
                         "unknown; only the first (batch) dimension may be", vi->name, -rc - 2);
        if (!t->known)
            return s_err(im, DSE_ECONFIG, "graph input '%.100s' has no tensor shape", vi->name);
        if (t->batch && t->d[0] != batch)
            dse_network_set_batch(im->net, t->d[0]);
    }
    /* FINN datatype annotations: bits of inputs and weights */
    for (size_t i = 0; i < g->n_quantization_annotation; i++) {
        const Onnx__TensorAnnotation *a = g->quantization_annotation[i];
        long k = a->tensor_name ? s_find(im, a->tensor_name) : -1;
        for (size_t j = 0; k >= 0 && j < a->n_quant_parameter_tensor_names; j++) {
            const Onnx__StringStringEntryProto *e = a->quant_parameter_tensor_names[j];
            if (e->key && strcmp(e->key, "finn_datatype") == 0) {
                im->t[k].bits = s_dtype_bits(e->value);
                im->t[k].sgn = s_dtype_signed(e->value);
            }
        }
    }
    if (dse_network_batch(im->net) == 1 && batch != 1)
        dse_network_set_batch(im->net, batch);
    for (size_t i = 0; i < g->n_node; i++) {
        im->ni = i;
        im->n = g->node[i];
        dse_network_add_node(im->net, im->n->name, im->n->op_type, im->n->domain);
        if (!im->n->op_type || !*im->n->op_type)
            return s_err(im, DSE_ECONFIG, "a node without op_type");
        /* room for the outputs now: pointers to inputs stay valid in the node */
        im->t = dse_xgrow(im->t, sizeof *im->t, im->n_t + im->n->n_output + 1, &im->cap_t);
        if ((rc = s_node(im)))
            return rc;
        /* value_info fills in shapes the node left unknown */
        for (size_t k = 0; k < im->n->n_output; k++) {
            long t = im->n->output[k] ? s_find(im, im->n->output[k]) : -1;
            if (t < 0 || im->t[t].known)
                continue;
            for (size_t v = 0; v < g->n_value_info + g->n_output; v++) {
                const Onnx__ValueInfoProto *vi = v < g->n_value_info
                                                     ? g->value_info[v]
                                                     : g->output[v - g->n_value_info];
                if (vi->name && strcmp(vi->name, im->n->output[k]) == 0) {
                    s_read_type(&im->t[t], vi->type, batch, 1);
                    break;
                }
            }
        }
    }
    im->n = NULL;
    /* the shapes the graph declares must be the ones inferred (a safety net
     * against layers of a wrong size); the batch dimension is not compared */
    for (size_t pass = 0; pass < 2; pass++) {
        size_t nv = pass ? g->n_output : g->n_value_info;
        Onnx__ValueInfoProto **vis = pass ? g->output : g->value_info;
        for (size_t v = 0; v < nv; v++) {
            long k = vis[v]->name ? s_find(im, vis[v]->name) : -1;
            s_tensor_t decl;
            memset(&decl, 0, sizeof decl);
            if (k < 0 || !im->t[k].known || s_read_type(&decl, vis[v]->type, batch, 1) != 0 ||
                !decl.known)
                continue;
            const s_tensor_t *t = &im->t[k];
            int same = decl.rank == t->rank;
            for (int i = t->batch; same && i < t->rank; i++)
                same = decl.d[i] == t->d[i];
            if (!same) {
                char a[128] = "", b[128] = "";
                for (int i = 0, n = 0; i < t->rank && n < 100; i++)
                    n += snprintf(a + n, sizeof a - (size_t)n, "%s%lld", i ? ", " : "",
                                  (long long)t->d[i]);
                for (int i = 0, n = 0; i < decl.rank && n < 100; i++)
                    n += snprintf(b + n, sizeof b - (size_t)n, "%s%lld", i ? ", " : "",
                                  (long long)decl.d[i]);
                return s_err(im, DSE_ECONFIG, "tensor '%.100s' is declared [%s] but its "
                             "inferred shape is [%s]", vis[v]->name, b, a);
            }
        }
    }
    /* MAC layers with no output quantizer after them: no thresholds */
    for (size_t i = 0; i < dse_network_n_layers(im->net); i++) {
        dse_net_layer_t *L = dse_network_layer(im->net, i);
        int mac = L->op == DSE_OP_CONV2D || L->op == DSE_OP_DW || L->op == DSE_OP_PW ||
                  L->op == DSE_OP_LINEAR || L->op == DSE_OP_GEMM || L->op == DSE_OP_MATMUL;
        if (mac && isnan(dse_net_layer_key(L, "out_bits"))) {
            dse_net_layer_set_key(L, "out_bits", 32);
            dse_net_layer_set_key(L, "activation", 0);
        }
    }
    if (dse_network_n_layers(im->net) == 0)
        return s_err(im, DSE_ECONFIG, "no node of the graph became a layer (%zu nodes)",
                     g->n_node);
    return 0;
}

int dse_onnx_import_mem(const char *name, const uint8_t *data, size_t len,
                        const dse_onnx_opts_t *opts, dse_network_t **out, dse_error_t *err)
{
    dse_error_t local = DSE_ERROR_INIT;
    if (!err)
        err = &local;
    *out = NULL;
    size_t max = opts->max_bytes ? opts->max_bytes : DSE_ONNX_MAX_BYTES;
    if (len > max)
        return dse_error_set(err, DSE_EPARSE, name, 0, 0, "the file has %zu bytes, more than "
                             "the %zu accepted", len, max);
    if (len == 0)
        return dse_error_set(err, DSE_EPARSE, name, 0, 0, "the file is empty: not an ONNX "
                             "model");
    int rc = s_walk(data, len, W_MODEL, 0);
    if (rc == -2)
        return dse_error_set(err, DSE_EPARSE, name, 0, 0, "messages nested deeper than %d "
                             "levels: not a network this tool reads", DSE_ONNX_MAX_DEPTH);
    if (rc)
        return dse_error_set(err, DSE_EPARSE, name, 0, 0, "not an ONNX model: the protobuf "
                             "encoding is malformed or truncated");
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
    if (!m)
        return dse_error_set(err, DSE_EPARSE, name, 0, 0, "not an ONNX model: protobuf-c "
                             "could not decode it as onnx.ModelProto (malformed, truncated or "
                             "another message)");
    rc = 0;
    if (!m->has_ir_version || m->ir_version < 3 || m->ir_version > 100)
        rc = dse_error_set(err, DSE_EPARSE, name, 0, 0, "not an ONNX model: ir_version %s%lld "
                           "(3 and later are read)", m->has_ir_version ? "" : "missing, ",
                           (long long)m->ir_version);
    else if (!m->graph || m->graph->n_node == 0)
        rc = dse_error_set(err, DSE_EPARSE, name, 0, 0, "the model has no graph (or a graph "
                           "without nodes)");
    if (rc) {
        onnx__model_proto__free_unpacked(m, NULL);
        return rc;
    }
    s_imp_t im;
    memset(&im, 0, sizeof im);
    im.file = name;
    im.o = opts;
    im.err = err;
    im.g = m->graph;
    im.net = dse_network_new(name);
    rc = s_graph(&im, m);
    free(im.t);
    free(im.map);
    onnx__model_proto__free_unpacked(m, NULL);
    if (rc) {
        dse_network_destroy(&im.net);
        return rc;
    }
    *out = im.net;
    return 0;
}

int dse_onnx_import(const char *path, const dse_onnx_opts_t *opts, dse_network_t **net,
                    dse_error_t *err)
{
    *net = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot open the ONNX file: %s",
                             strerror(errno));
    size_t max = opts->max_bytes ? opts->max_bytes : DSE_ONNX_MAX_BYTES;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && (size_t)size > max) {
            fclose(f);
            return dse_error_set(err, DSE_EPARSE, path, 0, 0, "the file has %ld bytes, more "
                                 "than the %zu accepted", size, max);
        }
    }
    fclose(f);
    char *data = NULL;
    size_t len = 0;
    int rc = dse_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    rc = dse_onnx_import_mem(path, (const uint8_t *)data, len, opts, net, err);
    free(data);
    return rc;
}
