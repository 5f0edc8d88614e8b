"""`aktenlotse backup` while a crawl writes: every database copy opens and passes
`PRAGMA integrity_check`, and the config is in the backup."""

import os
import sqlite3
import subprocess
import sys
import time

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]


def env():
    return {k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}


def test_backup_during_a_running_crawl(tmp_path):
    share = tmp_path / "ablage"
    for i in range(600):
        folder = share / f"Ordner {i // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"vermerk-{i:04}.txt").write_text(f"Vermerk {i} zum Bauantrag {i} der Stadt.", encoding="utf-8")
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nroot = "{share}"\n'
        '[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n[crawl]\nbatch_size = 20\n',
        encoding="utf-8",
    )
    # A first crawl makes the databases; the second one (after every file changed) runs during the backup.
    assert (
        subprocess.run(
            [*CLI, "--config", str(config), "crawl", "--no-enrich"], env=env(), capture_output=True
        ).returncode
        == 0
    )
    for path in share.rglob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8") + " Geändert.", encoding="utf-8")
    crawl = subprocess.Popen(
        [*CLI, "--config", str(config), "crawl", "--no-enrich"],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2)
        assert crawl.poll() is None, "the crawl ended before the backup started"
        out = subprocess.run(
            [*CLI, "--config", str(config), "backup", str(tmp_path / "sicherung")],
            env=env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        still_running = crawl.poll() is None
    finally:
        crawl.wait(timeout=300)
    assert still_running, "the backup did not overlap the crawl"
    backup = tmp_path / "sicherung"
    names = {p.name for p in (backup / "data").glob("*.sqlite")}
    assert {"state.sqlite", "index.sqlite"} <= names
    for db_path in (backup / "data").glob("*.sqlite"):
        with sqlite3.connect(db_path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with sqlite3.connect(backup / "data" / "index.sqlite") as db:
        assert db.execute("SELECT count(*) FROM docs").fetchone()[0] == 600
    assert (backup / "aktenlotse.toml").read_bytes() == config.read_bytes()
    again = subprocess.run(
        [*CLI, "--config", str(config), "backup", str(backup)], env=env(), capture_output=True, text=True
    )
    assert again.returncode == 1 and "nicht leer" in again.stderr and "Traceback" not in again.stderr
