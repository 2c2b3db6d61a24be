/* test_onnx.c - the ONNX importer on models built here with protobuf-c (no
 * python needed), malformed and deeply nested inputs, and node names. The
 * round trips on graphs built with python3-onnx are in
 * tests/integration/t_onnx.sh. */
#include "core/network.h"
#include "core/onnx.h"
#include "core/util.h"
#include "onnx/onnx.pb-c.h"
#include "tests/test.h"

#include <stdlib.h>

static const dse_onnx_opts_t s_all = {.ops = ~0u, .model = "testfn"};

static void s_put_varint(dse_strbuf_t *sb, uint64_t v)
{
    while (v >= 0x80) {
        dse_strbuf_addc(sb, (char)(v | 0x80));
        v >>= 7;
    }
    dse_strbuf_addc(sb, (char)v);
}

/* field `num` (length-delimited) around payload */
static char *s_wrap(unsigned num, const char *payload, size_t len, size_t *out_len)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    s_put_varint(&sb, (num << 3) | 2);
    s_put_varint(&sb, len);
    dse_strbuf_add(&sb, payload, len);
    return dse_strbuf_detach(&sb, out_len);
}

DSE_TEST(onnx_deep_nesting)
{
    /* graph{node{attribute{g{node{...}}}}} 20,000 deep: protobuf-c alone
     * would recurse until the stack overflows */
    size_t len = 0;
    char *inner = dse_xstrdup("");
    for (int i = 0; i < 20000; i++) {
        size_t l1, l2, l3;
        char *a = s_wrap(6, inner, len, &l1);  /* AttributeProto.g */
        char *n = s_wrap(5, a, l1, &l2);       /* NodeProto.attribute */
        char *g = s_wrap(1, n, l2, &l3);       /* GraphProto.node */
        free(inner), free(a), free(n);
        inner = g, len = l3;
    }
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    s_put_varint(&sb, 1 << 3); /* ir_version = 8 */
    s_put_varint(&sb, 8);
    size_t gl;
    char *g = s_wrap(7, inner, len, &gl);
    dse_strbuf_add(&sb, g, gl);
    free(g), free(inner);
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_onnx_import_mem("deep.onnx", (const uint8_t *)sb.buf, sb.len, &s_all, &net, &err);
    CHECK_INT(rc, DSE_EPARSE);
    CHECK(net == NULL);
    CHECK_STR(err.file, "deep.onnx");
    CHECK(strstr(err.msg, "nested deeper than 64") != NULL);
    dse_strbuf_release(&sb);
}

DSE_TEST(onnx_malformed)
{
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_onnx_import_mem("e.onnx", (const uint8_t *)"", 0, &s_all, &net, &err),
              DSE_EPARSE);
    CHECK(strstr(err.msg, "empty") != NULL);
    /* random bytes, many seeds: an error, never a crash */
    uint8_t buf[512];
    uint64_t x = 88172645463325252ULL;
    for (int seed = 0; seed < 2000; seed++) {
        size_t n = 1 + (size_t)(seed % 500);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        err = (dse_error_t)DSE_ERROR_INIT;
        int rc = dse_onnx_import_mem("r.onnx", buf, n, &s_all, &net, &err);
        CHECK(rc < 0);
        CHECK(net == NULL);
        CHECK_STR(err.file, "r.onnx");
    }
    /* a valid protobuf that is not a model: ir_version 8 alone, no graph */
    const uint8_t nograph[] = {0x08, 0x08};
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_onnx_import_mem("n.onnx", nograph, sizeof nograph, &s_all, &net, &err),
              DSE_EPARSE);
    CHECK(strstr(err.msg, "no graph") != NULL);
    /* over the size limit */
    dse_onnx_opts_t small = s_all;
    small.max_bytes = 1;
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_onnx_import_mem("s.onnx", nograph, sizeof nograph, &small, &net, &err),
              DSE_EPARSE);
    CHECK(strstr(err.msg, "more than the 1 accepted") != NULL);
}

/* ---- a small model built with protobuf-c: Conv (+Relu) -> Flatten -> Gemm */

typedef struct {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__NodeProto nodes[4], *pnodes[4];
    Onnx__AttributeProto attrs[8], *pattrs[8];
    Onnx__TensorProto inits[3], *pinits[3];
    Onnx__ValueInfoProto in, *pin[1];
    Onnx__TypeProto type;
    Onnx__TypeProto__Tensor tt;
    Onnx__TensorShapeProto shape;
    Onnx__TensorShapeProto__Dimension dims[4], *pdims[4];
    Onnx__OperatorSetIdProto opset, *popset[1];
    int64_t wdims[3][4], ints[8][4];
    char *ins[4][3], *outs[4][1];
} s_model_t;

static void s_attr_ints(Onnx__AttributeProto *a, char *name, int64_t *v, size_t n)
{
    onnx__attribute_proto__init(a);
    a->name = name;
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->n_ints = n;
    a->ints = v;
}

