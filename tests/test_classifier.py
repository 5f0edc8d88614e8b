from pathlib import Path

import numpy as np
import pytest

from aktenlotse.enrich.aktenplan import read_aktenplan
from aktenlotse.enrich.classifier import expected_calibration_error
from aktenlotse.enrich.suggest import Suggester, suggest_folder

MUSTER = Path(__file__).resolve().parent.parent / "enrich" / "data" / "aktenplan_muster.csv"


@pytest.fixture(scope="session")
def encoder():
    from aktenlotse.enrich.embeddings import load_encoder

    return load_encoder("use-multilingual", threads=2)


@pytest.fixture(scope="module")
def plan():
    return read_aktenplan(MUSTER)


BAU = "Bauantrag für ein Einfamilienhaus; die Baugenehmigung nach § 34 BauGB wird mit Befreiung erteilt."
HUND = "Anmeldung eines Hundes zur Hundesteuer, Steuermarke wird ausgegeben, Hundesteuersatzung gilt."
KITA = "Betreuungsvertrag für die Kita, Elternbeitrag und Ermäßigung für das zweite Kind in der Krippe."


def test_zero_shot_suggestions_have_reasons(plan):
    s = Suggester(plan)
    top = s.suggest(HUND)
    assert top[0].code == "902"
    assert any(r.startswith("Schlagworte") and "Hundesteuer" in r for r in top[0].reasons)
    assert 0 < top[0].score <= 1 and top[0].score >= top[1].score


def test_aktenzeichen_in_path_decides(plan):
    top = Suggester(plan).suggest("Schreiben an Herrn Meier", path="Bauamt/632.10-2023-145/Brief.docx")
    assert top[0].code == "632" and any("Aktenzeichen" in r for r in top[0].reasons)


def test_semantic_evidence_with_doc_vector(plan, encoder):
    s = Suggester(plan, encoder=encoder)
    vec = s.doc_vector(KITA)
    top = s.suggest(KITA, doc_vector=vec)
    assert top[0].code in ("461", "46")
    assert any("Ähnlichkeit" in r for r in top[0].reasons)


def test_bad_input(plan):
    s = Suggester(plan)
    assert s.suggest("") == []
    assert len(s.suggest("The council discussed the weather and football.")) == 3
    huge = (BAU + " ") * 30_000
    assert s.suggest(huge)[0].code == "632"


def test_folder_suggestion_aggregates(plan):
    s = Suggester(plan)
    docs = [s.suggest(BAU), s.suggest(BAU + " Bauvorlage"), s.suggest(HUND)]
    top = suggest_folder(s, "632 Baugenehmigungen 2023", docs)
    assert top[0].code == "632" and any("Dokumenten" in r for r in top[0].reasons)


def test_supervised_model_is_calibrated(plan, encoder, tmp_path):
    rng = np.random.default_rng(0)
    topics = {
        "632": ["Bauantrag", "Baugenehmigung", "Bauvorlage", "Neubau", "Garage"],
        "902": ["Hundesteuer", "Hund", "Steuermarke", "Abmeldung", "Halter"],
        "461": ["Elternbeitrag", "Kita", "Krippe", "Betreuungsvertrag", "Ermäßigung"],
    }
    filler = ["Schreiben", "Stadt", "Verwaltung", "Antrag", "Bescheid", "Frist", "Bürger", "Eingang"]
    texts, labels = [], []
    for code, words in topics.items():
        for _ in range(30):
            texts.append(" ".join(rng.choice(words, 4).tolist() + rng.choice(filler, 8).tolist()))
            labels.append(code)
    s = Suggester(plan, encoder=encoder, codes=list(topics))
    vectors = np.stack([s.doc_vector(t) for t in texts])
    s.train(texts, labels, vectors=vectors)
    probs = s.model.predict_proba([" ".join(t.lower().split()) for t in texts], np.zeros((len(texts), 3)), vectors)
    assert np.allclose(probs.sum(axis=1), 1)
    y = np.array([list(topics).index(label) for label in labels])
    assert expected_calibration_error(probs, y) < 0.25
    top = s.suggest("Die Steuermarke für den Hund fehlt", doc_vector=s.doc_vector("Die Steuermarke für den Hund fehlt"))
    assert top[0].code == "902" and any("bestätigten" in r for r in top[0].reasons)
    s.save_model(tmp_path)
    from aktenlotse.enrich.classifier import SupervisedClassifier

    assert SupervisedClassifier.load(tmp_path / "models" / "aktenplan_classifier.pkl").codes == list(topics)


def test_weighted_logit_stack_learns_weights_and_calibrates():
    from aktenlotse.enrich.classifier import WeightedLogitStack

    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    informative = np.eye(3)[y] * 2 + rng.normal(0, 1, (300, 3))
    noise = rng.normal(0, 1, (300, 3))
    meta = WeightedLogitStack(1e-3).fit(np.stack([informative, noise]), y)
    assert meta.weights[0] > 0.5 and abs(meta.weights[1]) < 0.3
    probs = meta.predict_proba(np.stack([informative, noise]))
    assert np.allclose(probs.sum(axis=1), 1)
    assert expected_calibration_error(probs, y) < 0.1


def test_supervised_model_without_vectors_and_old_pickles(plan, tmp_path):
    import pickle

    from aktenlotse.enrich.classifier import SupervisedClassifier

    texts = ["Hundesteuer Steuermarke Hund"] * 12 + ["Bauantrag Baugenehmigung Garage"] * 12
    labels = ["902"] * 12 + ["632"] * 12
    s = Suggester(plan, codes=["632", "902"])
    model = s.train(texts, labels)
    assert "full" not in model.meta and s.suggest("Steuermarke für den Hund")[0].code == "902"
    model.version = 1  # a model saved by an older version cannot be used
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps(model))
    assert SupervisedClassifier.load(path) is None


def test_texts_to_classify_shape_the_vocabulary_but_never_the_labels(plan):
    texts = ["Hundesteuer Steuermarke Hund"] * 12 + ["Bauantrag Baugenehmigung Garage"] * 12
    labels = ["902"] * 12 + ["632"] * 12
    pending = ["Windhund Zwingeranlage Steuermarke", "Carport Dachgaube Bauantrag"]
    s = Suggester(plan, codes=["632", "902"])
    model = s.train(texts, labels, unlabelled_texts=pending)
    vocabulary = model.vectorizer.vocabulary_
    assert {"windhund", "carport", "zwingeranlage"} <= set(vocabulary)
    assert model.info["n_train"] == 24  # the pending texts are no training rows
    # Words only the training texts have keep their weight; the model still separates.
    assert s.suggest("Steuermarke für den Windhund")[0].code == "902"
    assert s.suggest("Bauantrag für den Carport")[0].code == "632"
