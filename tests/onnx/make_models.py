#!/usr/bin/env python3
"""Builds the ONNX test graphs of the importer with onnx.helper (python3-onnx).

usage: make_models.py OUTDIR

Writes into OUTDIR:
  cnv_w1a1.onnx, cnv_w2a2.onnx   CNV (BNN-PYNQ) as QONNX graphs the way Brevitas
                                 exports them: Quant / BipolarQuant nodes in the
                                 qonnx.custom_op.general domain, BatchNorm between
                                 a layer and its activation quantizer, the flatten
                                 as a Shape -> Gather -> Unsqueeze -> Concat ->
                                 Reshape chain, no value_info.
  cnv_w2a2_finn.onnx             the same network as FINN's streamlined graph:
                                 MultiThreshold nodes and finn_datatype annotations.
  cnv_w2a2_dataflow.onnx         the same network converted to FINN dataflow nodes
                                 (ConvolutionInputGenerator_hls, MVAU_hls,
                                 StreamingMaxPool_hls, data-width converters).
  dscnn.onnx                     DS-CNN-S (Zhang et al. 2017) as a float graph with
                                 BatchNorm and ReLU, the layers of
                                 configs/quickstart.toml.
  mobilenetv2_blocks.onnx        two MobileNetV2 inverted-residual blocks
                                 (Sandler et al. 2018) with BatchNorm, ReLU6 (Clip)
                                 and a residual Add.
  microllama_block.onnx          one microLlama-style decoder block the way Deeploy's
                                 test networks write it (IR 5, opset 10, integer
                                 ops in the default domain: iRMSNorm, RequantShift,
                                 iSoftmax, iGELU), with value_info.
  padded.onnx                    Pad before a Conv, Slice, Split, Add, a spatial
                                 ReduceMean (TensorFlow-style exports).
  big_1000.onnx                  a 1,000-node chain (Conv + Relu) for the import
                                 benchmark.
  bad_*.onnx                     malformed inputs: empty, truncated, random bytes,
                                 another message, subgraphs nested 20,000 deep,
                                 no graph, an unsupported grouped convolution, a
                                 value_info that contradicts the shapes (bad_shape),
                                 an awkward node name.

The shapes and bit widths come from the configs in configs/ (which cite their
sources); the weights are zeros: the importer reads shapes only.
"""
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"
FINN = "finn.custom_op.general"


def init(name, shape, dtype=np.float32, value=None):
    if value is None:
        arr = np.zeros(shape, dtype=dtype)
    else:
        arr = np.array(value, dtype=dtype).reshape(shape)
    return numpy_helper.from_array(arr, name)


