"""Bad input during a crawl: each becomes an error record, nothing indexed is lost."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.demo.filemakers import write_corrupt, write_pdf
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import CrawlEnv
from tests.unprivileged import IS_ROOT, WITHOUT_READ_OVERRIDE, make_unreadable

pytestmark = pytest.mark.tika_server
CLI = [sys.executable, "-m", "aktenlotse.cli.main"]


@pytest.fixture
def env(tmp_path, tika_server):
    return CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))


def many_files(env, n, prefix="Ablage"):
    for i in range(n):
        env.write(f"{prefix}/Ordner {i // 40}/vermerk-{i:04}.txt", f"Vermerk Nummer {i} über den Bauantrag {i}.")


def errors_by_path(env):
    state = StateDB(env.data / "state.sqlite")
    try:
        return {e["path"]: e for e in state.current_errors()}
    finally:
        state.close()


def test_bad_files_become_error_records_and_stay_findable_by_name(env):
    env.write("gut.txt", "Ein gültiges Dokument über Gewerbeanmeldungen.")
    write_corrupt(env.root / "kaputt.docx", like="docx")
    write_pdf(env.root / "geheim-verschluesselt.pdf", "Geheim", ["Vertraulicher Inhalt."], password="geheim")
    (env.root / "leer.txt").write_bytes(b"")
    (env.root / "ins-leere.txt").symlink_to(env.root / "gibt-es-nicht.txt")
    summary = env.crawl()
    errors = errors_by_path(env)
    assert errors["kaputt.docx"]["kind"] == "corrupt"
    assert errors["geheim-verschluesselt.pdf"]["kind"] == "encrypted"
    assert errors["ins-leere.txt"]["kind"] == "symlink"
    assert "leer.txt" not in errors
    assert summary.errors == 3
    assert env.search("Gewerbeanmeldungen") == ["gut.txt"]
    # Files whose content could not be read are still found by their name.
    assert env.search("verschluesselt") == ["geheim-verschluesselt.pdf"]
    assert "leer.txt" in [d.path for d in env.documents()]
    # An unchanged bad file is not retried, and keeps its error record.
    again = env.crawl()
    assert again.extracted == 0
    assert errors_by_path(env)["kaputt.docx"]["kind"] == "corrupt"


def test_errors_command_json(env, tmp_path):
    write_corrupt(env.root / "kaputt.xlsx", like="xlsx")
    env.crawl()
    config = tmp_path / "a.toml"
    config.write_text(f'data_dir = "{env.data}"\n')
    out = subprocess.run([*CLI, "--config", str(config), "errors", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    [record] = json.loads(out.stdout)
    assert record["path"] == "kaputt.xlsx" and record["kind"] == "corrupt" and record["message"]


def test_too_large_file_is_reported(env):
    from aktenlotse.core.config import SourceConfig

    env.write("klein.txt", "klein")
    (env.root / "riesig.bin").write_bytes(b"\0" * 2_000_000)
    original = CrawlEnv.source_config
    try:
        CrawlEnv.source_config = property(lambda self: SourceConfig(name="daten", root=self.root, max_file_size_mb=1))
        env.crawl()
    finally:
        CrawlEnv.source_config = original
    assert errors_by_path(env)["riesig.bin"]["kind"] == "too_large"
    assert [d.path for d in env.documents()] == ["klein.txt"]


def test_unreadable_file_for_the_crawler(env, tika_server, tmp_path):
    if not IS_ROOT:
        pytest.skip("needs root to give the file to another user")
    env.write("offen.txt", "Offenes Dokument zur Sitzungsvorlage.")
    make_unreadable(env.write("gesperrt.txt", "Gesperrt"))
    config = tmp_path / "a.toml"
    config.write_text(
        f'data_dir = "{env.data}"\n[[sources]]\nname = "daten"\nroot = "{env.root}"\n'
        f'[extractor]\nkind = "external"\nurls = ["{tika_server.url}"]\n'
    )
    out = subprocess.run(
        [*WITHOUT_READ_OVERRIDE, *CLI, "--config", str(config), "crawl", "--json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["new"] == 1 and summary["errors"] == 1, errors_by_path(env)
    assert errors_by_path(env)["gesperrt.txt"]["kind"] == "unreadable"


def test_tika_server_killed_mid_crawl_is_restarted_and_nothing_is_lost(env, tika_server):
    many_files(env, 160)
    killed = []

    count = [0]

    def progress(event, n):
        if event == "done":
            count[0] += n
            if count[0] == 30 and not killed:
                os.killpg(tika_server.pid, signal.SIGKILL)
                killed.append(True)

    summary = env.crawl(progress=progress, batch_size=10)
    assert killed
    assert tika_server.restarts >= 1
    assert summary.new == 160, summary
    assert env.state_rows() == {"indexed": 160}
    assert len(env.documents()) == 160


def test_root_disappearing_mid_crawl_deletes_nothing(env):
    many_files(env, 120)
    env.crawl()
    before = env.snapshot()
    moved_away = env.root.with_name("share-offline")

    done = [False]

    def progress(event, n):
        if event == "listed" and not done[0]:
            os.rename(env.root, moved_away)
            done[0] = True

    summary = env.crawl(progress=progress)
    assert summary.deleted == 0
    assert summary.errors >= 1
    assert env.snapshot() == before
    os.rename(moved_away, env.root)
    again = env.crawl()
    assert (again.unchanged, again.deleted, again.new) == (120, 0, 0)


def test_missing_root_is_reported_and_deletes_nothing(env):
    many_files(env, 5)
    env.crawl()
    before = env.snapshot()
    os.rename(env.root, env.root.with_name("weg"))
    summary = env.crawl()
    assert summary.status == "incomplete" and summary.deleted == 0
    assert "nicht erreichbar" in summary.messages[0] or "not reachable" in summary.messages[0]
    assert env.snapshot() == before


def test_non_utf8_name_is_indexed(env):
    raw = os.fsencode(str(env.root)) + b"/Geb\xfchrenbescheid.txt"
    with open(raw, "wb") as f:
        f.write("Gebührenbescheid über Abwassergebühren.".encode())
    env.crawl()
    [path] = env.search("Abwassergebühren")
    assert path == "Geb\ufffdhrenbescheid.txt"
    assert env.crawl().unchanged == 1


def _crawl_cli(config, **kw):
    return subprocess.Popen(
        [*CLI, "--config", str(config), "crawl", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _write_config(path, data_dir, root, tika_url):
    path.write_text(
        f'data_dir = "{data_dir}"\n[[sources]]\nname = "daten"\nroot = "{root}"\n'
        f'[extractor]\nkind = "external"\nurls = ["{tika_url}"]\n[crawl]\nbatch_size = 10\n'
    )


def test_kill_and_resume_equals_undisturbed_crawl(env, tmp_path, tika_server):
    many_files(env, 2000)
    killed_config = tmp_path / "killed.toml"
    _write_config(killed_config, tmp_path / "killed-data", env.root, tika_server.url)
    proc = _crawl_cli(killed_config)
    state_db = tmp_path / "killed-data" / "state.sqlite"
    deadline = time.time() + 120
    indexed = 0
    while time.time() < deadline and proc.poll() is None:
        if state_db.exists():
            try:
                with sqlite3.connect(state_db, timeout=1) as conn:
                    indexed = conn.execute("SELECT count(*) FROM items WHERE status='indexed'").fetchone()[0]
            except sqlite3.Error:
                indexed = 0
            if indexed >= 60:
                break
        time.sleep(0.02)
    assert proc.poll() is None, "the crawl finished before it could be killed"
    proc.kill()
    proc.wait()
    assert 60 <= indexed < 2000
    resumed = _crawl_cli(killed_config)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    # The undisturbed crawl of the same tree, into its own data directory.
    env.data = tmp_path / "killed-data"
    killed_snapshot = env.snapshot()
    env.data = tmp_path / "clean-data"
    env.crawl()
    assert killed_snapshot == env.snapshot()
    assert len(killed_snapshot) == 2000
    with sqlite3.connect(state_db) as conn:
        assert conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall() == [("indexed", 2000)]


def test_no_java_gives_a_clear_message(tmp_path):
    (tmp_path / "share").mkdir()
    config = tmp_path / "a.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nroot = "{tmp_path / "share"}"\n'
        '[extractor]\nkind = "managed"\njava = "/nonexistent/bin/java"\n'
    )
    out = subprocess.run([*CLI, "--config", str(config), "crawl"], capture_output=True, text=True)
    assert out.returncode == 1
    assert "Java" in out.stderr and "Traceback" not in out.stderr
    assert "inprocess" in out.stderr
