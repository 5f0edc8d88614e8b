"""The 12 BERT layers of multilingual-e5-small as an ONNX graph, run by onnxruntime.

The graph is built with `onnx.helper` from the dequantized float32 weights (no model
download, no exporter): input the embedded tokens (batch, length, 384) and an additive
attention bias (batch, 1, 1, length), output the last hidden states. Built once into the
cache next to the dequantized layers (same weight hash in the name, written atomically);
"onnx-int8" is the same graph after onnxruntime's dynamic quantisation (int8 weights per
output channel, activations quantised per batch at run time), the fastest of the runtimes measured here
(docs/benchmarks.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from aktenlotse.enrich.e5_weights import CACHE_FORMAT, E5WeightFile, weights_digest

_OPSET = 17  # LayerNormalization is a standard operator from 17 on


def build_graph(layers: dict[str, np.ndarray], heads: int, eps: float) -> Any:
    """The encoder layers as an onnx ModelProto (float32)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initializers = [numpy_helper.from_array(array, name) for name, array in layers.items() if name.startswith("l")]
    width = layers["l0.q.w"].shape[0]
    head = width // heads
    constants: dict[str, np.ndarray] = {
        "split_heads": np.array([0, 0, heads, head], dtype=np.int64),
        "join_heads": np.array([0, 0, width], dtype=np.int64),
        "scale": np.array(1.0 / np.sqrt(head), dtype=np.float32),
        "half": np.array(0.5, dtype=np.float32),
        "one": np.array(1.0, dtype=np.float32),
        "inv_sqrt2": np.array(1.0 / np.sqrt(2.0), dtype=np.float32),
    }
    initializers += [numpy_helper.from_array(value, name) for name, value in constants.items()]

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def linear(x: str, name: str) -> str:
        return node("Add", [node("MatMul", [x, name + ".w"], name + ".mm"), name + ".b"], name + ".out")

    count = sum(1 for name in layers if name.endswith(".q.w"))
    x = "hidden"
    for i in range(count):
        p = f"l{i}."
        split = {
            part: node("Reshape", [linear(x, p + part), "split_heads"], p + part + ".heads") for part in ("q", "k", "v")
        }
        q = node("Transpose", [split["q"]], p + "qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [split["k"]], p + "kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [split["v"]], p + "vt", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], p + "qk"), "scale"], p + "scaled")
        probs = node("Softmax", [node("Add", [scores, "attention_bias"], p + "masked")], p + "probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], p + "ctx")], p + "ctxt", perm=[0, 2, 1, 3])
        attended = linear(node("Reshape", [context, "join_heads"], p + "joined"), p + "ao")
        x = node(
            "LayerNormalization",
            [node("Add", [x, attended], p + "res1"), p + "aln.w", p + "aln.b"],
            p + "x1",
            axis=-1,
            epsilon=eps,
        )
        middle = linear(x, p + "fi")
        erf = node("Erf", [node("Mul", [middle, "inv_sqrt2"], p + "gs")], p + "erf")
        gelu = node("Mul", [node("Mul", [middle, "half"], p + "gh"), node("Add", [erf, "one"], p + "g1")], p + "gelu")
        out = linear(gelu, p + "fo")
        x = node(
            "LayerNormalization",
            [node("Add", [x, out], p + "res2"), p + "oln.w", p + "oln.b"],
            p + "x2" if i < count - 1 else "last_hidden",
            axis=-1,
            epsilon=eps,
        )
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", width]),
            helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]),
        ],
        [helper.make_tensor_value_info("last_hidden", TensorProto.FLOAT, ["batch", "length", width])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])


def graph_path(weights: E5WeightFile, cache_dir: Path, int8: bool) -> Path:
    """The cached graph for these weights (fp32 or int8)."""
    kind = "int8-per-channel" if int8 else "fp32"
    return cache_dir / "e5-small" / f"layers-v{CACHE_FORMAT}-{weights_digest(weights.path)}-{kind}.onnx"


def cached_graph(layers: dict[str, np.ndarray], weights: E5WeightFile, cache_dir: Path, int8: bool) -> Path:
    """The graph file, built (and for int8 quantised) once, written atomically."""
    path = graph_path(weights, cache_dir, int8)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.onnx")
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        source = cached_graph(layers, weights, cache_dir, int8=False)
        # Per output channel: one scale per column keeps the vectors within cosine ~0.995 of
        # the float32 graph (one scale per matrix: ~0.984).
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    else:
        import onnx

        onnx.save_model(build_graph(layers, weights.config.heads, weights.config.eps), str(partial))
    os.replace(partial, path)
    return path


class OnnxE5Layers:
    """`run(hidden, mask) -> hidden` through an onnxruntime session on `threads` threads."""

    def __init__(self, layers: dict[str, np.ndarray], weights: E5WeightFile, cache_dir: Path, threads: int, int8: bool):
        import onnxruntime

        path = cached_graph(layers, weights, cache_dir, int8)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.name = "onnx-int8" if int8 else "onnx"

    def run(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        (out,) = self._session.run(["last_hidden"], {"hidden": hidden, "attention_bias": bias})
        return np.asarray(out)
