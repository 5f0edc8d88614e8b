"""The managed Tika server under failure: killed, hung files, dead URLs, bad setup."""

from __future__ import annotations

import io
import os
import signal
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest

from aktenlotse.core.records import ExtractionError, ExtractLimits
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.crawler.tika_jar import TikaSetupError
from aktenlotse.crawler.tika_managed import ManagedTikaServer

pytestmark = pytest.mark.tika_server

LIMITS = ExtractLimits(timeout_s=60)


def _extract(ex: TikaServerExtractor, path: Path, limits: ExtractLimits = LIMITS):
    with path.open("rb") as f:
        return ex.extract(f, path.name, limits)


def _group_pids(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    return [
        p.pid
        for p in psutil.process_iter(["pid", "status"])
        if p.info["status"] != psutil.STATUS_ZOMBIE and _pgid(p.pid) == pgid
    ]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_killed_server_is_restarted_mid_extraction(tika_server, sample_files, big_pdf):
    ex = TikaServerExtractor(managed=tika_server)
    assert "Bauantrag" in _extract(ex, sample_files["docx"]).text
    old_pid = tika_server.pid
    restarts = tika_server.restarts
    result: dict = {}

    def work() -> None:
        try:
            result["doc"] = _extract(ex, big_pdf)
        except ExtractionError as exc:
            result["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    time.sleep(0.5)  # the big PDF is being parsed now
    os.killpg(old_pid, signal.SIGKILL)  # the watchdog and its forked parser, like an OOM kill
    t.join(120)
    assert not t.is_alive()
    # The file in flight was retried once on the restarted server.
    assert "doc" in result, result.get("error")
    assert tika_server.restarts == restarts + 1
    assert tika_server.pid != old_pid
    assert tika_server.is_alive()
    assert _group_pids(old_pid) == []  # nothing of the old server is left
    assert "Bauantrag" in _extract(ex, sample_files["docx"]).text


def test_killed_watchdog_alone_is_noticed(tika_server, sample_files):
    ex = TikaServerExtractor(managed=tika_server)
    old_pid = tika_server.pid
    os.kill(old_pid, signal.SIGKILL)  # only the watchdog; its forked child lives on
    time.sleep(0.2)
    assert not tika_server.is_alive()
    assert "Bauantrag" in _extract(ex, sample_files["docx"]).text
    assert tika_server.is_alive() and tika_server.pid != old_pid
    assert _group_pids(old_pid) == []  # the orphaned child was cleaned up


def test_per_file_timeout_and_server_stays_usable(tika_server, sample_files, big_pdf):
    ex = TikaServerExtractor(managed=tika_server)
    started = time.monotonic()
    # The server's floor (1 s) is the surest limit: the big PDF takes several seconds.
    try:
        doc = _extract(ex, big_pdf, ExtractLimits(timeout_s=1.0))
    except ExtractionError as err:
        assert err.kind == "timeout", err
    else:
        pytest.fail(f"no timeout: {len(doc.text)} characters after {time.monotonic() - started:.1f} s")
    assert time.monotonic() - started < 10
    for key in ("docx", "pdf", "eml"):
        assert _extract(ex, sample_files[key]).text


@pytest.mark.parametrize("timeout_s", [0.5, 2, 600])
def test_any_per_file_limit_is_accepted(tika_server, sample_files, timeout_s):
    # Tika rejects X-Tika-Timeout-Millis below its minimum (HTTP 400) and silently
    # returns an empty result above its task timeout: neither may reach a crawl.
    limits = ExtractLimits(timeout_s=timeout_s)
    for ex in (TikaServerExtractor(managed=tika_server), TikaServerExtractor(urls=[tika_server.url])):
        assert "Bürgermeisterin" in _extract(ex, sample_files["txt_utf8"], limits).text


def test_external_urls_skip_a_dead_one(tika_server, sample_files):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens there
    ex = TikaServerExtractor(urls=[dead, tika_server.url])
    for _ in range(6):
        got = _extract(ex, sample_files["odt"])
        assert "Gebührenordnung" in got.text
    assert dead in ex._dead_until  # put into cool-down, not tried for every file


def test_all_external_urls_dead_is_a_server_error(sample_files):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    ex = TikaServerExtractor(urls=[dead])
    with pytest.raises(ExtractionError) as err:
        _extract(ex, sample_files["docx"])
    assert err.value.kind == "server"


def test_missing_java_is_a_clear_error(tika_jar):
    server = ManagedTikaServer(tika_jar, java="/nonexistent/bin/java")
    with pytest.raises(TikaSetupError, match="Java nicht gefunden"):
        server.start()
    assert not server.is_alive()


def test_extractor_start_without_java_is_an_extraction_error(tika_jar):
    ex = TikaServerExtractor(managed=ManagedTikaServer(tika_jar, java="/nonexistent/bin/java"))
    with pytest.raises(ExtractionError) as err:
        ex.start()
    assert err.value.kind == "server"
    assert "Java nicht gefunden" in err.value.message and "inprocess" in err.value.message


def test_missing_jar_names_setup(tmp_path):
    server = ManagedTikaServer(tmp_path / "tika-server-standard-3.2.2.jar")
    with pytest.raises(TikaSetupError, match="aktenlotse setup"):
        server.start()


def test_managed_server_context_manager_leaves_no_process(tika_jar, sample_files, tmp_path):
    with ManagedTikaServer(tika_jar, heap_mb=256, log_dir=tmp_path) as server:
        pgid = server.pid
        ex = TikaServerExtractor(managed=server)
        assert "Bauantrag" in _extract(ex, sample_files["pdf"]).text
    assert not server.is_alive()
    assert _group_pids(pgid) == []


def test_a_file_that_crashes_the_parser_does_not_fail_its_neighbours(tika_jar, tmp_path):
    # One file of 80 MB of text runs a 128 MB parser JVM out of memory; the healthy files
    # parsed in that JVM at the same time get HTTP 500 or a dropped connection. Each of
    # them is tried once more alone and must come back with its text; the culprit ends
    # as a file error with a German reason, not as "server" (which would retry it forever).
    server = ManagedTikaServer(tika_jar, heap_mb=128, task_timeout_s=60, log_dir=tmp_path)
    server.start()
    try:
        ex = TikaServerExtractor(managed=server)
        big = ("Bauantrag " * 8_000_000).encode()
        healthy = ("Gewerbeanmeldung Marktplatz " * 200_000).encode()
        limits = ExtractLimits(timeout_s=60, max_total_chars=50_000_000)
        results: dict[str, object] = {}

        def run(name: str, data: bytes) -> None:
            try:
                results[name] = ex.extract(io.BytesIO(data), name, limits)
            except ExtractionError as exc:
                results[name] = exc

        threads = [threading.Thread(target=run, args=("gross.txt", big))]
        threads += [threading.Thread(target=run, args=(f"gesund{i}.txt", healthy)) for i in range(8)]
        threads[0].start()
        time.sleep(0.3)
        for t in threads[1:]:
            t.start()
            time.sleep(0.25)
        for t in threads:
            t.join(300)
        failed = {k: v for k, v in results.items() if k != "gross.txt" and isinstance(v, ExtractionError)}
        assert failed == {}
        assert all("Gewerbeanmeldung" in results[f"gesund{i}.txt"].text for i in range(8))
        culprit = results["gross.txt"]
        if isinstance(culprit, ExtractionError):
            assert culprit.kind == "corrupt" and "Parser" in culprit.message, culprit.message
    finally:
        server.stop()
