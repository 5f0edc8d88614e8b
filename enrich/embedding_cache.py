"""An on-disk cache of chunk embeddings for evaluations and training runs.

`eval classify` and the retraining embed the same texts again and again; the cache keys
each vector by model name and SHA-1 of the text (in `embeddings.sqlite` of the cache
directory), so a second run encodes nothing new.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aktenlotse.core.cache_dir import default_cache_dir
from aktenlotse.enrich.embeddings import Encoder


class CachedEncoder:
    """Wraps an Encoder with an on-disk cache keyed by model name + SHA-1 of the text.

    Used by `eval classify` and by training so that repeated runs do not re-embed; the
    crawl's embedding pass does not need it (each text is embedded once there anyway).
    """

    def __init__(self, encoder: Encoder, cache_dir: Path | None = None):
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        path = cache_dir or default_cache_dir()
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
