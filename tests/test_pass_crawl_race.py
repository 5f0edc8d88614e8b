"""Second passes running while a crawl changes permissions never write a stale permission
back (issue: the embedding and OCR passes used to fetch documents and upsert them whole).

Each round changes the content of some files (so the embedding pass has vectors to compute
and the OCR pass a scan to read), then runs both passes in their own threads, with their own
index connections and state handle as separate processes would, while the main thread flips
the same files between 600 and 644 and crawls again. After all rounds and one final crawl,
what an unprivileged user finds in the index must equal what that user can really open.
Real files, the real Tika server with Tesseract, the real encoder, both backends.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from aktenlotse.core.config import Config, ElasticsearchConfig, EnrichConfig, ExtractorConfig, SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.pipeline.ocr_pass import run_ocr_pass
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.test_ocr import render_scan
from tests.unprivileged import IS_ROOT, OTHER_UID

pytestmark = [
    pytest.mark.tika_server,
    pytest.mark.skipif(not IS_ROOT, reason="opening the files as another uid (setpriv) needs root"),
]

ROUNDS = 15  # every round overlaps both passes with a permission-changing crawl; ~60 s on Elasticsearch
STEADY_FILES = 20  # never change: the bulk a real crawl walks past
FLIPPED_FILES = 6  # content and mode change every round
# nobody/nogroup as the portal would resolve them; the ground truth opens the files as that uid.
OTHER_PRINCIPALS = ("everyone", "authenticated", "user:nobody", "group:nogroup")
WORDS = ("Bauantrag", "Haushalt", "Satzung", "Vermerk", "Bescheid", "Friedhof", "Gebühr", "Wochenmarkt")
_CAN_OPEN = """
import sys
for path in sys.argv[1:]:
    try:
        open(path, "rb").close()
        print(path)
    except OSError:
        pass
