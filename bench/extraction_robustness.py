"""Real-world files: data loss against direct Tika, crawler memory, embedding pass rounds.

    python -m bench.extraction_robustness [--heap-mb 512] [--office 200]

Builds a corpus of hard files beside ordinary office files: a base64-heavy XML (860,000
characters of base64 in 68 "words", as found on a town share) and a 12 MB one, a .tgz of 91
members with 23.6 M characters, an XML with an undeclared entity, a truncated ZIP, random
bytes, an 80 MB text that runs a small parser heap out of memory, an encrypted PDF. The crawl
(with keywords and the embedding pass, as `aktenlotse crawl` runs them) happens in a child
process whose peak RSS is the crawler's figure; the Tika server's own processes are sampled
separately. Prints one summary line per figure.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import resource
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import psutil
import requests

from aktenlotse.core.config import EnrichConfig, ExtractorConfig, SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.demo import filemakers as fm
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.enrich.enricher import Enricher
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.statedb import StateDB
from bench.child_crawl import crawl_in_child, run_parent_or_child
from bench.tika_workspace import tika_workspace

SKIPPED_TYPES = {"RENDERING", "ALTERNATE_FORMAT", "VERSION", "MACRO"}
WORDS = [
    "Bauantrag",
    "Gewerbeanmeldung",
    "Haushaltsplan",
    "Satzung",
    "Straßenbau",
    "Grünfläche",
    "Bebauungsplan",
    "Stellungnahme",
    "Ordnungsamt",
    "Friedhof",
    "Kita",
    "Feuerwehr",
    "Vergabe",
    "Widerspruch",
    "Bescheid",
]


def build_corpus(root: Path, office: int) -> None:
    rng = random.Random(7)

    def sentence(n: int = 40) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)) + "."

    for i in range(office):
        folder = root / f"Amt{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 4
        if kind == 0:
            fm.write_docx(folder / f"vermerk{i}.docx", f"Vermerk {i}", [sentence() for _ in range(5)])
        elif kind == 1:
            fm.write_pdf(folder / f"bescheid{i}.pdf", f"Bescheid {i}", [sentence() for _ in range(5)])
        elif kind == 2:
            fm.write_xlsx(folder / f"liste{i}.xlsx", f"Liste {i}", [["Posten", "Betrag"], [sentence(5), i]])
        else:
            fm.write_txt(folder / f"notiz{i}.txt", sentence(200))
    hard = root / "Altbestand"
    hard.mkdir()
    blob_words = [base64.b64encode(rng.randbytes(9450)).decode() for _ in range(68)]
    (hard / "export-base64.xml").write_text(
        "<?xml version='1.0'?><export><titel>Datenexport Meldewesen</titel><daten>"
        + " ".join(blob_words)
        + "</daten></export>"
    )
    (hard / "export-gross.xml").write_text(
        "<?xml version='1.0'?><export><titel>Anhang Scan</titel><blob>"
        + base64.b64encode(rng.randbytes(9_000_000)).decode()
        + "</blob></export>"
    )
    with tarfile.open(hard / "archiv.tgz", "w:gz") as tar:
        for i in range(91):
            data = (f"Protokoll{i} " + sentence(30_000)).encode()[:260_000]
            info = tarfile.TarInfo(f"protokolle/protokoll{i:03}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (hard / "formular.xml").write_bytes(
        b'<?xml version="1.0"?><akte><p>Antrag Sondernutzung Marktplatz</p><p>&nicht;</p></akte>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(4):
            z.writestr(f"vermerk{i}.txt", sentence(300))
    (hard / "abgebrochen.zip").write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    (hard / "messdaten.bin").write_bytes(rng.randbytes(100_000))
    (hard / "riesig.txt").write_text("Bauantrag " * 8_000_000)
    fm.write_pdf(hard / "geheim.pdf", "Geheim", [sentence()], password="geheim")


def child(url: str, root: Path, data: Path) -> None:
    """The crawl and the embedding pass, in this process (its peak RSS is the figure)."""
    state = StateDB(data / "state.sqlite")
    backend = EmbeddedBackend(data / "index.sqlite")
    enrich = EnrichConfig()
    crawler = Crawler(
        state,
        backend,
        TikaServerExtractor(urls=[url]),
        limits=ExtractorConfig().limits(),
        workers=2,
        analyze=text_analyzer(),
        enrich=Enricher(enrich, data, load_plan=load_current_plan).enrich,
    )
    started = time.perf_counter()
    summary = crawler.run([LocalSource(SourceConfig(name="bench", root=root))])
    extraction_s = time.perf_counter() - started
    stats = run_embedding_pass(backend, load_encoder(enrich.model), enrich)
    documents = backend.fetch_untrimmed(sorted(backend.ids()))
    texts = [" ".join(d.text.split()) for d in documents]
    errors = {e["path"]: e["kind"] for e in state.current_errors()}
    backend.close()
    state.close()
    print(
        json.dumps(
            {
                "files": summary.extracted,
                "documents": len(documents),
                "extraction_s": extraction_s,
                "embedding_s": stats.seconds,
                "chunks": stats.chunks,
                "longest_round_s": stats.longest_round_seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "errors": errors,
                "texts_file": _dump(data, texts),
            }
        )
    )


def _dump(data: Path, texts: list[str]) -> str:
    path = data / "texts.json"
    path.write_text(json.dumps(texts))
    return str(path)


def direct_texts(url: str, path: Path) -> list[str]:
    """The non-empty texts Tika itself returns for a file, each item on its own."""
    with path.open("rb") as f:
        resp = requests.put(
            f"{url}/rmeta/text",
            data=f,
            timeout=600,
            headers={
                "Accept": "application/json",
                "writeLimit": "100000000",
                "Content-Disposition": f'attachment; filename="{path.name}"',
            },
        )
    if resp.status_code != 200:
        return []
    return [
        " ".join((r.get("X-TIKA:content") or "").split())
        for r in resp.json()
        if r.get("embeddedResourceType") not in SKIPPED_TYPES and (r.get("X-TIKA:content") or "").strip()
    ]


class TreePeak:
    """Peak RSS of a process tree (the Tika server and its forked parser), sampled."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak_child_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                for proc in self.root.children(recursive=True):
                    self.peak_child_mb = max(self.peak_child_mb, proc.memory_info().rss / 2**20)
            except psutil.Error:
                continue


