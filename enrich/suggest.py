"""Aktenplan suggestions for documents and folders: top classes with a score and reasons.

The crawl calls `Suggester.suggest(text, title, path)` inline (lexical evidence, Aktenzeichen,
TF-IDF model) and again with `doc_vector=` after the embedding pass, which adds semantic
similarity, the embedding model and the nearest confirmed documents. `eval classify` uses
the same `Suggester` (batch form `suggest_many`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aktenlotse.core.config import EnrichConfig
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.classifier import SupervisedClassifier
from aktenlotse.enrich.embeddings import Encoder
from aktenlotse.enrich.nlp import MAX_ENRICH_CHARS, cap, content_lemmas
from aktenlotse.enrich.zero_shot import ZERO_SHOT_BETA, ZeroShotScorer, softmax

MODEL_FILE = "models/aktenplan_classifier.pkl"

# Aktenzeichen whose leading group is a plan code: "632.10-2023/145", "Az.: 632.10/2023".
_AZ_IN_PATH = re.compile(r"(?<![\d.])(\d{2,4}(?:\.\d{1,4})*)(?:[-/ _]\d{2,4}(?:/\d+)?)?(?![\d.])")
_AZ_LABELLED = re.compile(r"\b(?:Az|AZ|Aktenzeichen|Gz|Geschäftszeichen)\.?\s*:?\s*(\d{2,4}(?:\.\d{1,4})*)")


@dataclass
class Suggestion:
    """One suggested class: `score` is a probability-like confidence in [0, 1]."""

    code: str
    title: str
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "score": round(self.score, 4), "reasons": self.reasons}


def document_vector(
    encoder: Encoder, text: str, title: str = "", config: EnrichConfig | None = None
) -> np.ndarray | None:
    """Mean of the chunk vectors of the document (L2-normalised), or None for an empty one.

    The chunks are the embedding pass's (`document_chunks`), so this is the vector the
    crawl's second pass gives the suggestion (`Enricher.suggest_with_vectors`)."""
    _spans, chunks = document_chunks(title, text, config)
    if not chunks:
        return None
    return mean_vector(encoder.encode(chunks))


def mean_vector(chunk_vectors: np.ndarray) -> np.ndarray | None:
    """The document vector from its chunk vectors (what the embedding pass already has)."""
    if chunk_vectors is None or len(chunk_vectors) == 0:
        return None
    v = np.asarray(chunk_vectors, dtype=np.float32).mean(axis=0)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else None


