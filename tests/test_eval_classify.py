import argparse
import json
from pathlib import Path

import pytest

from aktenlotse.cli.eval import classify_arguments
from aktenlotse.enrich import eval_classify

REVOSAX = Path(__file__).resolve().parents[2] / "shared" / "data" / "revosax"
if not REVOSAX.exists():
    REVOSAX = Path("/work/shared/data/revosax")


def _args(**kw):
    parser = argparse.ArgumentParser()
    classify_arguments(parser)
    argv = []
    for k, v in kw.items():
        flag = "--" + k.replace("_", "-")
        argv += [flag] if v is True else [flag, str(v)]
    return parser.parse_args(argv)


def test_auto_accept_definition():
    import numpy as np

    conf = np.array([0.9, 0.8, 0.8, 0.5, 0.4])
    ok = np.array([1, 1, 0, 1, 0], dtype=bool)
    # prefixes at cuts 1 (1/1), 3 (2/3), 4 (3/4), 5 (3/5): only the first reaches 0.9
    assert eval_classify.auto_accept(conf, ok) == pytest.approx(0.2)
    assert eval_classify.auto_accept(np.array([0.5, 0.5]), np.array([True, False])) == 0.0


def test_tiny_fixture_zero_shot_and_supervised(tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "code,title,parent,description,keywords\n"
        "A,Bauen,,Bauanträge und Baugenehmigungen,Bauantrag;Baugenehmigung\n"
        "B,Hunde,,Hundesteuer und Hundehaltung,Hundesteuer;Hund\n",
        encoding="utf-8",
    )
    rows = [
        {"id": f"a{i}", "label": "A", "text": f"Der Bauantrag Nummer {i} für die Garage wird genehmigt."}
        for i in range(6)
    ]
    rows += [
        {"id": f"b{i}", "label": "B", "text": f"Für den Hund Nummer {i} wird Hundesteuer fällig."} for i in range(6)
    ]
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert eval_classify.run(_args(aktenplan=plan, data=data, model="none", json=True)) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"n", "top1", "top3", "macro_f1", "auto_accept"}
    assert result["n"] == 12 and result["top1"] == 1.0
    assert eval_classify.run(_args(aktenplan=plan, data=data, train=data, model="none", json=True)) == 0
    assert json.loads(capsys.readouterr().out)["top1"] == 1.0


def test_unknown_label_is_a_clear_error(tmp_path):
    from aktenlotse.core.config import ConfigError

    plan = tmp_path / "plan.csv"
    plan.write_text("code,title\nA,Bauen\n", encoding="utf-8")
    data = tmp_path / "rows.csv"
    data.write_text("id,label,text\n1,Z,Text\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Label"):
        eval_classify.evaluate(_args(aktenplan=plan, data=data, model="none"))


@pytest.mark.skipif(not (REVOSAX / "dev.jsonl").exists(), reason="revosax data not present")
def test_beats_chance_on_a_real_slice(tmp_path):
    lines = (REVOSAX / "dev.jsonl").read_text(encoding="utf-8").splitlines()[::4]
    data = tmp_path / "slice.jsonl"
    data.write_text("\n".join(lines), encoding="utf-8")
    result = eval_classify.evaluate(
        _args(aktenplan=REVOSAX / "aktenplan.csv", data=data, text_field="text_masked", model="none")
    )
    assert result["top1"] > 0.3 and result["top3"] > 0.6  # chance: 0.125 / 0.375