def measure(args: argparse.Namespace) -> None:
    """The parent: the corpus, the child crawl sampled beside the Tika server, the figures."""
    with tika_workspace("aktenlotse-robust-", heap_mb=args.heap_mb) as (work, server):
        root, data = work / "share", work / "data"
        root.mkdir()
        data.mkdir()
        build_corpus(root, args.office)
        with TreePeak(server.pid) as tika:
            result = crawl_in_child("bench.extraction_robustness", server.url, root, data)
        indexed = json.loads(Path(result["texts_file"]).read_text())
        lost_files = set()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            for text in direct_texts(server.url, path):
                if not any(text[:200] in doc for doc in indexed):
                    lost_files.add(str(path.relative_to(root)))
        files = sum(1 for p in root.rglob("*") if p.is_file())
        print(f"data_loss_files {len(lost_files)} of {files}  {sorted(lost_files)}  (target 0)")
        print(f"crawler_peak_rss_mb {result['peak_rss_mb']:.0f}  (target <= 1536)")
        print(f"tika_child_peak_rss_mb {tika.peak_child_mb:.0f}  (heap configured {args.heap_mb} MB)")
        print(
            f"first_crawl_extraction_s {result['extraction_s']:.1f}  ({result['files']} files, "
            f"{result['documents']} documents)"
        )
        print(f"first_crawl_embedding_s {result['embedding_s']:.1f}  ({result['chunks']} chunks)")
        print(f"embedding_longest_round_s {result['longest_round_s']:.1f}  (target <= 60)")
        print(f"error_records {json.dumps(result['errors'], ensure_ascii=False)}")


def main() -> None:
    run_parent_or_child(measure, child, heap_mb=512, office=200)


if __name__ == "__main__":
    main()
