/* cfg_layer.c - one [[workload.layer]]: its keys, name and op, its shape,
 * whether it follows the layer before it, the model's layer keys, its space.
 */
#include "config/cfg_private.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static const char *const s_layer_fixed[] = {"name",    "op",      "in_shape", "out_channels",
                                            "kernel",  "stride",  "padding",  "dims",
                                            "space",   "input",   "chain",    "batch"};
#define S_N_LAYER_FIXED (sizeof s_layer_fixed / sizeof s_layer_fixed[0])

static int s_op_from_name(const char *s)
{
    for (int i = 0; i < DSE_OP__COUNT; i++)
        if (strcmp(s, dse_op_name((dse_op_t)i)) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------- shape */

#define S_OP(o) (1u << DSE_OP_##o)

/* Geometry keys that do not belong to the layer's op are errors. */
static int s_shape_keys(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, const dse_layer_t *L)
{
    const unsigned pools = S_OP(MAXPOOL) | S_OP(AVGPOOL);
    const unsigned convs = S_OP(CONV2D) | S_OP(DW) | S_OP(PW);
    const unsigned mms = S_OP(MATMUL) | S_OP(GEMM) | S_OP(GEMV);
    const struct {
        const char *key;
        unsigned ops;
    } belongs[] = {
        {"in_shape", ~mms},   {"out_channels", convs | S_OP(LINEAR)},
        {"kernel", convs | pools}, {"stride", convs | pools},
        {"padding", convs | pools}, {"dims", mms},
    };
    long idx;
    for (size_t i = 0; i < sizeof belongs / sizeof belongs[0]; i++)
        if (dse__cfg_get(lt, belongs[i].key, &idx) && !(belongs[i].ops & (1u << L->op)))
            return CFG_ERR_KEY(c, lt, (size_t)idx, "'%s' does not apply to op \"%s\"",
                               belongs[i].key, dse_op_name(L->op));
    return 0;
}

/* matmul, gemm, gemv: dims = [M, N, K] (gemv: [N, K]). */
static int s_shape_dims(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    const dse_toml_value_t *v = dse__cfg_get(lt, "dims", NULL);
    size_t want = L->op == DSE_OP_GEMV ? 2 : 3, n;
    int64_t a[4];
    if (!v)
        return dse__cfg_err_at(c, dse_toml_line(lt), dse_toml_col(lt),
                               "layer '%s': op \"%s\" needs dims = %s", L->name,
                               dse_op_name(L->op), want == 2 ? "[N, K]" : "[M, N, K]");
    int rc = dse__cfg_int_array(c, v, "dims", want, want, 1, a, &n);
    if (rc)
        return rc;
    if (want == 2) {
        L->m = 1, L->n = a[0], L->k = a[1];
    } else {
        L->m = a[0], L->n = a[1], L->k = a[2];
    }
    L->cin = L->k, L->hin = L->m, L->win = 1;
    L->cout = L->n, L->hout = L->m, L->wout = 1;
    L->kh = L->kw = L->sh = L->sw = 1;
    return 0;
}

/* in_shape: [C, H, W]; a linear layer also takes [Cin] (flattened), an
 * elementwise one 1 to 3 sizes. */
static int s_shape_input(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    const dse_toml_value_t *v = dse__cfg_get(lt, "in_shape", NULL);
    int64_t a[4];
    size_t n;
    int rc;
    if (!v)
        return dse__cfg_err_at(c, dse_toml_line(lt), dse_toml_col(lt),
                               "layer '%s': missing in_shape (%s)", L->name,
                               L->op == DSE_OP_LINEAR ? "[Cin] or [C, H, W]" : "[C, H, W]");
    if (L->op == DSE_OP_LINEAR || dse_op_is_eltwise(L->op)) {
        rc = dse__cfg_int_array(c, v, "in_shape", 1, 3, 1, a, &n);
        if (rc)
            return rc;
        int64_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= a[i];
        if (L->op == DSE_OP_LINEAR) {
            L->cin = total, L->hin = L->win = 1; /* flattened */
        } else {
            L->cin = a[0], L->hin = n > 1 ? a[1] : 1, L->win = n > 2 ? a[2] : 1;
        }
        return 0;
    }
    rc = dse__cfg_int_array(c, v, "in_shape", 3, 3, 1, a, &n);
    if (rc)
        return rc;
    L->cin = a[0], L->hin = a[1], L->win = a[2];
    return 0;
}

/* out_channels: required by conv2d, pw and linear; a depthwise layer keeps
 * its channels, and so do the others. */
static int s_shape_channels(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    const dse_toml_value_t *v = dse__cfg_get(lt, "out_channels", NULL);
    int rc;
    L->cout = L->cin;
    if (L->op == DSE_OP_CONV2D || L->op == DSE_OP_PW || L->op == DSE_OP_LINEAR) {
        if (!v)
            return dse__cfg_err_at(c, dse_toml_line(lt), dse_toml_col(lt),
                                   "layer '%s': missing out_channels", L->name);
        return dse__cfg_int(c, v, "out_channels", 1, (int64_t)1 << 30, &L->cout);
    }
    if (L->op == DSE_OP_DW && v) {
        if ((rc = dse__cfg_int(c, v, "out_channels", 1, (int64_t)1 << 30, &L->cout)))
            return rc;
        if (L->cout != L->cin)
            return CFG_ERR_VAL(c, v, "a depthwise layer keeps its channels: out_channels "
                               "must equal the %lld input channels", (long long)L->cin);
    }
    return 0;
}

/* kernel (a pointwise layer's is 1x1) and stride (a pool's defaults to its
 * kernel). */
static int s_shape_window(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    const dse_toml_value_t *v;
    int64_t a[4];
    size_t n;
    int rc;
    L->kh = L->kw = 1;
    L->sh = L->sw = 1;
    if ((v = dse__cfg_get(lt, "kernel", NULL))) {
        if ((rc = dse__cfg_int_array(c, v, "kernel", 1, 2, 1, a, &n)))
            return rc;
        L->kh = a[0], L->kw = n > 1 ? a[1] : a[0];
    } else if (L->op != DSE_OP_PW) {
        return dse__cfg_err_at(c, dse_toml_line(lt), dse_toml_col(lt),
                               "layer '%s': op \"%s\" needs kernel = [Hk, Wk]", L->name,
                               dse_op_name(L->op));
    }
    if (L->op == DSE_OP_PW && (L->kh != 1 || L->kw != 1))
        return CFG_ERR_VAL(c, v, "a pointwise layer has a 1x1 kernel (use op = \"conv2d\" for "
                           "%lldx%lld)", (long long)L->kh, (long long)L->kw);
    if ((v = dse__cfg_get(lt, "stride", NULL))) {
        if ((rc = dse__cfg_int_array(c, v, "stride", 1, 2, 1, a, &n)))
            return rc;
        L->sh = a[0], L->sw = n > 1 ? a[1] : a[0];
    } else if (L->op == DSE_OP_MAXPOOL || L->op == DSE_OP_AVGPOOL) {
        L->sh = L->kh, L->sw = L->kw;
    }
    return 0;
}

/* padding: [all], [vertical, horizontal] or [top, left, bottom, right],
 * each smaller than the kernel. */
static int s_shape_padding(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    const dse_toml_value_t *v = dse__cfg_get(lt, "padding", NULL);
    int64_t a[4];
    L->pad_t = L->pad_l = L->pad_b = L->pad_r = 0;
    if (!v)
        return 0;
    int rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, "padding");
    if (rc)
        return rc;
    size_t k = dse_toml_array_size(v);
    if (k != 1 && k != 2 && k != 4)
        return CFG_ERR_VAL(c, v, "padding must be [all], [vertical, horizontal] or "
                           "[top, left, bottom, right], not %zu elements", k);
    for (size_t i = 0; i < k; i++) {
        rc = dse__cfg_int(c, dse_toml_array_get(v, i), "padding", 0, (int64_t)1 << 20, &a[i]);
        if (rc)
            return rc;
    }
    if (k == 1)
        a[1] = a[2] = a[3] = a[0];
    else if (k == 2)
        a[2] = a[0], a[3] = a[1];
    L->pad_t = a[0], L->pad_l = a[1], L->pad_b = a[2], L->pad_r = a[3];
    if (a[0] >= L->kh || a[2] >= L->kh || a[1] >= L->kw || a[3] >= L->kw)
        return CFG_ERR_VAL(c, v, "padding (%lld, %lld, %lld, %lld) must be smaller than the "
                           "%lldx%lld kernel", (long long)a[0], (long long)a[1],
                           (long long)a[2], (long long)a[3], (long long)L->kh,
                           (long long)L->kw);
    return 0;
}

/* Reads the geometry of one layer and derives its output shape. */
static int s_layer_shape(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    int rc = s_shape_keys(c, lt, L);
    if (rc)
        return rc;
    if (L->op == DSE_OP_MATMUL || L->op == DSE_OP_GEMM || L->op == DSE_OP_GEMV)
        return s_shape_dims(c, lt, L);
    if ((rc = s_shape_input(c, lt, L)) || (rc = s_shape_channels(c, lt, L)))
        return rc;
    if (L->op == DSE_OP_LINEAR) {
        L->hout = L->wout = 1;
        L->kh = L->kw = L->sh = L->sw = 1;
        L->m = 1, L->n = L->cout, L->k = L->cin;
        return 0;
    }
    if (dse_op_is_eltwise(L->op)) {
        L->hout = L->hin, L->wout = L->win;
        L->kh = L->kw = L->sh = L->sw = 1;
        return 0;
    }
    if ((rc = s_shape_window(c, lt, L)) || (rc = s_shape_padding(c, lt, L)))
        return rc;
    int64_t ph = L->hin + L->pad_t + L->pad_b, pw = L->win + L->pad_l + L->pad_r;
    if (L->kh > ph || L->kw > pw) {
        const dse_toml_value_t *kv = dse__cfg_get(lt, "kernel", NULL);
        return dse__cfg_err_at(c, dse_toml_line(kv ? kv : lt), dse_toml_col(kv ? kv : lt),
                               "layer '%s': the %lldx%lld kernel is larger than its padded "
                               "%lldx%lld input", L->name, (long long)L->kh, (long long)L->kw,
                               (long long)ph, (long long)pw);
    }
    L->hout = (ph - L->kh) / L->sh + 1;
    L->wout = (pw - L->kw) / L->sw + 1;
    L->m = L->n = L->k = 0;
    return 0;
}

/* ---------------------------------------------------------------- chaining */

static int s_has_fmap(dse_op_t op)
{
    return op != DSE_OP_MATMUL && op != DSE_OP_GEMM && op != DSE_OP_GEMV;
}

static void s_shape_str(char *buf, size_t size, int64_t a, int64_t b, int64_t c3)
{
    snprintf(buf, size, "[%lld, %lld, %lld]", (long long)a, (long long)b, (long long)c3);
}

int dse_layer_follows(const dse_layer_t *P, const dse_layer_t *L)
{
    if (!s_has_fmap(L->op) || !s_has_fmap(P->op))
        return 1;
    int64_t pc = P->cout, ph = P->hout, pw = P->wout;
    if (L->cin == pc && L->hin == ph && L->win == pw)
        return 1;
    return (L->op == DSE_OP_LINEAR || dse_op_is_eltwise(L->op)) &&
           L->cin * L->hin * L->win == pc * ph * pw;
}

/* The error for layer L, whose input does not match what layer P gives. */
static int s_chain_error(dse__cfg_ctx_t *c, const dse_toml_value_t *lt, const dse_layer_t *L,
                         const dse_layer_t *P, int named)
{
    int64_t pc = P->cout, ph = P->hout, pw = P->wout;
    const dse_toml_value_t *sv = dse__cfg_get(lt, "in_shape", NULL);
    char mine[96], theirs[96], hint[200] = "";
    s_shape_str(mine, sizeof mine, L->cin, L->hin, L->win);
    s_shape_str(theirs, sizeof theirs, pc, ph, pw);
    if (L->op == DSE_OP_LINEAR || (L->hin == 1 && L->win == 1))
        snprintf(mine, sizeof mine, "[%lld]", (long long)L->cin);
    int64_t x[3] = {L->cin, L->hin, L->win}, y[3] = {pc, ph, pw};
    for (int i = 0; i < 3; i++) /* sort both: the same sizes in another order? */
        for (int j = i + 1; j < 3; j++) {
            if (x[j] < x[i]) { int64_t t = x[i]; x[i] = x[j]; x[j] = t; }
            if (y[j] < y[i]) { int64_t t = y[i]; y[i] = y[j]; y[j] = t; }
        }
    if (x[0] == y[0] && x[1] == y[1] && x[2] == y[2])
        snprintf(hint, sizeof hint, "; the same sizes in another order: in_shape is [C, H, W], "
                 "not [H, W, C]");
    return dse__cfg_err_at(c, sv ? dse_toml_line(sv) : L->line, sv ? dse_toml_col(sv) : L->col,
                           "layer '%s' takes in_shape %s, but %s layer '%s' gives %s (C, H, "
                           "W)%s. If this layer does not follow '%s', say where its input comes "
                           "from: input = \"LAYER\" for a branch, or chain = false", L->name,
                           mine, named ? "its input" : "the previous", P->name, theirs, hint,
                           P->name);
}

/* A layer's input must be what the layer before it gives (or the layer its
 * `input` names), unless it says `chain = false`. A linear layer may take
 * the previous output flattened, and an elementwise one (add, softmax, ...)
 * any shape of the same size. Layers given by dims (matmul, gemm, gemv) are
 * not checked: their operands are not one feature map. The check is the
 * user's, so the canonical text a worker parses skips it. */
static int s_layer_chain(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *lt,
                         const dse_layer_t *L)
{
    const dse_toml_value_t *cv = dse__cfg_get(lt, "chain", NULL);
    const dse_toml_value_t *iv = dse__cfg_get(lt, "input", NULL);
    int chain = 1;
    if (cv) {
        if (dse_toml_type(cv) != DSE_TOML_BOOL)
            return CFG_ERR_VAL(c, cv, "chain must be true or false (false: this layer's input "
                               "is not the previous layer's output, and is not checked)");
        chain = dse_toml_bool(cv);
    }
    const dse_layer_t *P = NULL;
    size_t li = (size_t)(L - job->layers);
    if (iv) {
        if (cv && !chain)
            return CFG_ERR_VAL(c, iv, "layer '%s' names its input and also says chain = "
                               "false: keep one", L->name);
        const char *in = NULL;
        int rc = dse__cfg_string(c, lt, "input", "input", 0, 0, 0, &in);
        if (rc)
            return rc;
        for (size_t j = 0; j < li && !P; j++)
            if (strcmp(job->layers[j].name, in) == 0)
                P = &job->layers[j];
        if (!P) {
            const char *cand[64];
            size_t nc = 0;
            for (size_t j = li > 64 ? li - 64 : 0; j < li; j++)
                cand[nc++] = job->layers[j].name;
            char hint[160];
            dse__cfg_hint(hint, sizeof hint, in, cand, nc);
            return CFG_ERR_VAL(c, iv, "input \"%s\" is not the name of an earlier layer%s", in,
                               hint);
        }
    } else if (li > 0 && chain) {
        P = &job->layers[li - 1];
    }
    if (!P || (c->flags & DSE_CONFIG_CANONICAL) || dse_layer_follows(P, L))
        return 0;
    return s_chain_error(c, lt, L, P, iv != NULL);
}

/* ------------------------------------------------------------- the layer */

/* Unknown keys: the fixed layer keys plus the model's layer keys. */
static int s_layer_keys(dse__cfg_ctx_t *c, const dse_hwmodel_t *m, const dse_toml_value_t *lt)
{
    for (size_t k = 0; k < dse_toml_table_size(lt); k++) {
        const char *key = dse_toml_table_key(lt, k);
        int ok = dse_model_layer_key(m, key) >= 0;
        for (size_t j = 0; j < S_N_LAYER_FIXED && !ok; j++)
            ok = strcmp(key, s_layer_fixed[j]) == 0;
        if (ok)
            continue;
        const char *cand[S_N_LAYER_FIXED + DSE_MAX_LAYER_KEYS + DSE_MAX_PARAMS];
        size_t nc = 0;
        for (size_t j = 0; j < S_N_LAYER_FIXED; j++)
            cand[nc++] = s_layer_fixed[j];
        for (size_t j = 0; j < m->n_layer_keys && j < DSE_MAX_LAYER_KEYS; j++)
            cand[nc++] = m->layer_keys[j].name;
        char hint[128];
        dse__cfg_hint(hint, sizeof hint, key, cand, nc);
        if (dse_model_param(m, key) >= 0)
            return CFG_ERR_KEY(c, lt, k, "'%s' is a parameter: write it as space = { %s = ... "
                               "} in the layer, or in [space]", key, key);
        return CFG_ERR_KEY(c, lt, k, "unknown key '%s' in a [[workload.layer]]%s", key, hint);
    }
    return 0;
}

/* name: 1 to 128 characters, no control characters, commas or quotes, and
 * not the name of an earlier layer. */
static int s_layer_name(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_toml_value_t *lt,
                        dse_layer_t *L)
{
    const char *name = NULL;
    int rc = dse__cfg_string(c, lt, "name", "the layer's name", 1, L->line, L->col, &name);
    if (rc)
        return rc;
    const dse_toml_value_t *nv = dse__cfg_get(lt, "name", NULL);
    if (!*name || strlen(name) > 128)
        return CFG_ERR_VAL(c, nv, "a layer name must have 1 to 128 characters");
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == ',' || *p == '"')
            return CFG_ERR_VAL(c, nv, "a layer name must not contain control characters, "
                               "commas or quotes");
    for (size_t j = 0; j + 1 < job->n_layers; j++)
        if (strcmp(job->layers[j].name, name) == 0)
            return CFG_ERR_VAL(c, nv, "duplicate layer name '%s' (first at line %d)", name,
                               job->layers[j].line);
    L->name = dse_xstrdup(name);
    return 0;
}