class Suggester:
    """Suggests classes of one plan level, or (default) the plan's leaf classes.

    `encoder` (an Encoder) enables semantic evidence; `model` a trained SupervisedClassifier
    whose codes are this suggester's codes."""

    def __init__(
        self,
        plan: Aktenplan,
        encoder: Encoder | None = None,
        model: SupervisedClassifier | None = None,
        level: int | None = None,
        codes: Sequence[str] | None = None,
    ):
        self.plan = plan
        if codes is None:
            if level is not None:
                codes = [c.code for c in plan.classes.values() if c.level == level]
            else:  # the leaves: the classes documents are filed in
                parents = {c.parent for c in plan.classes.values()}
                codes = [c.code for c in plan.classes.values() if c.code not in parents]
        self.codes = list(codes)
        self.encoder = encoder
        self.zero_shot = ZeroShotScorer(plan, self.codes, encoder)
        self.model = model if model is not None and model.codes == self.codes else None

    # -- persistence --

    @classmethod
    def load(cls, data_dir: Path, plan: Aktenplan | None, encoder: Encoder | None = None) -> Suggester | None:
        """The suggester for `plan` (the imported one, read by the caller from the Aktenplan
        store) with the model trained in `data_dir` when it was trained for this plan, or
        None without a plan."""
        if plan is None or not plan.classes:
            return None
        model = SupervisedClassifier.load(Path(data_dir) / MODEL_FILE)
        codes = model.codes if model is not None and all(c in plan.classes for c in model.codes) else None
        return cls(plan, encoder=encoder, model=model, codes=codes)

    def save_model(self, data_dir: Path) -> None:
        if self.model is not None:
            self.model.save(Path(data_dir) / MODEL_FILE)

    # -- training --

    def train(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        titles: Sequence[str] | None = None,
        vectors: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        unlabelled_texts: Sequence[str] = (),
    ) -> SupervisedClassifier:
        """Fit the supervised model from confirmed decisions (labels are codes of this level;
        deeper codes are mapped to their ancestor at this level). `unlabelled_texts`:
        documents still to be classified, whose words shape the vocabulary (see
        SupervisedClassifier.fit)."""
        labels = [self._to_level(label) for label in labels]
        docs = self._docs(texts, titles)
        lemma_docs = [" ".join(content_lemmas(d)) for d in docs]
        unlabelled = [" ".join(content_lemmas(d)) for d in self._docs(unlabelled_texts, None)]
        lex = self._lexical_matrix(lemma_docs)
        semantic = self.zero_shot.semantic(vectors) if vectors is not None else None
        # the meta model without vectors is trained on the lexical-only zero-shot scores,
        # which is what `suggest_many` computes for documents without a vector
        model = SupervisedClassifier(self.codes).fit(
            lemma_docs,
            labels,
            self.zero_shot.combine(lex, semantic),
            vectors,
            groups,
            self.zero_shot.combine(lex, None),
            unlabelled,
        )
        self.model = model
        return model

    def _to_level(self, code: str) -> str:
        if code in self.codes:
            return code
        for anc in self.plan.ancestors(code):
            if anc.code in self.codes:
                return anc.code
        raise ValueError(f"Kennziffer {code!r} gehört zu keiner Klasse der Vorschlagsebene")

    # -- suggesting --

    def doc_vector(self, text: str, title: str = "") -> np.ndarray | None:
        """The document vector of `text` (see `document_vector`), None without an encoder."""
        return document_vector(self.encoder, text, title) if self.encoder is not None else None

    def suggest(
        self, text: str, title: str = "", path: str = "", doc_vector: np.ndarray | None = None, k: int = 3
    ) -> list[Suggestion]:
        """Top-k classes for one document. Without `doc_vector` only the cheap evidence is used."""
        return self.suggest_many([text], [title], [path], None if doc_vector is None else doc_vector[None, :], k)[0]

    def suggest_many(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        paths: Sequence[str] | None = None,
        vectors: np.ndarray | None = None,
        k: int = 3,
    ) -> list[list[Suggestion]]:
        docs = self._docs(texts, titles)
        lemmas = [content_lemmas(d) for d in docs]
        lemma_docs = [" ".join(words) for words in lemmas]
        evidence = [self.zero_shot.lexical(words) for words in lemmas]
        lex = np.array([e.scores for e in evidence]).reshape(len(docs), len(self.codes))
        semantic = self.zero_shot.semantic(vectors) if vectors is not None else None
        zs = self.zero_shot.combine(lex, semantic)
        if self.model is not None:
            probs = self.model.predict_proba(lemma_docs, zs, vectors)
        else:
            probs = softmax(zs, ZERO_SHOT_BETA)
        empty = [not d.strip() for d in docs]
        out: list[list[Suggestion]] = []
        for i in range(len(docs)):
            p = probs[i].copy()
            reasons_extra: dict[int, list[str]] = {}
            az = self._aktenzeichen_class(texts[i], (paths or [""] * len(docs))[i])
            if az is not None:
                code, raw = az
                j = self.codes.index(code)
                # an Aktenzeichen that names the class is strong evidence: it takes the lead
                p[j] = max(p[j], 0.9)
                p = p / p.sum()
                reasons_extra.setdefault(j, []).append(f"Aktenzeichen {raw} → {code}")
            if empty[i] and az is None:
                out.append([])
                continue
            order = np.argsort(-p)[:k]
            sims = None if semantic is None else semantic[0][i]
            suggestions = []
            for j in order:
                cls = self.plan.classes[self.codes[j]]
                reasons = list(reasons_extra.get(j, []))
                if evidence[i].matched[j]:
                    reasons.append("Schlagworte: " + ", ".join(evidence[i].matched[j]))
                if sims is not None:
                    reasons.append(f"inhaltliche Ähnlichkeit zur Klassenbeschreibung {sims[j]:.2f}")
                if self.model is not None and vectors is not None:
                    near = [n for n in self.model.nearest(vectors[i], 5) if n[1] == cls.code][:2]
                    if near:
                        reasons.append(
                            "ähnlich zu bestätigten Dokumenten (" + ", ".join(f"{s:.2f}" for _, _, s in near) + ")"
                        )
                if self.model is not None:
                    reasons.append("gelerntes Modell aus bestätigten Zuordnungen")
                suggestions.append(Suggestion(cls.code, cls.title, float(p[j]), reasons))
            out.append(suggestions)
        return out

    def _docs(self, texts: Sequence[str], titles: Sequence[str] | None) -> list[str]:
        docs = []
        for i, text in enumerate(texts):
            title = titles[i] if titles else ""
            docs.append(cap(f"{title}\n{text}" if title else (text or ""), MAX_ENRICH_CHARS))
        return docs

    def _lexical_matrix(self, lemma_docs: Sequence[str]) -> np.ndarray:
        """(n, k) lexical zero-shot evidence of lemma documents."""
        lex = [self.zero_shot.lexical(d.split()).scores for d in lemma_docs]
        return np.array(lex).reshape(len(lemma_docs), len(self.codes))

    def _aktenzeichen_class(self, text: str, path: str) -> tuple[str, str] | None:
        """(code at this level, Aktenzeichen) when the path/name or a labelled Aktenzeichen
        in the text starts with a class code of level ≥ 2 (level-1 codes are too short to
        tell an Aktenzeichen from other numbers)."""
        candidates = [m.group(1) for m in _AZ_IN_PATH.finditer(path or "")]
        candidates += [m.group(1) for m in _AZ_LABELLED.finditer((text or "")[:5000])]
        for raw in candidates:
            code = self.plan.code_for_aktenzeichen(raw)
            if code is None:
                continue
            cls = self.plan.classes.get(code)
            if cls is None or cls.level < 2:
                continue
            try:
                return self._to_level(code), raw
            except ValueError:
                # a class above the suggestion level: keep its best child by the other evidence
                continue
        return None


