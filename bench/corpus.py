"""Generate a benchmark corpus: many small mixed files shaped like a town's file share.

German sentences come from a vocabulary with inflected and compound forms (Antrag,
Anträge, Bauantrag, …) so that lemmatisation and compound splitting matter for the
search figures. Folders hold 20–200 files; about a sixth of the files lie in folders only
one department may read (mode 750/640, group set when running as root).

Usage: python -m bench.corpus ROOT N [--seed S] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.demo.share import DEPARTMENT_GIDS
from bench.corpus_files import write_file
from bench.corpus_text import DEPARTMENT_WEIGHTS, DEPARTMENTS, TITLES, fill, paragraphs, safe_name

# The queries a search benchmark runs: every one occurs in a generated corpus.
BENCH_QUERIES: list[str] = [
    "Bauantrag",
    "Anträge",
    "Baugenehmigung",
    "§ 34 BauGB",
    "Bebauungsplan",
    "Hundesteuer",
    "Hundesteuersatzung",
    "Haushaltsplan",
    "Grundsteuer",
    "Gewerbeanmeldung",
    "Sondernutzungserlaubnis",
    "Stellenausschreibung",
    "Dienstanweisung",
    "Urlaubsantrag",
    "Sitzungsvorlage",
    "Niederschrift Stadtrat",
    "Eheschließung",
    "Geburtsurkunde",
    "Meldebescheinigung",
    "Digitallotsen",
    "Dokumentenmanagementsystem",
    "Aktenplan",
    "Brandschutz",
    "Widerspruch gegen den Bescheid",
    "Kämmerei",
]

# Relative weights of the file types, close to what a town's shares hold.
TYPE_WEIGHTS: dict[str, int] = {
    "docx": 22,
    "pdf": 20,
    "txt": 14,
    "xlsx": 10,
    "html": 10,
    "eml": 14,
    "odt": 10,
}
RESTRICTED_SHARE = 0.15
FOLDER_SIZE = (20, 200)


def _type_cycle() -> list[str]:
    """A fixed interleaving of the file types, so any run holds the weights closely."""
    slots = [t for t, w in TYPE_WEIGHTS.items() for _ in range(w)]
    random.Random(0).shuffle(slots)
    return slots


_TYPE_CYCLE = _type_cycle()


@dataclass(frozen=True)
class FolderPlan:
    """One folder to fill: its files are numbered first_index .. first_index + count - 1."""

    index: int
    path: str
    department: int
    count: int
    first_index: int
    group: str | None  # directory group for restricted folders
    restricted_top: str | None  # the folder whose whole subtree is restricted
    year: int


@dataclass(frozen=True)
class CorpusStats:
    """What `generate_corpus` wrote, counted once it is all written."""

    root: Path
    files: int
    folders: int
    restricted_files: int
    bytes: int
    seconds: float
    by_suffix: dict[str, int]
    notes: list[str]


def plan_folders(n_files: int, seed: int) -> list[FolderPlan]:
    """Split n files into folders of 20–200 files, about RESTRICTED_SHARE of them restricted."""
    rng = random.Random(seed)
    plans: list[FolderPlan] = []
    used: set[str] = set()
    placed = restricted = 0
    while placed < n_files:
        # Small corpora still get a few folders, so that open and closed ones both occur.
        largest = max(FOLDER_SIZE[0], min(FOLDER_SIZE[1], n_files // 4))
        count = min(rng.randint(FOLDER_SIZE[0], largest), n_files - placed)
        # Restrict a folder when that brings the running share closer to the target;
        # the second folder is restricted in any case, so every corpus has closed files.
        make_restricted = (placed > 0 and restricted == 0) or (
            restricted + count / 2 <= RESTRICTED_SHARE * (placed + count)
        )
        while True:
            dep_index = rng.choices(range(len(DEPARTMENTS)), DEPARTMENT_WEIGHTS)[0]
            dep = DEPARTMENTS[dep_index]
            if dep.restricted_folders if make_restricted else dep.open_folders:
                break
        if make_restricted:
            top, group = rng.choice(dep.restricted_folders)
        else:
            top, group = rng.choice(dep.open_folders), None
        year = rng.randint(2012, 2024)
        path = f"{top}/{year}"
        if rng.random() < 0.4:
            path += f"/{rng.choice(dep.nouns)[2]}"
        base, extra = path, 2
        while path in used:
            path, extra = f"{base}/Teil {extra}", extra + 1
        used.add(path)
        plans.append(FolderPlan(len(plans), path, dep_index, count, placed, group, top if group else None, year))
        placed += count
        restricted += count if group else 0
    return plans


def _fill_folder(args: tuple[Path, FolderPlan, int]) -> tuple[Counter, int, int]:
    """Write one folder's files; returns (files per suffix, bytes, restricted files)."""
    root, plan, seed = args
    rng = random.Random(seed * 1_000_003 + plan.index)
    dep = DEPARTMENTS[plan.department]
    folder = root / plan.path
    folder.mkdir(parents=True, exist_ok=True)
    gid = DEPARTMENT_GIDS[plan.group] if plan.group and os.geteuid() == 0 else None
    counts: Counter = Counter()
    total = 0
    names: set[str] = set()
    for number in range(plan.first_index, plan.first_index + plan.count):
        kind = _TYPE_CYCLE[number % len(_TYPE_CYCLE)]
        title = fill(rng.choice(TITLES), rng, dep, plan.year)
        name = f"{safe_name(title)}.{kind}"
        if name in names:
            name = f"{safe_name(title)} ({number}).{kind}"
        names.add(name)
        target = folder / name
        write_file(target, kind, title, rng, dep, plan.year)
        if plan.group:
            os.chmod(target, 0o640)
            if gid is not None:
                os.chown(target, -1, gid)
        else:
            os.chmod(target, 0o644)
        stamp = time.mktime((plan.year, rng.randint(1, 12), rng.randint(1, 28), 10, 0, 0, 0, 0, -1))
        os.utime(target, (stamp, stamp))
        counts[kind] += 1
        total += target.stat().st_size
    return counts, total, plan.count if plan.group else 0