/* op: a known op that the model supports. */
static int s_layer_op(dse__cfg_ctx_t *c, const dse_hwmodel_t *m, const dse_toml_value_t *lt,
                      dse_layer_t *L)
{
    const char *op = NULL;
    int rc = dse__cfg_string(c, lt, "op", "the layer's op", 1, L->line, L->col, &op);
    if (rc)
        return rc;
    const dse_toml_value_t *ov = dse__cfg_get(lt, "op", NULL);
    const char *names[DSE_OP__COUNT];
    char list[256];
    int opi = s_op_from_name(op);
    if (opi < 0) {
        for (int j = 0; j < DSE_OP__COUNT; j++)
            names[j] = dse_op_name((dse_op_t)j);
        char hint[128];
        dse__cfg_hint(hint, sizeof hint, op, names, DSE_OP__COUNT);
        dse__cfg_list(list, sizeof list, names, DSE_OP__COUNT);
        return CFG_ERR_VAL(c, ov, "unknown op \"%s\" (ops: %s)%s", op, list, hint);
    }
    L->op = (dse_op_t)opi;
    if (!(m->ops & (1u << opi))) {
        size_t k = 0;
        for (int j = 0; j < DSE_OP__COUNT; j++)
            if (m->ops & (1u << j))
                names[k++] = dse_op_name((dse_op_t)j);
        dse__cfg_list(list, sizeof list, names, k);
        return CFG_ERR_VAL(c, ov, "model '%s' does not support op \"%s\" (it supports: %s)",
                           m->name, op, k ? list : "none");
    }
    return 0;
}

