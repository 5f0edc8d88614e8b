"""Peak memory (tracemalloc) and time of the xdomea 0401 hand-over for 2,000 and 200,000
documents (500 per folder, 90 % decided): the export must stay flat in the number of
documents. Prints one summary line per size.

    .venv/bin/python -m bench.xdomea_memory [--sizes 2000,200000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from aktenlotse.core.config import Config, SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.statedb import StateDB
from aktenlotse.xdomea.export import HandoverWriter

PLAN = "code,title,parent\n6,Bauen,\n63,Bau,6\n632,Baugenehmigungen,63\n9,Finanzen,\n902,Hundesteuer,9\n"


def _folder(i: int) -> str:
    return f"Amt {i // 20000}/Ordner {i // 500}"


def build(data: Path, n: int) -> None:
    """A state DB of `n` items and decisions for nine in ten of them."""
    (data / "plan.csv").write_text(PLAN, encoding="utf-8")
    with AktenplanStore(data) as plans:
        plans.import_file(data / "plan.csv")
    state = StateDB(data / "state.sqlite")
    state.add_indexed_rows(
        (
            (
                f"{i:032x}",
                "daten",
                _folder(i).encode(),
                f"datei-{i}.pdf".encode(),
                1000 + i,
                1.7e9,
                1.7e9,
                None,
                f"{i:032x}",
                "everyone",
                "",
                0,
                "indexed",
            )
            for i in range(n)
        ),
    )
    state.close()
    store = ReviewStore(data)
    refs = [DocRef("daten", f"{_folder(i)}/datei-{i}.pdf", f"{i:032x}") for i in range(n) if i % 10]
    half = len(refs) // 2
    store.decide(refs[:half], decision="accept", code="632", reviewer="k", roles={"ag_dms"})
    store.decide(refs[half:], decision="reassign", code="902", reviewer="k", roles={"ag_dms"})
    store.close()


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        build(data, n)
        config = Config(data_dir=data, sources=(SourceConfig(name="daten", root=data, display_root="\\\\srv\\d"),))
        state, store = StateDB(data / "state.sqlite"), ReviewStore(data)
        backend = EmbeddedBackend(data / "index.sqlite")
        with AktenplanStore(data) as plans:
            plan = plans.load()
        writer = HandoverWriter(config, state, backend, store, plan, "1", {"daten": LocalSource(config.sources[0])})
        started = time.perf_counter()
        tracemalloc.start()
        report = writer.write(data / "out")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        seconds = time.perf_counter() - started
        print(
            f"xdomea 0401 export: {n} documents, {report.counts['exported']} exported in {report.akten} Akten, "
            f"peak {peak / 1e6:.2f} MB (tracemalloc), {seconds:.1f} s, ZIP "
            f"{report.zip_path.stat().st_size / 1e6:.1f} MB"
        )
        backend.close()
        store.close()
        state.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,200000")
    for n in (int(x) for x in parser.parse_args().sizes.split(",")):
        measure(n)


if __name__ == "__main__":
    main()