"""


def _readable_as_other(paths: list[Path]) -> set[str]:
    """Ground truth: the files an unprivileged uid can really open (not the crawler's view)."""
    out = subprocess.run(
        [
            "setpriv",
            f"--reuid={OTHER_UID}",
            f"--regid={OTHER_UID}",
            "--clear-groups",
            "/usr/bin/python3",
            "-I",
            "-c",
            _CAN_OPEN,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(out.stdout.split())


def _text(rng: random.Random, tag: str) -> str:
    return f"Akte {tag} " + " ".join(rng.choice(WORDS) for _ in range(150))


class Share:
    def __init__(self, root: Path, rng: random.Random):
        self.root = root
        self.rng = rng
        self.flipped = [root / "wechsel" / f"vorgang-{n:02}.txt" for n in range(FLIPPED_FILES)]
        self.scan = root / "wechsel" / "scan.png"
        (root / "fest").mkdir(parents=True)
        (root / "wechsel").mkdir()
        for n in range(STEADY_FILES):
            path = root / "fest" / f"akte-{n:02}.txt"
            path.write_text(_text(rng, f"fest {n}"), encoding="utf-8")
            os.chmod(path, rng.choice((0o600, 0o644)))
        self.change_content(0)

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def change_content(self, round_no: int) -> None:
        for n, path in enumerate(self.flipped):
            path.write_text(_text(self.rng, f"Runde {round_no} Nr. {n}"), encoding="utf-8")
        render_scan([f"Bescheid Runde {round_no}"]).crop((0, 0, 1000, 160)).resize((500, 80)).save(self.scan)

    def flip_modes(self) -> None:
        for path in [*self.flipped, self.scan]:
            if self.rng.random() < 0.7:  # most flip, so the final modes are mixed
                os.chmod(path, 0o600 if path.stat().st_mode & 0o004 else 0o644)


def _race(open_backend, tika_server, tmp: Path) -> dict:
    rng = random.Random(16)
    share = Share(tmp / "share", rng)
    source = SourceConfig(name="daten", root=share.root, ocr=True)
    config = Config(data_dir=tmp / "data", sources=(source,), extractor=ExtractorConfig(ocr_language="deu"))
    (tmp / "data").mkdir()
    extractor = TikaServerExtractor(managed=tika_server)
    encoder = load_encoder()
    analyze = text_analyzer()
    state = StateDB(tmp / "data" / "state.sqlite")
    backend = open_backend()
    crawler = Crawler(state, backend, extractor, analyze=analyze, workers=2)
    figures = {"embedded_docs": 0, "ocred": 0, "overlapping_rounds": 0}
    failures: list[BaseException] = []
    pass_ends: list[float] = []  # when each pass of the current round finished (monotonic)

    def crawl() -> None:
        summary = crawler.run([LocalSource(source)])
        assert summary.status == "done", summary.messages

    def embedding_pass() -> None:
        own = open_backend()
        try:
            figures["embedded_docs"] += run_embedding_pass(own, encoder, EnrichConfig()).documents
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            pass_ends.append(time.monotonic())
            own.close()

    def ocr_pass() -> None:
        own, own_state = open_backend(), StateDB(tmp / "data" / "state.sqlite")
        try:
            stats = run_ocr_pass(
                config, own_state, own, extractor, analyze=analyze, sources={"daten": LocalSource(source)}
            )
            figures["ocred"] += stats.ocred
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            pass_ends.append(time.monotonic())
            own.close()
            own_state.close()

    try:
        crawl()
        for round_no in range(1, ROUNDS + 1):
            share.change_content(round_no)
            crawl()  # new content: vectors and OCR are due again for the flipped files
            pass_ends.clear()
            passes = [threading.Thread(target=embedding_pass), threading.Thread(target=ocr_pass)]
            for thread in passes:
                thread.start()
            time.sleep(rng.uniform(0, 0.15))  # vary where in the passes the permission change lands
            share.flip_modes()
            crawl_started = time.monotonic()
            crawl()
            for thread in passes:
                thread.join(timeout=120)
            # The round raced when a pass was still running after the permission-changing crawl
            # began (a pass that outlives the crawl is not needed: the crawl's own write may land
            # first and the pass's after it, which is the case under test).
            if max(pass_ends) > crawl_started:
                figures["overlapping_rounds"] += 1
            assert not failures, failures
        crawl()  # the final crawl: sees no change, so it repairs nothing a pass broke
        files = share.files()
        truth = {str(p.relative_to(share.root)) for p in map(Path, _readable_as_other(files))}
        indexed = {doc.path: doc.id for doc in backend.fetch_untrimmed(sorted(backend.ids()))}
        assert set(indexed) == {str(p.relative_to(share.root)) for p in files}
        found = {path for path, doc_id in indexed.items() if backend.get(doc_id, OTHER_PRINCIPALS) is not None}
        assert found == truth, {"shown but unreadable": found - truth, "readable but hidden": truth - found}
        # Both states occur among the flipped files, and the passes did real work meanwhile.
        changing = {str(p.relative_to(share.root)) for p in [*share.flipped, share.scan]}
        assert 0 < len(truth & changing) < len(changing)  # both outcomes are checked
        assert figures["embedded_docs"] >= ROUNDS * FLIPPED_FILES and figures["ocred"] >= ROUNDS
        assert figures["overlapping_rounds"] >= ROUNDS // 2, figures
        return figures
    finally:
        backend.close()
        state.close()


@pytest.fixture
def world_readable_tmp():
    # pytest's tmp dirs are 0700 for root: the ground-truth uid must be able to walk to the files.
    path = Path(tempfile.mkdtemp(prefix="aktenlotse-race-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_passes_never_write_stale_permissions_embedded(world_readable_tmp, tika_server):
    index = world_readable_tmp / "data" / "index.sqlite"
    started = time.monotonic()
    figures = _race(lambda: EmbeddedBackend(index), tika_server, world_readable_tmp)
    print(f"embedded: {figures}, {time.monotonic() - started:.1f} s")


@pytest.mark.elasticsearch
def test_passes_never_write_stale_permissions_elasticsearch(world_readable_tmp, tika_server, elasticsearch_url):
    from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend

    es = ElasticsearchConfig(urls=(elasticsearch_url,), index=f"t-{uuid.uuid4().hex[:12]}")
    first = ElasticsearchBackend(es)
    started = time.monotonic()
    try:
        figures = _race(lambda: ElasticsearchBackend(es), tika_server, world_readable_tmp)
        print(f"elasticsearch: {figures}, {time.monotonic() - started:.1f} s")
    finally:
        first.client.indices.delete(index=f"{first.alias}-v*", ignore_unavailable=True)
        first.client.indices.delete(index=first.permissions.index, ignore_unavailable=True)
        first.close()