/* The model's layer keys: from the job's table over an imported layer (ov,
 * read with co), else from the layer's table, else their defaults; then the
 * model's own check of the layer. */
static int s_layer_attrs(dse__cfg_ctx_t *c, dse__cfg_ctx_t *co, const dse_job_t *job,
                         const dse_toml_value_t *lt, const dse_toml_value_t *ov, dse_layer_t *L)
{
    const dse_hwmodel_t *m = job->model;
    int rc;
    assert(m->n_layer_keys <= DSE_MAX_LAYER_KEYS);
    for (size_t k = 0; k < m->n_layer_keys; k++) {
        const dse_key_decl_t *d = &m->layer_keys[k];
        L->attr[k] = d->dflt;
        const dse_toml_value_t *kv = ov ? dse__cfg_get(ov, d->name, NULL) : NULL;
        dse__cfg_ctx_t *kc = kv ? co : c;
        if (!kv)
            kv = dse__cfg_get(lt, d->name, NULL);
        if (kv) {
            if ((rc = dse__cfg_decl_value(kc, d, kv, &L->attr[k])))
                return rc;
        } else if (isnan(L->attr[k])) {
            return dse__cfg_err_at(c, L->line, L->col, "layer '%s' needs '%s' (%s)", L->name,
                                   d->name, d->doc ? d->doc : "no default");
        }
    }
    if (m->check_layer) {
        dse_error_t merr = DSE_ERROR_INIT;
        if (m->check_layer(job, L, &merr))
            return dse__cfg_err_at(c, L->line, L->col, "layer '%s': %s", L->name, merr.msg);
    }
    return 0;
}