class G:
    """A graph under construction: nodes, initializers, unique tensor names."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def t(self, hint="t"):
        self.n += 1
        return "%s_%d" % (hint, self.n)

    def node(self, op, inputs, name, domain="", outputs=1, **attrs):
        outs = [self.t(name) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if outputs == 1 else outs

    def const(self, name, shape, dtype=np.float32, value=None):
        self.inits.append(init(name, shape, dtype, value))
        return name

    def model(self, name, inputs, outputs, opsets, ir=8, value_info=()):
        g = helper.make_graph(self.nodes, name, inputs, outputs, self.inits,
                              value_info=list(value_info))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
        m.ir_version = ir
        return m


# --------------------------------------------------------------------- CNV

# (name, kind, cin, cout) in the order of configs/cnv-w2a2-pynq.toml
CNV = [("conv1", "conv", 3, 64), ("conv2", "conv", 64, 64), ("pool1", "pool", 0, 0),
       ("conv3", "conv", 64, 128), ("conv4", "conv", 128, 128), ("pool2", "pool", 0, 0),
       ("conv5", "conv", 128, 256), ("conv6", "conv", 256, 256),
       ("fc1", "fc", 256, 512), ("fc2", "fc", 512, 512), ("fc3", "fc", 512, 10)]


def cnv_qonnx(wbits, abits):
    g = G()

    def quant(x, bits, name, signed=1):
        if bits == 1:
            return g.node("BipolarQuant", [x, g.const(g.t("scale"), [], value=1.0)], name,
                          domain=QONNX)
        return g.node("Quant", [x, g.const(g.t("scale"), [], value=1.0),
                                g.const(g.t("zeropt"), [], value=0.0),
                                g.const(g.t("bitwidth"), [], value=float(bits))], name,
                      domain=QONNX, signed=signed, narrow=0, rounding_mode="ROUND")

    x = quant("global_in", 8, "Quant_in", signed=0)
    for name, kind, cin, cout in CNV:
        if kind == "pool":
            x = g.node("MaxPool", [x], name, kernel_shape=[2, 2], strides=[2, 2])
            continue
        if kind == "fc" and name == "fc1":
            # Brevitas' flatten: x.view(x.shape[0], -1)
            shp = g.node("Shape", [x], "Shape_0")
            b = g.node("Gather", [shp, g.const("idx0", [], np.int64, 0)], "Gather_0", axis=0)
            bu = g.node("Unsqueeze", [b], "Unsqueeze_0", axes=[0])
            cat = g.node("Concat", [bu, g.const("minus1", [1], np.int64, [-1])], "Concat_0",
                         axis=0)
            x = g.node("Reshape", [x, cat], "Reshape_0")
        if kind == "conv":
            w = g.const(name + ".weight", [cout, cin, 3, 3])
            wq = quant(w, wbits, name + "_wquant")
            x = g.node("Conv", [x, wq], name, kernel_shape=[3, 3], strides=[1, 1],
                       pads=[0, 0, 0, 0], group=1)
        else:
            w = g.const(name + ".weight", [cin, cout])
            wq = quant(w, wbits, name + "_wquant")
            x = g.node("MatMul", [x, wq], name)
        if name == "fc3":
            x = g.node("Mul", [x, g.const("out_scale", [1], value=[0.5])], "Mul_out")
            break
        c = cout
        x = g.node("BatchNormalization", [x, g.const(name + ".bn.w", [c]),
                                          g.const(name + ".bn.b", [c]),
                                          g.const(name + ".bn.m", [c]),
                                          g.const(name + ".bn.v", [c], value=np.ones(c))],
                   name + "_bn")
        x = quant(x, abits, name + "_act")
    inp = helper.make_tensor_value_info("global_in", TensorProto.FLOAT, [1, 3, 32, 32])
    out = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 10])
    return g.model("cnv_w%da%d" % (wbits, abits), [inp], [out], [("", 13), (QONNX, 1)])


def cnv_finn(wbits, abits):
    """The streamlined form: integer weights with finn_datatype, MultiThreshold."""
    g = G()
    x = "global_in"
    annos = [("global_in", "UINT8")]
    dt = lambda b: "BIPOLAR" if b == 1 else "INT%d" % b
    for name, kind, cin, cout in CNV:
        if kind == "pool":
            x = g.node("MaxPool", [x], name, kernel_shape=[2, 2], strides=[2, 2])
            continue
        if name == "fc1":
            x = g.node("Reshape", [x, g.const("shape_flat", [2], np.int64, [1, -1])],
                       "Reshape_0")
        if kind == "conv":
            w = g.const(name + ".weight", [cout, cin, 3, 3])
            x = g.node("Conv", [x, w], name, kernel_shape=[3, 3], group=1)
        else:
            w = g.const(name + ".weight", [cin, cout])
            x = g.node("MatMul", [x, w], name)
        annos.append((w, dt(wbits)))
        if name == "fc3":
            break
        thr = g.const(name + ".thresholds", [cout, (1 << abits) - 1])
        x = g.node("MultiThreshold", [x, thr], name + "_thr", domain=FINN,
                   out_dtype=("BIPOLAR" if abits == 1 else "UINT%d" % abits))
    inp = helper.make_tensor_value_info("global_in", TensorProto.FLOAT, [1, 3, 32, 32])
    out = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 10])
    m = g.model("cnv_finn", [inp], [out], [("", 11), (FINN, 1)])
    for tname, d in annos:
        a = onnx.TensorAnnotation()
        a.tensor_name = tname
        e = a.quant_parameter_tensor_names.add()
        e.key, e.value = "finn_datatype", d
        m.graph.quantization_annotation.append(a)
    return m


def cnv_dataflow(wbits, abits):
    """CNV after FINN's to-dataflow conversion (FINN 0.10+ names): a
    ConvolutionInputGenerator_hls and an MVAU_hls per conv, StreamingMaxPool_hls,
    MVAU_hls for the fully connected layers, data-width converters between; the
    attributes FINN sets (ConvKernelDim, IFMChannels, IFMDim, MW, MH, PE, SIMD,
    datatypes, noActivation). Node names as FINN gives them, but not in index
    order, so that an exporter that counts would get them wrong."""
    DF = "finn.custom_op.fpgadataflow.hls"
    g = G()
    x = "global_in"
    dim, n_swg, n_mvau, n_pool = 32, 0, 0, 0
    wdt = "BIPOLAR" if wbits == 1 else "INT%d" % wbits
    adt = "BIPOLAR" if abits == 1 else "UINT%d" % abits
    for name, kind, cin, cout in CNV:
        if kind == "pool":
            x = g.node("StreamingMaxPool_hls", [x], "StreamingMaxPool_hls_%d" % (7 - n_pool),
                       domain=DF, PoolDim=[2, 2], NumChannels=prev_c, ImgDim=[dim, dim],
                       dataType=adt)
            dim //= 2
            n_pool += 1
            continue
        idt = "UINT8" if name == "conv1" else adt
        last = name == "fc3"
        if kind == "conv":
            x = g.node("ConvolutionInputGenerator_hls", [x],
                       "ConvolutionInputGenerator_hls_%d" % (10 - n_swg), domain=DF,
                       ConvKernelDim=[3, 3], IFMChannels=cin, IFMDim=[dim, dim],
                       OFMDim=[dim - 2, dim - 2], SIMD=1, Stride=[1, 1], Dilation=[1, 1],
                       inputDataType=idt, outputDataType=idt, depthwise=0)
            n_swg += 1
            mw, vec = 9 * cin, [1, dim - 2, dim - 2]
            dim -= 2
        else:
            mw, vec = cin, [1]
        x = g.node("StreamingDataWidthConverter_hls", [x], "DWC_%d" % n_mvau, domain=DF)
        x = g.node("MVAU_hls", [x, g.const(name + ".W", [mw, cout])],
                   "MVAU_hls_%d" % (20 - n_mvau), domain=DF, MW=mw, MH=cout, PE=1, SIMD=1,
                   inputDataType=idt, weightDataType=wdt,
                   outputDataType="INT32" if last else adt, noActivation=1 if last else 0,
                   numInputVectors=vec, mem_mode="internal_decoupled", ram_style="auto",
                   resType="lut", ActVal=0, binaryXnorMode=0)
        n_mvau += 1
        prev_c = cout
    inp = helper.make_tensor_value_info("global_in", TensorProto.UINT8, [1, 32, 32, 3])
    out = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 10])
    return g.model("cnv_dataflow", [inp], [out], [("", 11), (DF, 1)])


# ------------------------------------------------------------------ DS-CNN

def dscnn():
    """DS-CNN-S as configs/quickstart.toml: 49 x 10 MFCC input, conv 10x4 s2
    to 64 channels ('same' padding), four depthwise-separable blocks, global
    average pooling, a 12-way linear layer."""
    g = G()

    def bn_relu(x, name, c):
        x = g.node("BatchNormalization", [x, g.const(name + ".bn.w", [c]),
                                          g.const(name + ".bn.b", [c]),
                                          g.const(name + ".bn.m", [c]),
                                          g.const(name + ".bn.v", [c], value=np.ones(c))],
                   name + "_bn")
        return g.node("Relu", [x], name + "_relu")

    x = g.node("Conv", ["input", g.const("conv1.weight", [64, 1, 10, 4]),
                        g.const("conv1.bias", [64])], "conv1", kernel_shape=[10, 4],
               strides=[2, 2], pads=[4, 1, 5, 1])
    x = bn_relu(x, "conv1", 64)
    for i in range(1, 5):
        x = g.node("Conv", [x, g.const("dw%d.weight" % i, [64, 1, 3, 3])], "dw%d" % i,
                   kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=64)
        x = bn_relu(x, "dw%d" % i, 64)
        x = g.node("Conv", [x, g.const("pw%d.weight" % i, [64, 64, 1, 1])], "pw%d" % i,
                   kernel_shape=[1, 1])
        x = bn_relu(x, "pw%d" % i, 64)
    x = g.node("GlobalAveragePool", [x], "avgpool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.node("Gemm", [x, g.const("fc.weight", [12, 64]), g.const("fc.bias", [12])], "fc",
               transB=1)
    # torch.onnx.export style: a symbolic batch dimension, no value_info
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 49, 10])
    out = helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", 12])
    return g.model("dscnn", [inp], [out], [("", 13)])


# ------------------------------------------------------------- MobileNetV2

def mobilenetv2_blocks():
    """Two inverted-residual blocks (expansion 6) at 28 x 28 x 32, the second
    with the residual Add (Sandler et al. 2018, table 2)."""
    g = G()

    def bn(x, name, c, relu6=True):
        x = g.node("BatchNormalization", [x, g.const(name + ".bn.w", [c]),
                                          g.const(name + ".bn.b", [c]),
                                          g.const(name + ".bn.m", [c]),
                                          g.const(name + ".bn.v", [c], value=np.ones(c))],
                   name + "/bn")
        if relu6:
            x = g.node("Clip", [x, g.const(g.t("min"), [], value=0.0),
                                g.const(g.t("max"), [], value=6.0)], name + "/relu6")
        return x

    x = "input"
    for b in range(2):
        p = "features.%d" % (b + 1)
        inp = x
        x = g.node("Conv", [x, g.const(p + ".expand.w", [192, 32, 1, 1])], p + ".expand",
                   kernel_shape=[1, 1])
        x = bn(x, p + ".expand", 192)
        x = g.node("Conv", [x, g.const(p + ".dw.w", [192, 1, 3, 3])], p + ".dw",
                   kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=192)
        x = bn(x, p + ".dw", 192)
        x = g.node("Conv", [x, g.const(p + ".project.w", [32, 192, 1, 1])], p + ".project",
                   kernel_shape=[1, 1])
        x = bn(x, p + ".project", 32, relu6=False)
        if b == 1:
            x = g.node("Add", [inp, x], p + ".add")
    i = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 32, 28, 28])
    o = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 32, 28, 28])
    return g.model("mobilenetv2_blocks", [i], [o], [("", 13)])


# --------------------------------------------------------------- microLlama

def microllama_block(S=16, D=64, H=4, F=128):
    """One decoder block: RMSNorm, Q/K/V projections, H heads of attention,
    output projection, residual, RMSNorm, MLP (up, GELU, down), residual.
    Integer ops as Deeploy names them, in the default domain, with
    tensor-valued attributes on RequantShift."""
    g = G()
    dh = D // H
    vi = []

    def info(name, shape):
        vi.append(helper.make_tensor_value_info(name, TensorProto.INT8, shape))
        return name

    def rq(x, name, shape):
        y = g.node("RequantShift", [x, g.const(g.t("mul"), [1], np.int32, [1]),
                                    g.const(g.t("add"), [1], np.int32, [0])], name,
                   div=helper.make_tensor("div", TensorProto.INT32, [], [256]), signed=1,
                   n_levels_out=256)
        return info(y, shape)

    def proj(x, name, din, dout):
        y = info(g.node("MatMul", [x, g.const(name + ".w", [din, dout], np.int8)], name),
                 [1, S, dout])
        return rq(y, name + "_rq", [1, S, dout])

    x0 = "input"
    x = info(g.node("iRMSNorm", [x0, g.const("norm1.w", [D], np.int8)], "norm1", D=1024,
                    n_levels=256, log2D=10), [1, S, D])
    q, k, v = (proj(x, n, D, D) for n in ("q_proj", "k_proj", "v_proj"))

    def heads(t, name, perm):
        r = info(g.node("Reshape", [t, g.const(g.t("shape"), [4], np.int64, [1, S, H, dh])],
                        name + "_reshape"), [1, S, H, dh])
        shape = [1, S, H, dh]
        return info(g.node("Transpose", [r], name + "_transpose", perm=perm),
                    [shape[p] for p in perm])

    qh = heads(q, "q", [0, 2, 1, 3])
    kh = heads(k, "k", [0, 2, 3, 1])
    vh = heads(v, "v", [0, 2, 1, 3])
    s = info(g.node("MatMul", [qh, kh], "attn_scores"), [1, H, S, S])
    s = rq(s, "attn_scores_rq", [1, H, S, S])
    p = info(g.node("iSoftmax", [s], "attn_softmax", coeffA=1, coeffB=1, coeffC=1, log2=1,
                    n_levels=256), [1, H, S, S])
    o = info(g.node("MatMul", [p, vh], "attn_values"), [1, H, S, dh])
    o = rq(o, "attn_values_rq", [1, H, S, dh])
    o = info(g.node("Transpose", [o], "o_transpose", perm=[0, 2, 1, 3]), [1, S, H, dh])
    o = info(g.node("Reshape", [o, g.const(g.t("shape"), [3], np.int64, [1, S, D])],
                    "o_reshape"), [1, S, D])
    o = proj(o, "o_proj", D, D)
    x1 = info(g.node("Add", [x0, o], "residual1"), [1, S, D])
    x = info(g.node("iRMSNorm", [x1, g.const("norm2.w", [D], np.int8)], "norm2", D=1024,
                    n_levels=256, log2D=10), [1, S, D])
    u = proj(x, "mlp_up", D, F)
    u = info(g.node("iGELU", [u], "mlp_gelu", b=-1, one=1, totScaler=1), [1, S, F])
    d = proj(u, "mlp_down", F, D)
    y = g.node("Add", [x1, d], "residual2")
    i = helper.make_tensor_value_info("input", TensorProto.INT8, [1, S, D])
    out = helper.make_tensor_value_info(y, TensorProto.INT8, [1, S, D])
    return g.model("microllama_block", [i], [out], [("", 10)], ir=5, value_info=vi)


# -------------------------------------------------------------- benchmark

def big(n_nodes=1000):
    g = G()
    x = "input"
    for i in range(n_nodes // 2):
        x = g.node("Conv", [x, g.const("w%d" % i, [16, 16, 3, 3])], "conv%d" % i,
                   kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        x = g.node("Relu", [x], "relu%d" % i)
    i = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 16, 32, 32])
    o = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 16, 32, 32])
    return g.model("big", [i], [o], [("", 13)])


# ------------------------------------------------------------- bad inputs

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    return varint((num << 3) | 2) + varint(len(payload)) + payload


def deep(depth=20000):
    """ModelProto{graph{node{attribute{g{node{attribute{g{...}}}}}}}}: the
    recursion that overflows protobuf-c's stack without a depth cap."""
    inner = b""
    for _ in range(depth):
        attr = field(6, inner)           # AttributeProto.g
        node = field(5, attr)            # NodeProto.attribute
        inner = field(1, node)           # GraphProto.node
    return varint((1 << 3) | 0) + varint(8) + field(7, inner)  # ir_version, graph


