"""The pieces the CLI commands share: an action's parser, a report as text or --json, and
the line `aktenplan fold` / `undo-fold` print."""

import argparse
import json
from dataclasses import replace

from aktenlotse.cli.aktenplan_care import _change_line
from aktenlotse.cli.common import add_action, print_report
from aktenlotse.stores.aktenplan_folds import FoldRecord


def test_an_action_runs_its_function_and_takes_json_only_when_asked():
    parser = argparse.ArgumentParser()
    actions = parser.add_subparsers()
    add_action(actions, "plain", lambda args: 0, "no JSON")
    add_action(actions, "rich", lambda args: 0, "with JSON", with_json=True)
    assert parser.parse_args(["rich", "--json"]).json is True
    assert not hasattr(parser.parse_args(["plain"]), "json")


def test_a_report_prints_as_json_or_as_its_lines(capsys):
    report = {"Klasse": "Bauanträge"}
    assert print_report(report, dict, lambda r: [f"{k}: {v}" for k, v in r.items()], as_json=True) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == report
    assert "Bauanträge" in out  # the umlaut as it is, not \u00e4
    print_report(report, dict, lambda r: [f"{k}: {v}" for k, v in r.items()], as_json=False)
    assert capsys.readouterr().out == "Klasse: Bauanträge\n"


def test_a_fold_and_its_undo_say_what_moved():
    fold = FoldRecord(1, 1.0, "krause", ("632.1", "632.1.1"), "632", 3, 4, 7)
    assert _change_line(fold) == (
        "632.1, 632.1.1 in 632 eingefaltet: Aktenplan-Version 4, 7 Entscheidungen verschoben "
        "(rückgängig: aktenlotse aktenplan undo-fold)."
    )
    undone = replace(fold, undone_at=2.0, undone_by="krause", undo_version=5)
    assert _change_line(undone) == (
        "Faltung 632.1, 632.1.1 → 632 rückgängig gemacht: Version 5 ist der Aktenplan von Version 3, "
        "7 Entscheidungen wie zuvor."
    )
