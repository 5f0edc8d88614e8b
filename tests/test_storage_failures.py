"""Failures of the data directory during `aktenlotse crawl` (real tmpfs, real SQLite locks
and files): one German line, a non-zero exit code, the run closed as failed with the
reason where the state database can still be written, and everything indexed before
still searchable afterwards."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_exit_codes import run

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="a size-limited or read-only tmpfs needs root (mount)")


def _config(base: Path, data: Path, share: Path) -> Path:
    config = base / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{data}"\n[[sources]]\nname = "ablage"\nroot = "{share}"\n'
        '[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n',
        encoding="utf-8",
    )
    return config


def _earlier_crawl(base: Path, data: Path) -> tuple[Path, Path]:
    share = base / "ablage"
    share.mkdir()
    for n in range(5):
        (share / f"akte-{n}.txt").write_text(f"Frühere Akte {n} Grundsteuer", encoding="utf-8")
    config = _config(base, data, share)
    out = run("--config", str(config), "crawl", "--no-enrich")
    assert out.returncode == 0, out.stderr
    return config, share


def _failed_crawl(config: Path) -> str:
    out = run("--config", str(config), "crawl", "--no-enrich")
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]


def _earlier_docs_searchable(config: Path) -> None:
    out = run("--config", str(config), "search", "Grundsteuer", "--json", "--mode", "fulltext")
    assert out.returncode == 0, out.stderr
    titles = {hit["path"] for hit in json.loads(out.stdout)["hits"]}
    assert titles == {f"akte-{n}.txt" for n in range(5)}


def _runs(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "state.sqlite") as conn:
        return conn.execute("SELECT status, message FROM runs ORDER BY id").fetchall()


@pytest.fixture
def tmpfs(tmp_path):
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)], check=True)
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


@needs_root
def test_disk_full_mid_crawl(tmp_path, tmpfs):
    data = tmpfs("2m")
    config, share = _earlier_crawl(tmp_path, data)
    rng = random.Random(7)
    for n in range(40):  # ~0.8 MB of long, distinct tokens: text and full-text index outgrow the 2 MB disk
        (share / f"gross-{n:03}.txt").write_text(
            " ".join(f"{rng.getrandbits(160):040x}" for _ in range(500)), encoding="utf-8"
        )
    line = _failed_crawl(config)
    assert "Kein Speicherplatz" in line, line
    status, message = _runs(data)[-1]
    assert status == "failed" and "Kein Speicherplatz" in message
    _earlier_docs_searchable(config)


@needs_root
def test_read_only_data_directory(tmp_path, tmpfs):
    data = tmpfs("50m")
    config, share = _earlier_crawl(tmp_path, data)
    (share / "neu.txt").write_text("Neue Akte", encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
    try:
        line = _failed_crawl(config)
        assert "schreibgeschützt" in line, line
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(data)], check=True)
    # Nothing could be written, so no run was opened that could stay "running".
    assert [status for status, _ in _runs(data)] == ["done"]
    _earlier_docs_searchable(config)


@pytest.mark.parametrize("database", ["index.sqlite", "state.sqlite"])
def test_locked_database(tmp_path, database):
    data = tmp_path / "data"
    config, share = _earlier_crawl(tmp_path, data)
    (share / "neu.txt").write_text("Neue Akte", encoding="utf-8")
    holder = sqlite3.connect(data / database, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        line = _failed_crawl(config)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "gesperrt" in line, line
    statuses = [status for status, _ in _runs(data)]
    assert "running" not in statuses
    if database == "index.sqlite":  # the state database could record why the run failed
        status, message = _runs(data)[-1]
        assert status == "failed" and "gesperrt" in message
    _earlier_docs_searchable(config)


@pytest.mark.parametrize(
    "database, garbage",
    [("state.sqlite", b"kein SQLite, sondern kaputt " * 400), ("index.sqlite", b"\x00kaputt" * 2000)],
)
def test_corrupt_database(tmp_path, database, garbage):
    data = tmp_path / "data"
    config, _ = _earlier_crawl(tmp_path, data)
    broken = data / database
    for suffix in ("-wal", "-shm"):
        Path(f"{broken}{suffix}").unlink(missing_ok=True)
    broken.write_bytes(garbage)
    line = _failed_crawl(config)
    assert "beschädigt" in line, line
    assert broken.read_bytes() == garbage  # left as found (never replaced by an empty one): it may still be restored
    if database == "state.sqlite":
        _earlier_docs_searchable(config)
        return
    status, message = _runs(data)[-1]
    assert status == "failed" and "beschädigt" in message
    # The crawl state of the earlier documents is kept: a restored index needs no full crawl.
    with sqlite3.connect(data / "state.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE status='indexed'").fetchone()[0] == 5