static uint8_t *s_build(size_t *len, const char *conv_name, int64_t group)
{
    s_model_t *m = dse_xcalloc(1, sizeof *m);
    onnx__model_proto__init(&m->model);
    onnx__graph_proto__init(&m->graph);
    m->model.has_ir_version = 1;
    m->model.ir_version = 8;
    m->model.graph = &m->graph;
    onnx__operator_set_id_proto__init(&m->opset);
    m->opset.has_version = 1;
    m->opset.version = 13;
    m->popset[0] = &m->opset;
    m->model.n_opset_import = 1;
    m->model.opset_import = m->popset;
    /* input [N, 8, 10, 10], N symbolic */
    onnx__value_info_proto__init(&m->in);
    onnx__type_proto__init(&m->type);
    onnx__type_proto__tensor__init(&m->tt);
    onnx__tensor_shape_proto__init(&m->shape);
    int64_t d[4] = {0, 8, 10, 10};
    for (int i = 0; i < 4; i++) {
        onnx__tensor_shape_proto__dimension__init(&m->dims[i]);
        if (i == 0) {
            m->dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            m->dims[i].dim_param = "N";
        } else {
            m->dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            m->dims[i].dim_value = d[i];
        }
        m->pdims[i] = &m->dims[i];
    }
    m->shape.n_dim = 4;
    m->shape.dim = m->pdims;
    m->tt.shape = &m->shape;
    m->tt.has_elem_type = 1;
    m->tt.elem_type = 1;
    m->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    m->type.tensor_type = &m->tt;
    m->in.name = "x";
    m->in.type = &m->type;
    m->pin[0] = &m->in;
    m->graph.n_input = 1;
    m->graph.input = m->pin;
    /* initializers: conv weight [16, 8/group, 3, 3], gemm weight [5, 16*8*8] */
    int64_t w0[4] = {16, 8 / group, 3, 3}, w1[2] = {5, 16 * 8 * 8};
    memcpy(m->wdims[0], w0, sizeof w0);
    memcpy(m->wdims[1], w1, sizeof w1);
    char *wn[2] = {"w0", "w1"};
    size_t wr[2] = {4, 2};
    for (int i = 0; i < 2; i++) {
        onnx__tensor_proto__init(&m->inits[i]);
        m->inits[i].name = wn[i];
        m->inits[i].n_dims = wr[i];
        m->inits[i].dims = m->wdims[i];
        m->inits[i].has_data_type = 1;
        m->inits[i].data_type = 1;
        m->pinits[i] = &m->inits[i];
    }
    m->graph.n_initializer = 2;
    m->graph.initializer = m->pinits;
    /* nodes */
    const char *ops[4] = {"Conv", "Relu", "Flatten", "Gemm"};
    const char *names[4] = {conv_name, "relu", "flat", "fc"};
    char *tn[5] = {"x", "t1", "t2", "t3", "y"};
    for (int i = 0; i < 4; i++) {
        onnx__node_proto__init(&m->nodes[i]);
        m->nodes[i].op_type = (char *)ops[i];
        m->nodes[i].name = (char *)names[i];
        m->ins[i][0] = tn[i];
        m->ins[i][1] = i == 0 ? "w0" : "w1";
        m->nodes[i].n_input = i == 0 || i == 3 ? 2 : 1;
        m->nodes[i].input = m->ins[i];
        m->outs[i][0] = tn[i + 1];
        m->nodes[i].n_output = 1;
        m->nodes[i].output = m->outs[i];
        m->pnodes[i] = &m->nodes[i];
    }
    int64_t k[2] = {3, 3}, pads[4] = {0, 0, 0, 0}, one[1] = {1}, g[1] = {group};
    memcpy(m->ints[0], k, sizeof k);
    memcpy(m->ints[1], pads, sizeof pads);
    memcpy(m->ints[2], one, sizeof one);
    memcpy(m->ints[3], g, sizeof g);
    s_attr_ints(&m->attrs[0], "kernel_shape", m->ints[0], 2);
    s_attr_ints(&m->attrs[1], "pads", m->ints[1], 4);
    s_attr_ints(&m->attrs[2], "group", m->ints[3], 1);
    s_attr_ints(&m->attrs[3], "transB", m->ints[2], 1);
    m->pattrs[0] = &m->attrs[0], m->pattrs[1] = &m->attrs[1], m->pattrs[2] = &m->attrs[2];
    m->pattrs[3] = &m->attrs[3];
    m->nodes[0].n_attribute = 3;
    m->nodes[0].attribute = m->pattrs;
    m->nodes[3].n_attribute = 1;
    m->nodes[3].attribute = m->pattrs + 3;
    m->graph.n_node = 4;
    m->graph.node = m->pnodes;
    *len = onnx__model_proto__get_packed_size(&m->model);
    uint8_t *buf = dse_xmalloc(*len);
    onnx__model_proto__pack(&m->model, buf);
    free(m);
    return buf;
}