def bad(out):
    good = cnv_qonnx(2, 2).SerializeToString()
    files = {
        "bad_empty.onnx": b"",
        "bad_truncated.onnx": good[: len(good) // 2],
        "bad_random.onnx": bytes(random.Random(7).getrandbits(8) for _ in range(4096)),
        "bad_deep.onnx": deep(),
        # a TensorProto: decodes, but as a model it has no graph
        "bad_other_proto.onnx": init("x", [2, 2]).SerializeToString(),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    # a grouped convolution no model op corresponds to
    g = G()
    x = g.node("Conv", ["input", g.const("w", [32, 8, 3, 3])], "grouped_conv",
               kernel_shape=[3, 3], group=4)
    i = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 32, 8, 8])
    o = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 32, 6, 6])
    onnx.save(g.model("grouped", [i], [o], [("", 13)]), os.path.join(out, "bad_grouped.onnx"))
    # awkward names: commas, quotes, a newline, duplicates, an empty name
    g = G()
    x = g.node("Conv", ["input", g.const("w1", [8, 3, 3, 3])], 'conv,"one"\n',
               kernel_shape=[3, 3])
    x = g.node("Conv", [x, g.const("w2", [8, 8, 3, 3])], 'conv,"one"\n', kernel_shape=[3, 3])
    x = g.node("Conv", [x, g.const("w3", [8, 8, 1, 1])], "", kernel_shape=[1, 1])
    i = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])
    o = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 8, 12, 12])
    onnx.save(g.model("names", [i], [o], [("", 13)]), os.path.join(out, "names.onnx"))


