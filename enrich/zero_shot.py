"""Zero-shot Aktenplan scores: a document against the plan's classes, from the plan's text alone.

`ZeroShotScorer` combines lexical evidence (class keywords, BM25-like lemma overlap with
the class text including all sub-entries, legal references) with the similarity between
the document vector and the class texts (main row and every sub-entry) and the single
class keywords. It needs no decisions, so it serves from the first crawl on; the
supervised model (`classifier.SupervisedClassifier`) stacks on its scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.enrich.embeddings import Encoder
from aktenlotse.enrich.nlp import content_lemmas, legal_reference_laws

# Weights of the z-normalised signals; chosen by cross-validation on labelled training data
# (never on evaluation data): semantic similarity of the document to the class texts (main
# row and sub-entries, maximum), to the single class keywords (maximum), and lexical overlap.
W_SEMANTIC = 0.5
W_KEYWORD_VEC = 1.0
W_LEXICAL = 1.5
#: softmax sharpness turning combined zero-shot scores into probabilities
ZERO_SHOT_BETA = 1.0


def zscore(row: np.ndarray) -> np.ndarray:
    """Each row standardised to mean 0 and deviation 1 (a constant row stays 0)."""
    row = np.asarray(row, dtype=np.float64)
    std = row.std(axis=-1, keepdims=True)
    return (row - row.mean(axis=-1, keepdims=True)) / np.where(std > 1e-9, std, 1.0)


def softmax(scores: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Row-wise softmax of `scores` with sharpness `beta`."""
    s = np.asarray(scores, dtype=np.float64) * beta
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class LexicalEvidence:
    scores: np.ndarray  # (k,)
    matched: list[list[str]]  # per class: class keywords found in the document


class ZeroShotScorer:
    """Scores documents against the classes `codes` of a plan using only the plan's text."""

    def __init__(self, plan: Aktenplan, codes: Sequence[str], encoder: Encoder | None = None):
        self.plan = plan
        self.codes = list(codes)
        self.encoder = encoder
        k = len(self.codes)
        self._profiles: list[Counter] = [Counter() for _ in range(k)]
        self._kw_lemmas: list[dict[str, str]] = [{} for _ in range(k)]
        self._laws: list[set[str]] = [set() for _ in range(k)]
        self._class_texts: list[str] = []
        self._class_owner: list[int] = []
        self._kw_texts: list[str] = []
        self._kw_owner: list[int] = []
        for i, code in enumerate(self.codes):
            entries = [plan.classes[code], *plan.descendants(code)]
            for entry in entries:
                self._profiles[i].update(set(content_lemmas(entry.text)))
                self._laws[i].update(legal_reference_laws(entry.text))
                self._class_texts.append(entry.text)
                self._class_owner.append(i)
                for kw in entry.keywords:
                    lemmas = set(content_lemmas(kw))
                    for lemma in lemmas:
                        self._profiles[i][lemma] += 2
                    main = content_lemmas(kw)
                    if main:
                        self._kw_lemmas[i].setdefault(main[0], kw)
                    self._kw_texts.append(kw)
                    self._kw_owner.append(i)
        df = Counter(t for p in self._profiles for t in p)
        self._idf = {t: math.log(1 + k / n) for t, n in df.items()}
        self._class_vecs: np.ndarray | None = None
        self._kw_vecs: np.ndarray | None = None

    # cheap, inline
    def lexical(self, lemmas: Sequence[str]) -> LexicalEvidence:
        tf = Counter(lemmas)
        length = sum(tf.values()) + 1
        norm = 1.2 * (0.25 + 0.75 * length / 400.0)
        scores = np.zeros(len(self.codes))
        matched: list[list[str]] = []
        for i, profile in enumerate(self._profiles):
            s = 0.0
            for term, weight in profile.items():
                n = tf.get(term)
                if n:
                    s += weight * self._idf[term] * n * 2.2 / (n + norm)
            scores[i] = s
            hits = [(tf[lemma], kw) for lemma, kw in self._kw_lemmas[i].items() if lemma in tf]
            hits.sort(key=lambda h: -h[0])
            matched.append([kw for _, kw in hits[:5]])
        return LexicalEvidence(scores, matched)

    def _ensure_vectors(self) -> bool:
        if self.encoder is None:
            return False
        if self._class_vecs is None:
            self._class_vecs = self.encoder.encode(self._class_texts)
            self._kw_vecs = self.encoder.encode(self._kw_texts) if self._kw_texts else np.zeros((0, self.encoder.dim))
        return True

    def semantic(self, doc_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(n, k) similarities to class texts (max over main row and sub-entries) and to
        single keywords (max); None without an encoder."""
        if not self._ensure_vectors() or self._class_vecs is None or self._kw_vecs is None:
            return None
        doc_vectors = np.atleast_2d(doc_vectors)
        k = len(self.codes)
        owner = np.array(self._class_owner)
        sim = doc_vectors @ self._class_vecs.T
        text_sim = np.stack([sim[:, owner == i].max(axis=1) for i in range(k)], axis=1)
        if len(self._kw_texts):
            kw_owner = np.array(self._kw_owner)
            ksim = doc_vectors @ self._kw_vecs.T
            kw_sim = np.stack(
                [
                    ksim[:, kw_owner == i].max(axis=1) if (kw_owner == i).any() else np.full(len(doc_vectors), -1.0)
                    for i in range(k)
                ],
                axis=1,
            )
        else:
            kw_sim = text_sim
        return text_sim, kw_sim

    @staticmethod
    def combine(lexical: np.ndarray, semantic: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        """Combined zero-shot score(s): weighted sum of per-document z-normalised signals."""
        score = W_LEXICAL * zscore(lexical)
        if semantic is not None:
            score = score + W_SEMANTIC * zscore(semantic[0]) + W_KEYWORD_VEC * zscore(semantic[1])
        return score
