"""Honest exit codes and output of the CLI: each bad input gives one line and a non-zero
exit, never a traceback; reading commands write nothing."""

import json
import os
import socket
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]


def run(*args, cwd=None, env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}
    full_env.update(env or {})
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)


def one_line_error(out):
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    return out.stderr.strip()


def small_config(tmp_path, root):
    """In-process extraction, no enrichment: the CLI's own behaviour, without Java or models."""
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nname = "ablage"\nroot = "{root}"\n'
        '[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n',
        encoding="utf-8",
    )
    return config


def test_crawl_of_a_missing_folder_is_one_line_and_fails(tmp_path):
    out = run("crawl", "/does/not/exist", cwd=tmp_path)
    line = one_line_error(out)
    assert "/does/not/exist" in line and "nicht gefunden" in line
    assert out.stdout == ""
    assert not (tmp_path / "data").exists()


def test_crawl_with_an_unreachable_configured_source_fails(tmp_path):
    config = small_config(tmp_path, tmp_path / "weg")
    out = run("--config", str(config), "crawl", "--no-enrich", "--json")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    summary = json.loads(out.stdout)
    assert summary["status"] == "incomplete" and summary["errors"] == 1


def test_crawl_of_a_reachable_source_succeeds(tmp_path):
    (tmp_path / "ablage").mkdir()
    (tmp_path / "ablage" / "vermerk.txt").write_text("Vermerk zum Bauantrag", encoding="utf-8")
    config = small_config(tmp_path, tmp_path / "ablage")
    out = run("--config", str(config), "crawl", "--no-enrich")
    assert out.returncode == 0, out.stderr
    assert "Neu 1" in out.stdout


def test_empty_search_asks_for_a_query(tmp_path):
    for query in ("", "   "):
        line = one_line_error(run("search", query, cwd=tmp_path))
        assert "Suchbegriff" in line
    assert not (tmp_path / "data").exists()


def test_status_without_config_creates_nothing(tmp_path):
    out = run("status", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Noch kein Crawl" in out.stdout
    assert list(tmp_path.iterdir()) == []
    data = json.loads(run("status", "--json", cwd=tmp_path).stdout)
    assert data["index"] is None and data["runs"] == []
    assert list(tmp_path.iterdir()) == []


def test_status_prints_a_table_and_json(tmp_path):
    (tmp_path / "ablage").mkdir()
    for i in range(3):
        (tmp_path / "ablage" / f"vermerk-{i}.txt").write_text(f"Vermerk {i} zum Bauantrag", encoding="utf-8")
    config = small_config(tmp_path, tmp_path / "ablage")
    assert run("--config", str(config), "crawl", "--no-enrich").returncode == 0
    out = run("--config", str(config), "status")
    assert out.returncode == 0, out.stderr
    assert "{" not in out.stdout and "'" not in out.stdout  # no raw Python dicts
    assert "3 Dokumente" in out.stdout
    header = next(line for line in out.stdout.splitlines() if line.startswith("Lauf"))
    assert header.split() == ["Lauf", "Beginn", "Status", "Dauer", "s", "neu", "geändert", "gelöscht", "Fehler"]
    assert any(line.startswith("1 ") and "fertig" in line for line in out.stdout.splitlines())
    data = json.loads(run("--config", str(config), "status", "--json").stdout)
    assert data["index"]["documents"] == 3 and data["runs"][0]["new"] == 3


def demo_auth_config(tmp_path, port):
    config = tmp_path / "portal.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[auth]\nmode = "demo"\n[portal]\nport = {port}\n', encoding="utf-8"
    )
    return config


@pytest.mark.parametrize("port", [0, 70000])
def test_serve_with_a_port_out_of_range(tmp_path, port):
    out = run("--config", str(demo_auth_config(tmp_path, port)), "serve")
    line = one_line_error(out)
    assert "portal.port" in line
    assert "Portal:" not in out.stdout


def test_serve_on_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run("--config", str(demo_auth_config(tmp_path, port)), "serve")
    line = one_line_error(out)
    assert f"Port {port}" in line and "belegt" in line
    assert "Portal:" not in out.stdout


def test_review_train_without_a_plan_is_one_line_on_stderr(tmp_path):
    (tmp_path / "ablage").mkdir()
    config = small_config(tmp_path, tmp_path / "ablage")
    out = run("--config", str(config), "review", "train")
    line = one_line_error(out)
    assert out.returncode == 1 and "Aktenplan" in line
    assert out.stdout == ""