DSE_TEST(onnx_import_small)
{
    size_t len;
    uint8_t *buf = s_build(&len, "conv 1,\"a\"", 1);
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_onnx_import_mem("m.onnx", buf, len, &s_all, &net, &err);
    CHECK_INT(rc, 0);
    if (rc) {
        printf("%s\n", err.msg);
        free(buf);
        return;
    }
    CHECK_INT(dse_network_n_layers(net), 2);
    CHECK_INT(dse_network_n_nodes(net), 4);
    const dse_net_layer_t *c = dse_network_layer_c(net, 0), *f = dse_network_layer_c(net, 1);
    CHECK_STR(c->name, "conv_1__a_");
    CHECK_INT(c->op, DSE_OP_CONV2D);
    CHECK_INT(c->in_shape[0], 8);
    CHECK_INT(c->in_shape[1], 10);
    CHECK_INT(c->out_channels, 16);
    CHECK_INT(c->kernel[0], 3);
    CHECK_STR(f->name, "fc");
    CHECK_INT(f->op, DSE_OP_LINEAR);
    CHECK_INT(f->in_shape[0], 16 * 8 * 8); /* Flatten of [N, 16, 8, 8] */
    CHECK_INT(f->out_channels, 5);
    CHECK_INT(dse_network_node(net, 1)->fate, DSE_NODE_FOLDED);
    CHECK_INT(dse_network_node(net, 1)->layer, 0);
    CHECK_INT(dse_network_node(net, 2)->fate, DSE_NODE_SHAPE);
    char *toml = dse_network_toml(net, NULL, 0);
    CHECK(strstr(toml, "name = \"conv_1__a_\"\nop = \"conv2d\"\nin_shape = [8, 10, 10]\n") !=
          NULL);
    free(toml);
    dse_network_destroy(&net);
    dse_network_destroy(&net); /* twice is safe */
    /* a model that costs no linear: an error naming the node */
    dse_onnx_opts_t conv_only = {.ops = 1u << DSE_OP_CONV2D, .model = "m"};
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_onnx_import_mem("m.onnx", buf, len, &conv_only, &net, &err), DSE_ENOTSUP);
    CHECK(strstr(err.msg, "node 'fc' (index 3, op_type Gemm, domain ''): model 'm' cannot cost "
                          "it (it would be op \"linear\"") != NULL);
    /* ... unless onnx_ignore drops it */
    const char *ign[] = {"Gemm"};
    conv_only.ignore = ign;
    conv_only.n_ignore = 1;
    CHECK_INT(dse_onnx_import_mem("m.onnx", buf, len, &conv_only, &net, &err), 0);
    CHECK_INT(dse_network_n_layers(net), 1);
    CHECK_INT(dse_network_n_ignored(net), 1);
    dse_network_destroy(&net);
    free(buf);
    /* group 2 of 8 channels: refused, naming the node */
    buf = s_build(&len, "gconv", 2);
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_onnx_import_mem("g.onnx", buf, len, &s_all, &net, &err), DSE_ENOTSUP);
    CHECK(strstr(err.msg, "node 'gconv' (index 0, op_type Conv, domain ''): grouped") != NULL);
    /* every truncation of a valid file: an error, never a crash */
    for (size_t cut = 0; cut < len; cut += 7) {
        dse_network_t *n2 = NULL;
        int r2 = dse_onnx_import_mem("t.onnx", buf, cut, &s_all, &n2, &err);
        CHECK(r2 < 0 || n2 != NULL);
        dse_network_destroy(&n2);
    }
    free(buf);
}

DSE_TEST(onnx_names)
{
    char out[129];
    dse_network_clean_name("a,b\"c\nd", "Conv", 3, out);
    CHECK_STR(out, "a_b_c_d");
    dse_network_clean_name("", "Conv", 3, out);
    CHECK_STR(out, "Conv_3");
    dse_network_clean_name(NULL, NULL, 7, out);
    CHECK_STR(out, "node_7");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    dse_network_clean_name(longname, "Conv", 0, out);
    CHECK_INT(strlen(out), 120);
    dse_network_t *net = dse_network_new("n.onnx");
    size_t node = dse_network_add_node(net, "x", "Conv", "");
    for (int i = 0; i < 300; i++)
        dse_network_add_layer(net, "conv", DSE_OP_CONV2D, node);
    CHECK_STR(dse_network_layer_c(net, 0)->name, "conv");
    CHECK_STR(dse_network_layer_c(net, 1)->name, "conv_2");
    CHECK_STR(dse_network_layer_c(net, 299)->name, "conv_300");
    dse_network_truncate(net, 1);
    CHECK_STR(dse_network_add_layer(net, "conv", DSE_OP_PW, node)->name, "conv_2");
    dse_network_destroy(&net);
}