def suggest_folder(
    suggester: Suggester, folder_name: str, doc_suggestions: Sequence[Sequence[Suggestion]], k: int = 3
) -> list[Suggestion]:
    """A folder's suggestion: the mean of its documents' scores plus its own name (and an
    Aktenzeichen in the name) read as a short document; reasons say how many documents agree."""
    totals: dict[str, float] = {}
    votes: dict[str, int] = {}
    n = 0
    for suggestions in doc_suggestions:
        if not suggestions:
            continue
        n += 1
        for s in suggestions:
            totals[s.code] = totals.get(s.code, 0.0) + s.score
        votes[suggestions[0].code] = votes.get(suggestions[0].code, 0) + 1
    own = suggester.suggest(folder_name.replace("_", " ").replace("-", " "), path=folder_name, k=len(suggester.codes))
    name_weight = 1.0 if n == 0 else 0.5
    scores = {code: total / max(n, 1) for code, total in totals.items()}
    own_reasons = {}
    for s in own:
        scores[s.code] = scores.get(s.code, 0.0) * (1 - name_weight) + s.score * name_weight if n else s.score
        own_reasons[s.code] = [r for r in s.reasons if r.startswith(("Aktenzeichen", "Schlagworte"))]
    total = sum(scores.values()) or 1.0
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
    out = []
    for code, score in ranked:
        reasons = []
        if votes.get(code):
            reasons.append(f"{votes[code]} von {n} Dokumenten zuerst hier eingeordnet")
        reasons += [f"Ordnername: {r}" for r in own_reasons.get(code, [])]
        out.append(Suggestion(code, suggester.plan.classes[code].title, score / total, reasons))
    return out
