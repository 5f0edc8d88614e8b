"""Aktenplan classifiers: zero-shot from the plan's own text, supervised from confirmed decisions.

Both score a document against the plan's classes of one level (the suggestion level,
normally the main groups or whatever codes carry decisions) and return one score row per
document. `ZeroShotClassifier` combines lexical evidence (class keywords, BM25-like lemma
overlap with class text including all sub-entries, legal references) with USE similarity
between document chunks and class texts (main row and every sub-entry). `SupervisedClassifier`
is a logistic regression on TF-IDF of lemmas stacked with one on document embeddings and
the zero-shot scores, with probabilities calibrated by temperature scaling fitted on
out-of-fold predictions.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from aktenlotse.enrich.aktenplan import Aktenplan, AktenplanClass
from aktenlotse.enrich.nlp import content_lemmas, legal_reference_laws

# --- chunking and cached embeddings -------------------------------------------------------

#: Classification reads at most this many words per document (chunks beyond are not embedded).
MAX_EMBED_WORDS = 2_000


def chunk_words(text: str, size: int = 200, overlap: int = 0, max_words: int = MAX_EMBED_WORDS) -> list[str]:
    """Split `text` into chunks of `size` words (with `overlap`), at most `max_words` words read."""
    words = text.split()[:max_words]
    if not words:
        return []
    step = max(1, size - overlap)
    chunks = []
    for start in range(0, len(words), step):
        chunks.append(" ".join(words[start : start + size]))
        if start + size >= len(words):
            break
    return chunks


def default_cache_dir() -> Path:
    base = os.environ.get("AKTENLOTSE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "aktenlotse")
    return Path(base)


class CachedEncoder:
    """Wraps an Encoder with an on-disk cache keyed by model name + SHA-1 of the text.

    Used by `eval classify` and by training so that repeated runs do not re-embed; the
    crawl's embedding pass does not need it (each text is embedded once there anyway).
    """

    def __init__(self, encoder, cache_dir: Path | None = None):
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        path = (cache_dir or default_cache_dir())
        path.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path / "embeddings.sqlite"), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return self.name + ":" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            unique = list(dict.fromkeys(texts[i] for i in missing))
            vectors = self.encoder.encode(unique)
            by_text = {t: vectors[j] for j, t in enumerate(unique)}
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors(key, vec) VALUES (?, ?)",
                    [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in by_text.items()],
                )
            for i in missing:
                found[keys[i]] = by_text[texts[i]]
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def close(self) -> None:
        self._db.close()
