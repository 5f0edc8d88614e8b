"""The supervised Aktenplan classifier, trained on the AG DMS's confirmed decisions.

`SupervisedClassifier` is a logistic regression on TF-IDF of lemmas, stacked with Naive
Bayes, a model of the document's opening and one on document embeddings, together with
the zero-shot scores (`zero_shot.ZeroShotScorer`), by `WeightedLogitStack`, whose
probabilities are calibrated on out-of-fold predictions. Saved models are pickles of
these classes, so they stay in this module.
"""

from __future__ import annotations

import functools
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aktenlotse.enrich.zero_shot import zscore

# Grouped cross-validation folds: (train rows, test rows) index pairs.
Folds = list[tuple[np.ndarray, np.ndarray]]


def _folds(labels: np.ndarray, groups: Sequence[str] | None, n_splits: int = 5):
    from sklearn.model_selection import StratifiedGroupKFold

    counts = np.bincount(labels)
    n_splits = int(min(n_splits, counts[counts > 0].min()))
    if n_splits < 2:
        return None
    group_ids = np.asarray(groups if groups is not None else np.arange(len(labels)))
    return list(
        StratifiedGroupKFold(n_splits, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels, group_ids)
    )


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE of the top-1 confidence (reliability: |accuracy - confidence| averaged over bins)."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    ece = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


class WeightedLogitStack:
    """Meta model of the stack: one weight per base model plus one bias per class.

    score_k = Σ_m w_m · S_m[:, k] + b_k, softmax over the classes. A multinomial logistic
    regression on the concatenated base outputs has k weights per base output and class
    (3·k² for three bases); this conditional logit has m + k parameters, which overfits
    less on a few hundred decisions. On revosax train (grouped CV, same base models) it
    gave about one point more top-1 and a lower calibration error than the multinomial one.
    """

    def __init__(self, lam: float):
        self.lam = lam  # L2 penalty on weights and biases
        self.weights = np.zeros(0)
        self.bias = np.zeros(0)

    def _scores(self, S: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        return np.einsum("m,mnk->nk", weights, S) + bias

    def fit(self, S: np.ndarray, y: np.ndarray) -> WeightedLogitStack:
        """`S`: (models, documents, classes) base scores; `y`: class indices."""
        from scipy.optimize import minimize
        from scipy.special import log_softmax

        m, n, k = S.shape
        rows = np.arange(n)

        def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:m], theta[m:]
            logp = log_softmax(self._scores(S, w, b), axis=1)
            resid = np.exp(logp)
            resid[rows, y] -= 1.0
            resid /= n
            loss = -logp[rows, y].mean() + self.lam * (w @ w + b @ b)
            grad = np.concatenate(
                [np.einsum("mnk,nk->m", S, resid) + 2 * self.lam * w, resid.sum(axis=0) + 2 * self.lam * b]
            )
            return loss, grad

        start = np.concatenate([np.full(m, 1.0 / m), np.zeros(k)])
        theta = minimize(loss_and_grad, start, jac=True, method="L-BFGS-B").x
        self.weights, self.bias = theta[:m], theta[m:]
        return self

    def predict_proba(self, S: np.ndarray) -> np.ndarray:
        from scipy.special import softmax as _softmax

        return _softmax(self._scores(S, self.weights, self.bias), axis=1)


