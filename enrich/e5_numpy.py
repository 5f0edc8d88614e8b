"""The 12 BERT layers of multilingual-e5-small in float32 numpy (BLAS matrix products).

The reference runtime of the "e5-small" encoder: no dependency beyond numpy and scipy,
used when onnxruntime is missing and to check the ONNX graph against.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from aktenlotse.enrich.e5_weights import E5Config


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over the last axis, as BERT does it."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred * (1.0 / np.sqrt(variance + eps)) * weight + bias


class NumpyE5Layers:
    """`run(hidden, mask) -> hidden`: the encoder layers over a padded batch."""

    name = "numpy"

    def __init__(self, layers: dict[str, np.ndarray], config: E5Config):
        self._w = layers
        self._c = config

    def run(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        c, w = self._c, self._w
        batch, length, width = hidden.shape
        head = width // c.heads
        # Padding gets a large negative score so softmax gives it (practically) zero weight.
        bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        x = hidden.reshape(batch * length, width)
        for i in range(c.layers):
            p = f"l{i}."

            def heads(name: str, x: np.ndarray = x, p: str = p) -> np.ndarray:
                y = x @ w[p + name + ".w"] + w[p + name + ".b"]
                return y.reshape(batch, length, c.heads, head).transpose(0, 2, 1, 3)

            q, k, v = heads("q"), heads("k"), heads("v")
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= 1.0 / np.sqrt(head)
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, width)
            attended = context @ w[p + "ao.w"] + w[p + "ao.b"]
            x = layer_norm(x + attended, w[p + "aln.w"], w[p + "aln.b"], c.eps)
            middle = x @ w[p + "fi.w"] + w[p + "fi.b"]
            middle = 0.5 * middle * (1.0 + erf(middle * np.float32(1 / np.sqrt(2))))
            out = middle @ w[p + "fo.w"] + w[p + "fo.b"]
            x = layer_norm(x + out, w[p + "oln.w"], w[p + "oln.b"], c.eps)
        return x.reshape(batch, length, width).astype(np.float32, copy=False)