def padded():
    """TensorFlow-style: an explicit Pad before a Conv, a spatial ReduceMean as
    the global pooling, a Slice and a Split; and a copy whose value_info
    declares a wrong shape."""
    g = G()
    x = g.node("Pad", ["input", g.const("pads", [8], np.int64, [0, 0, 1, 1, 0, 0, 1, 1])],
               "pad0", mode="constant")
    x = g.node("Conv", [x, g.const("w", [16, 8, 3, 3])], "conv0", kernel_shape=[3, 3])
    x = g.node("Slice", [x, g.const("st", [1], np.int64, [0]), g.const("en", [1], np.int64, [8]),
                         g.const("ax", [1], np.int64, [1])], "slice0")
    a, b = g.node("Split", [x], "split0", outputs=2, axis=1)
    x = g.node("Add", [a, b], "add0")
    x = g.node("ReduceMean", [x], "gap", axes=[2, 3], keepdims=1)
    i = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 8, 16, 16])
    o = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 4, 1, 1])
    good = g.model("padded", [i], [o], [("", 11)])
    bad = g.model("padded", [i], [o], [("", 11)], value_info=[
        helper.make_tensor_value_info(a, TensorProto.FLOAT, [1, 4, 16, 15])])
    return good, bad


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    models = {
        "cnv_w1a1.onnx": cnv_qonnx(1, 1),
        "cnv_w2a2.onnx": cnv_qonnx(2, 2),
        "cnv_w2a2_finn.onnx": cnv_finn(2, 2),
        "cnv_w2a2_dataflow.onnx": cnv_dataflow(2, 2),
        "dscnn.onnx": dscnn(),
        "mobilenetv2_blocks.onnx": mobilenetv2_blocks(),
        "microllama_block.onnx": microllama_block(),
        "big_1000.onnx": big(),
    }
    models["padded.onnx"], models["bad_shape.onnx"] = padded()
    for name, m in models.items():
        onnx.save(m, os.path.join(out, name))
    bad(out)


if __name__ == "__main__":
    main()