def _restrict_folders(root: Path, plans: list[FolderPlan]) -> None:
    for top in sorted({p.restricted_top for p in plans if p.restricted_top}):
        group = next(p.group for p in plans if p.restricted_top == top)
        gid = DEPARTMENT_GIDS[group] if os.geteuid() == 0 else None
        for dirpath, _dirnames, _filenames in os.walk(root / top):
            os.chmod(dirpath, 0o750)
            if gid is not None:
                os.chown(dirpath, -1, gid)


@dataclass(frozen=True)
class SyntheticDocument:
    """A document's fields without a file: for index benchmarks that skip extraction."""

    path: str
    title: str
    text: str
    group: str | None  # directory group of a restricted folder, None when open
    year: int


def synthetic_documents(n_docs: int, seed: int = 1):
    """`n_docs` documents with the same folders, vocabulary and restrictions as the files
    of `generate_corpus` (deterministic for a seed)."""
    for plan in plan_folders(n_docs, seed):
        rng = random.Random(seed * 1_000_003 + plan.index)
        dep = DEPARTMENTS[plan.department]
        for number in range(plan.first_index, plan.first_index + plan.count):
            title = fill(rng.choice(TITLES), rng, dep, plan.year)
            text = "\n".join(paragraphs(rng, dep, plan.year))
            yield SyntheticDocument(
                f"{plan.path}/{safe_name(title)} ({number}).docx", title, text, plan.group, plan.year
            )


def generate_corpus(root: Path, n_files: int, seed: int = 1, workers: int = 2) -> CorpusStats:
    """Write `n_files` files under `root` (deterministic for a given seed) and count them.

    Folders are written by `workers` processes; the result does not depend on their number.
    """
    started = time.perf_counter()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plans = plan_folders(n_files, seed)
    jobs = [(root, plan, seed) for plan in plans]
    if workers > 1 and len(plans) > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = list(pool.imap_unordered(_fill_folder, jobs, chunksize=2))
    else:
        results = [_fill_folder(job) for job in jobs]
    counts: Counter = Counter()
    size = restricted = 0
    for folder_counts, folder_bytes, folder_restricted in results:
        counts.update(folder_counts)
        size += folder_bytes
        restricted += folder_restricted
    _restrict_folders(root, plans)
    return CorpusStats(
        root,
        files=sum(counts.values()),
        folders=len(plans),
        restricted_files=restricted,
        bytes=size,
        seconds=time.perf_counter() - started,
        by_suffix=dict(sorted(counts.items())),
        notes=[] if os.geteuid() == 0 else ["not root: groups of restricted folders were not set"],
    )


def main(argv: list[str] | None = None) -> int:
    """CLI: generate a corpus and print one summary line."""
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("n_files", type=int, help="number of files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    stats = generate_corpus(args.root, args.n_files, seed=args.seed, workers=args.workers)
    mix = " ".join(f"{k}={v}" for k, v in stats.by_suffix.items())
    print(
        f"corpus: {stats.files} files in {stats.folders} folders, {stats.seconds:.1f} s "
        f"({stats.files / max(stats.seconds, 1e-9):.0f} files/s), {stats.bytes / 1e6:.1f} MB, "
        f"{stats.restricted_files} restricted, {mix}"
    )
    for note in stats.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
