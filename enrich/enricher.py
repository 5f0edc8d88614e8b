"""The Enricher seam used by the crawl.

`Enricher(config, data_dir).enrich(doc)` runs inline for every document (cheap: rules,
lemma lookups, the lexical/TF-IDF part of the Aktenplan suggestion) and fills `doc.extra`:

- `keywords`: list[str], a handful of German keywords;
- `entities`: list of {"label", "text"} (compact, unique, capped per label);
- `sensitive`: list of reason codes (see `sensitive.REASONS`), empty when none;
- `aktenplan`: list of {"code", "title", "score", "reasons"} (top 3), only when a plan is imported.

After the embedding pass, `suggest_with_vectors(doc, chunk_vectors)` refreshes
`doc.extra["aktenplan"]` with the semantic evidence and the embedding model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.enrich.embeddings import Encoder, load_encoder
from aktenlotse.enrich.entities import compact, find_entities
from aktenlotse.enrich.keywords import KeywordExtractor
from aktenlotse.enrich.nlp import MAX_ENRICH_CHARS, cap
from aktenlotse.enrich.sensitive import sensitive_flags
from aktenlotse.enrich.suggest import Suggester, mean_vector

log = logging.getLogger(__name__)


class Enricher:
    """Keywords, entities, sensitive-data flags and Aktenplan suggestions for documents.

    Thread-safe for `enrich`. The Aktenplan (through `load_plan`, e.g. the Aktenplan store's
    `load_current_plan`: the store is a layer above this one) and the trained model (from
    `data_dir`) are read when the Enricher is created (`reload()` after an import or
    training); without `load_plan` there are no Aktenplan suggestions."""

    def __init__(
        self,
        config: EnrichConfig,
        data_dir: Path,
        max_chars: int = MAX_ENRICH_CHARS,
        load_plan: Callable[[Path], Aktenplan | None] | None = None,
    ):
        self.config = config
        self.data_dir = Path(data_dir)
        self.max_chars = max_chars
        self._load_plan = load_plan
        self._lock = threading.Lock()
        self._encoder: Encoder | None = None
        self.reload()

    def reload(self) -> None:
        """Re-read the current Aktenplan and trained model."""
        plan = self._load_plan(self.data_dir) if self._load_plan is not None and self.config.enabled else None
        self.suggester = Suggester.load(self.data_dir, plan)
        plan_keywords = []
        if self.suggester is not None:
            plan_keywords = [kw for c in self.suggester.plan.classes.values() for kw in c.keywords]
        # Keywords score with the neutral idf: no corpus table is kept (see keywords.py).
        self.keywords = KeywordExtractor(plan_keywords=plan_keywords)

    def enrich(self, doc: Document) -> None:
        """Fill `doc.extra` (keywords, entities, sensitive, aktenplan) from the document's
        text, title and path. Never raises for odd text (empty, other languages, huge)."""
        if not self.config.enabled:
            return
        text = cap(doc.text or "", self.max_chars)
        entities = find_entities(text, self.max_chars)
        doc.extra["entities"] = compact(entities)
        doc.extra["sensitive"] = sensitive_flags(entities, text)
        doc.extra["keywords"] = self.keywords.extract(text, doc.title or "")
        if self.suggester is not None:
            suggestions = self.suggester.suggest(text, doc.title or "", doc.path or "")
            doc.extra["aktenplan"] = [s.as_dict() for s in suggestions]

    def suggest_with_vectors(self, doc: Document, chunk_vectors: np.ndarray) -> None:
        """Second pass: re-suggest with the document's chunk vectors (from the embedding pass).
        The vectors must come from the configured encoder (`enrich.model`)."""
        if self.suggester is None or chunk_vectors is None or len(chunk_vectors) == 0:
            return
        self._attach_encoder()
        vector = mean_vector(chunk_vectors)
        suggestions = self.suggester.suggest(
            cap(doc.text or "", self.max_chars), doc.title or "", doc.path or "", doc_vector=vector
        )
        doc.extra["aktenplan"] = [s.as_dict() for s in suggestions]

    def _attach_encoder(self) -> None:
        # class-text vectors need the same encoder as the documents' vectors
        if self.suggester is not None and self.suggester.zero_shot.encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = load_encoder(self.config.model, self.config.threads)
                self.suggester.encoder = self._encoder
                self.suggester.zero_shot.encoder = self._encoder