int dse__cfg_layer_entry(dse__cfg_ctx_t *c, dse__cfg_ctx_t *co, dse_job_t *job,
                         const dse_toml_value_t *lt, const dse_toml_value_t *ov,
                         const dse_toml_value_t *global)
{
    const dse_hwmodel_t *m = job->model;
    int rc = dse__cfg_expect(c, lt, DSE_TOML_TABLE, "a workload layer");
    if (rc)
        return rc;
    dse_layer_t *L = &job->layers[job->n_layers++];
    L->line = dse_toml_line(lt);
    L->col = dse_toml_col(lt);
    if (c != co)
        L->line = L->col = 0; /* an imported layer: messages name the ONNX file and layer */
    if ((rc = s_layer_keys(c, m, lt)) || (rc = s_layer_name(c, job, lt, L)) ||
        (rc = s_layer_op(c, m, lt, L)) || (rc = s_layer_shape(c, lt, L)))
        return rc;
    /* typed-in layers chain; an imported graph says itself what feeds what */
    if (c == co && (rc = s_layer_chain(c, job, lt, L)))
        return rc;
    L->batch = job->batch;
    const dse_toml_value_t *lb = dse__cfg_get(lt, "batch", NULL);
    if (lb && (rc = dse__cfg_int(c, lb, "batch", 1, (int64_t)1 << 20, &L->batch)))
        return rc;
    if ((rc = s_layer_attrs(c, co, job, lt, ov, L)))
        return rc;
    const dse_toml_value_t *local = dse__cfg_get(ov ? ov : lt, "space", NULL);
    if (local) {
        rc = dse__cfg_expect(co, local, DSE_TOML_TABLE, "a layer's space");
        if (!rc)
            rc = dse__cfg_check_space_keys(co, m, local, "the layer's space");
        if (rc)
            return rc;
    }
    return dse__cfg_build_space(co, job, L, global, local);
}
