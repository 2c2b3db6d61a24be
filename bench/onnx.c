/* bench/onnx.c - import time of a 1,000-node ONNX graph (the goal: at most
 * 0.1 s), and of any file given on the command line.
 *
 *   build/bench-onnx [FILE.onnx ...]
 *
 * The graph is built here with protobuf-c: 500 Conv (16 -> 16 channels,
 * 3x3, weights stored as raw_data like a torch export) each followed by a
 * Relu, on a [1, 16, 32, 32] input. Timed: decoding (protobuf-c unpack
 * after the depth pre-walk), shape inference and the mapping to layers,
 * from bytes in memory; then the same from a file (read + import).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/network.h"
#include "core/onnx.h"
#include "core/util.h"
#include "onnx/onnx.pb-c.h"

#define N_CONV 500

static uint8_t *s_build(size_t *len)
{
    Onnx__ModelProto m;
    Onnx__GraphProto g;
    onnx__model_proto__init(&m);
    onnx__graph_proto__init(&g);
    m.has_ir_version = 1;
    m.ir_version = 8;
    m.graph = &g;
    Onnx__NodeProto *nodes = dse_xcalloc(2 * N_CONV, sizeof *nodes);
    Onnx__NodeProto **pn = dse_xcalloc(2 * N_CONV, sizeof *pn);
    Onnx__TensorProto *w = dse_xcalloc(N_CONV, sizeof *w);
    Onnx__TensorProto **pw = dse_xcalloc(N_CONV, sizeof *pw);
    char (*names)[32] = dse_xcalloc(6 * N_CONV + 2, sizeof *names);
    char **ins = dse_xcalloc(4 * N_CONV, sizeof *ins);
    char **outs = dse_xcalloc(2 * N_CONV, sizeof *outs);
    static int64_t wdims[4] = {16, 16, 3, 3}, k[2] = {3, 3}, pads[4] = {1, 1, 1, 1};
    uint8_t *zeros = dse_xcalloc(16 * 16 * 9, 4);
    Onnx__AttributeProto ak, ap, *pa[2] = {&ak, &ap};
    onnx__attribute_proto__init(&ak);
    onnx__attribute_proto__init(&ap);
    ak.name = "kernel_shape", ak.has_type = 1;
    ak.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    ak.n_ints = 2, ak.ints = k;
    ap.name = "pads", ap.has_type = 1, ap.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    ap.n_ints = 4, ap.ints = pads;
    size_t nn = 0;
    const char *prev = "input";
    for (int i = 0; i < N_CONV; i++) {
        char *wn = names[6 * i], *cn = names[6 * i + 1], *co = names[6 * i + 2];
        char *rn = names[6 * i + 3], *ro = names[6 * i + 4];
        snprintf(wn, 32, "w%d", i), snprintf(cn, 32, "conv%d", i), snprintf(co, 32, "c%d", i);
        snprintf(rn, 32, "relu%d", i), snprintf(ro, 32, "r%d", i);
        onnx__tensor_proto__init(&w[i]);
        w[i].name = wn, w[i].n_dims = 4, w[i].dims = wdims, w[i].has_data_type = 1;
        w[i].data_type = 1, w[i].has_raw_data = 1;
        w[i].raw_data.len = 16 * 16 * 9 * 4, w[i].raw_data.data = zeros;
        pw[i] = &w[i];
        Onnx__NodeProto *c = &nodes[nn], *r = &nodes[nn + 1];
        onnx__node_proto__init(c);
        onnx__node_proto__init(r);
        ins[4 * i] = (char *)prev, ins[4 * i + 1] = wn, ins[4 * i + 2] = co;
        outs[2 * i] = co, outs[2 * i + 1] = ro;
        c->name = cn, c->op_type = "Conv", c->n_input = 2, c->input = &ins[4 * i];
        c->n_output = 1, c->output = &outs[2 * i], c->n_attribute = 2, c->attribute = pa;
        r->name = rn, r->op_type = "Relu", r->n_input = 1, r->input = &ins[4 * i + 2];
        r->n_output = 1, r->output = &outs[2 * i + 1];
        pn[nn] = c, pn[nn + 1] = r;
        nn += 2;
        prev = ro;
    }
    g.n_node = nn, g.node = pn, g.n_initializer = N_CONV, g.initializer = pw;
    Onnx__ValueInfoProto in, *pin = &in;
    Onnx__TypeProto ty;
    Onnx__TypeProto__Tensor tt;
    Onnx__TensorShapeProto sh;
    Onnx__TensorShapeProto__Dimension d[4], *pd[4];
    int64_t dv[4] = {1, 16, 32, 32};
    onnx__value_info_proto__init(&in);
    onnx__type_proto__init(&ty);
    onnx__type_proto__tensor__init(&tt);
    onnx__tensor_shape_proto__init(&sh);
    for (int i = 0; i < 4; i++) {
        onnx__tensor_shape_proto__dimension__init(&d[i]);
        d[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d[i].dim_value = dv[i];
        pd[i] = &d[i];
    }
    sh.n_dim = 4, sh.dim = pd, tt.shape = &sh, tt.has_elem_type = 1, tt.elem_type = 1;
    ty.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, ty.tensor_type = &tt;
    in.name = "input", in.type = &ty;
    g.n_input = 1, g.input = &pin;
    *len = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = dse_xmalloc(*len);
    onnx__model_proto__pack(&m, buf);
    free(nodes), free(pn), free(w), free(pw), free(names), free(ins), free(outs), free(zeros);
    return buf;
}

static int s_time_file(const char *path, const dse_onnx_opts_t *o)
{
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = dse_now();
        if (dse_onnx_import(path, o, &net, &err)) {
            dse_error_print(&err, stderr);
            return 1;
        }
        double t = dse_now() - t0;
        best = t < best ? t : best;
        if (r < 4)
            dse_network_destroy(&net);
    }
    printf("onnx import %s: %zu nodes -> %zu layers in %.2f ms (best of 5, from the file)\n",
           path, dse_network_n_nodes(net), dse_network_n_layers(net), 1e3 * best);
    dse_network_destroy(&net);
    return 0;
}

int main(int argc, char **argv)
{
    dse_onnx_opts_t o = {.ops = ~0u, .model = "all ops"};
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (s_time_file(argv[i], &o))
                return 1;
        return 0;
    }
    size_t len;
    uint8_t *buf = s_build(&len);
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    const int reps = 20;
    double best = 1e9, total = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = dse_now();
        if (dse_onnx_import_mem("bench.onnx", buf, len, &o, &net, &err)) {
            dse_error_print(&err, stderr);
            return 1;
        }
        double t = dse_now() - t0;
        total += t;
        best = t < best ? t : best;
        if (r + 1 < reps)
            dse_network_destroy(&net);
    }
    printf("onnx import, %d-node graph (%.1f MB): %zu layers; %.2f ms best, %.2f ms mean of %d "
           "(goal <= 100 ms); %.0f nodes/s\n", 2 * N_CONV, len / 1e6, dse_network_n_layers(net),
           1e3 * best, 1e3 * total / reps, reps, 2 * N_CONV / best);
    dse_network_destroy(&net);
    char path[] = "/tmp/dse-bench-onnx-XXXXXX";
    int fd = mkstemp(path);
    int rc = 1;
    if (fd >= 0) {
        rc = write(fd, buf, len) != (ssize_t)len;
        close(fd);
        if (!rc)
            rc = s_time_file(path, &o);
        unlink(path);
    }
    free(buf);
    return rc;
}