class SupervisedClassifier:
    """Stacked classifier trained on confirmed decisions.

    Base models: logistic regression on TF-IDF of lemma uni- and bigrams, Complement Naive
    Bayes on lemma counts, logistic regression on TF-IDF of the document's first
    `LEAD_LEMMAS` lemmas, and logistic regression on document embeddings (when given).
    Their out-of-fold log-probabilities (grouped folds) plus the zero-shot scores feed a
    `WeightedLogitStack` whose probabilities are the calibrated scores. A second meta model
    without the embedding model (and trained on the lexical-only zero-shot scores, as the
    inline crawl path computes them) serves documents whose vector does not exist yet.
    Every hyper-parameter in the grids below is chosen by grouped cross-validation
    log-loss on the training data.
    """

    #: bump when the pickled structure changes: older saved models are then not loaded
    VERSION = 2
    C_TEXT = (10.0, 30.0, 100.0)
    ALPHA_NB = (0.3, 1.0)
    C_LEAD = (3.0, 10.0, 30.0)
    #: the opening of an official document (long title, preamble) states its subject; a
    #: model of its own on it outweighs it against the body. 50 was chosen over 25 and 100
    #: by grouped CV of the whole stack on revosax train.
    LEAD_LEMMAS = 50
    C_VEC = (3.0, 10.0, 30.0)
    LAMBDA_META = (1e-4, 1e-3, 1e-2)
    #: used when there are too few decisions per class for cross-validation
    FALLBACK = {"C_text": 30.0, "alpha_nb": 1.0, "C_lead": 10.0, "C_vec": 10.0, "lambda_meta": 1e-2}

    def __init__(self, codes: Sequence[str]):
        self.codes = list(codes)
        self.version = self.VERSION
        self.info: dict = {}

    @staticmethod
    def _lr(C: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, max_iter=3000)

    @staticmethod
    def _nb(alpha: float) -> Any:
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=alpha)

    def _full_logp(self, model: Any, X: Any) -> np.ndarray:
        out = np.full((X.shape[0], len(self.codes)), -30.0)
        out[:, model.classes_] = np.maximum(model.predict_log_proba(X), -30.0)
        return out

    def _oof(self, make: Callable[[], Any], X: Any, y: np.ndarray, folds: Folds) -> np.ndarray:
        out = np.zeros((X.shape[0], len(self.codes)))
        for train, test in folds:
            out[test] = self._full_logp(make().fit(X[train], y[train]), X[test])
        return out

    @staticmethod
    def _log_loss(logp: np.ndarray, y: np.ndarray) -> float:
        # renormalised: Complement NB's clipped log-probabilities need not sum to one
        logp = logp - np.logaddexp.reduce(logp, axis=1, keepdims=True)
        return float(-np.mean(logp[np.arange(len(y)), y]))

    def _base_model(
        self,
        factory: Callable[[float], Any],
        grid: Sequence[float],
        fallback: float,
        X: Any,
        y: np.ndarray,
        folds: Folds | None,
    ) -> tuple[float, np.ndarray, Any]:
        """(parameter, out-of-fold log-probabilities, model fitted on all rows) of one base
        model; the parameter minimises grouped-CV log-loss. Without folds the in-sample
        log-probabilities stand in for the out-of-fold ones."""
        if folds is None:
            model = factory(fallback).fit(X, y)
            return fallback, self._full_logp(model, X), model
        best: tuple[float, float, np.ndarray] | None = None
        for param in grid:
            oof = self._oof(functools.partial(factory, param), X, y, folds)
            nll = self._log_loss(oof, y)
            if best is None or nll < best[0]:
                best = (nll, param, oof)
        assert best is not None, "an empty grid of parameters"
        return best[1], best[2], factory(best[1]).fit(X, y)

    def _meta_model(self, S: np.ndarray, y: np.ndarray, folds: Folds | None) -> WeightedLogitStack:
        lam = self.FALLBACK["lambda_meta"]
        if folds is not None:
            best: tuple[float, float] | None = None
            for candidate in self.LAMBDA_META:
                probs = np.zeros((S.shape[1], len(self.codes)))
                for train, test in folds:
                    probs[test] = WeightedLogitStack(candidate).fit(S[:, train], y[train]).predict_proba(S[:, test])
                nll = self._log_loss(np.log(np.maximum(probs, 1e-12)), y)
                if best is None or nll < best[0]:
                    best = (nll, candidate)
            assert best is not None, "LAMBDA_META is not empty"
            lam = best[1]
        return WeightedLogitStack(lam).fit(S, y)

    def _lead(self, lemma_docs: Sequence[str]) -> list[str]:
        return [" ".join(d.split()[: self.LEAD_LEMMAS]) for d in lemma_docs]

    @staticmethod
    def _tfidf(min_df: int) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        # lemma bigrams keep phrases such as "öffentlich Dienst" apart from their words
        return TfidfVectorizer(
            sublinear_tf=True, min_df=min_df, ngram_range=(1, 2), token_pattern=r"\S+", dtype=np.float32
        )

    def fit(
        self,
        lemma_docs: Sequence[str],
        labels: Sequence[str],
        zero_shot: np.ndarray,
        vectors: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        zero_shot_lexical: np.ndarray | None = None,
        unlabelled: Sequence[str] = (),
    ) -> SupervisedClassifier:
        """Train from lemma documents and their codes. `zero_shot`: (n, k) zero-shot scores
        as computed with `vectors`; `zero_shot_lexical`: the same without semantic evidence
        (what the inline path sees), for the meta model without vectors (default: `zero_shot`).
        `unlabelled`: lemma documents still to be classified (never their labels): the
        vocabularies and idf weights are fitted on them too, so words that only occur in
        the collection at hand still count (grouped CV on revosax train: top-1 +0.6 points,
        top-3 +0.6, auto_accept +2.2, in each of 7 fold seeds ≥ 0)."""
        from sklearn.feature_extraction.text import CountVectorizer

        y = np.array([self.codes.index(label) for label in labels])
        min_df = 2 if len(lemma_docs) >= 50 else 1
        self.vectorizer = self._tfidf(min_df)
        self.lead_vectorizer = self._tfidf(min_df)
        self.counter = CountVectorizer(min_df=min_df, token_pattern=r"\S+", dtype=np.float32)
        corpus = [*lemma_docs, *unlabelled]
        X = self.vectorizer.fit(corpus).transform(lemma_docs)
        X_lead = self.lead_vectorizer.fit(self._lead(corpus)).transform(self._lead(lemma_docs))
        counts = self.counter.fit(corpus).transform(lemma_docs)
        folds = _folds(y, groups)
        fb = self.FALLBACK
        c_text, oof_text, self.text_model = self._base_model(self._lr, self.C_TEXT, fb["C_text"], X, y, folds)
        alpha, oof_nb, self.nb_model = self._base_model(self._nb, self.ALPHA_NB, fb["alpha_nb"], counts, y, folds)
        c_lead, oof_lead, self.lead_model = self._base_model(self._lr, self.C_LEAD, fb["C_lead"], X_lead, y, folds)
        c_vec, oof_vec, self.vec_model = (None, None, None)
        if vectors is not None:
            c_vec, oof_vec, self.vec_model = self._base_model(self._lr, self.C_VEC, fb["C_vec"], vectors, y, folds)
        z_lexical = zscore(zero_shot if zero_shot_lexical is None else zero_shot_lexical)
        inputs = {"text": [oof_text, oof_nb, oof_lead, z_lexical]}
        if oof_vec is not None:
            inputs["full"] = [oof_text, oof_nb, oof_lead, oof_vec, zscore(zero_shot)]
        self.meta = {}
        for name, parts in inputs.items():
            self.meta[name] = self._meta_model(np.stack(parts), y, folds)
            self.info[f"lambda_meta_{name}"] = self.meta[name].lam
            self.info[f"weights_{name}"] = [round(float(w), 3) for w in self.meta[name].weights]
        self.info.update({"C_text": c_text, "alpha_nb": alpha, "C_lead": c_lead, "C_vec": c_vec, "n_train": len(y)})
        self.train_vectors = vectors
        self.train_labels = y
        return self

    def predict_proba(
        self, lemma_docs: Sequence[str], zero_shot: np.ndarray, vectors: np.ndarray | None = None
    ) -> np.ndarray:
        parts = [
            self._full_logp(self.text_model, self.vectorizer.transform(lemma_docs)),
            self._full_logp(self.nb_model, self.counter.transform(lemma_docs)),
            self._full_logp(self.lead_model, self.lead_vectorizer.transform(self._lead(lemma_docs))),
        ]
        name = "text"
        if vectors is not None and self.vec_model is not None and "full" in self.meta:
            parts.append(self._full_logp(self.vec_model, vectors))
            name = "full"
        parts.append(zscore(zero_shot))
        return self.meta[name].predict_proba(np.stack(parts))

    def nearest(self, vector: np.ndarray, k: int = 3) -> list[tuple[int, str, float]]:
        """(training row, code, cosine) of the most similar confirmed documents."""
        if self.train_vectors is None or vector is None:
            return []
        sims = self.train_vectors @ vector
        top = np.argsort(-sims)[:k]
        return [(int(i), self.codes[self.train_labels[i]], float(sims[i])) for i in top]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(self, f)
        os.replace(tmp, path)

    @staticmethod
    def load(path: Path) -> SupervisedClassifier | None:
        """The saved model, or None when missing, unreadable or saved by an older version
        (whose structure this code cannot use; the model has to be trained again)."""
        try:
            with open(path, "rb") as f:
                model = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        if not isinstance(model, SupervisedClassifier) or getattr(model, "version", 1) != SupervisedClassifier.VERSION:
            return None
        return model
