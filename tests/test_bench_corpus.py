"""The benchmark corpus generator: count, type mix, folders, restrictions, queries."""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

import pytest

from bench.corpus import (
    BENCH_QUERIES,
    DEPARTMENTS,
    FOLDER_SIZE,
    TYPE_WEIGHTS,
    generate_corpus,
    plan_folders,
)
from bench.corpus_text import SENTENCES, TITLES

N = 200


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus")
    return root, generate_corpus(root, N, seed=3)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_writes_exactly_n_files(corpus) -> None:
    root, stats = corpus
    files = _files(root)
    assert len(files) == N == stats.files
    assert stats.bytes == sum(p.stat().st_size for p in files)


def test_type_mix_follows_the_weights(corpus) -> None:
    root, stats = corpus
    on_disk = Counter(p.suffix.lstrip(".") for p in _files(root))
    assert on_disk == Counter(stats.by_suffix)
    assert set(on_disk) == set(TYPE_WEIGHTS)
    total_weight = sum(TYPE_WEIGHTS.values())
    for kind, weight in TYPE_WEIGHTS.items():
        assert abs(on_disk[kind] - N * weight / total_weight) <= 3, kind


def test_files_are_real_files_of_their_type(corpus) -> None:
    import docx
    import openpyxl
    from pypdf import PdfReader

    root, _ = corpus
    files = _files(root)
    first = {suffix: next(p for p in files if p.suffix == suffix) for suffix in (".docx", ".xlsx", ".pdf")}
    assert len("\n".join(p.text for p in docx.Document(str(first[".docx"])).paragraphs)) > 50
    assert openpyxl.load_workbook(first[".xlsx"]).active.max_row >= 9
    assert PdfReader(first[".pdf"]).pages[0].extract_text().strip()
    assert any(
        "ä" in p.read_text("utf-8", errors="ignore") or "ü" in p.read_text("utf-8", errors="ignore")
        for p in files
        if p.suffix == ".html"
    )


def test_restricted_folders_are_closed(corpus) -> None:
    root, stats = corpus
    assert 0 < stats.restricted_files < N
    closed = [p for p in _files(root) if not stat.S_IMODE(p.stat().st_mode) & stat.S_IROTH]
    assert len(closed) == stats.restricted_files
    for path in closed:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        if os.geteuid() == 0:
            assert path.stat().st_gid >= 61001


def test_folder_plan_sizes_and_share() -> None:
    plans = plan_folders(20_000, seed=1)
    assert sum(p.count for p in plans) == 20_000
    assert all(FOLDER_SIZE[0] <= p.count <= FOLDER_SIZE[1] for p in plans[:-1])
    assert len({p.path for p in plans}) == len(plans)
    restricted = sum(p.count for p in plans if p.group)
    assert 0.10 < restricted / 20_000 < 0.20


def test_same_seed_same_tree(tmp_path: Path) -> None:
    a = generate_corpus(tmp_path / "a", 60, seed=5, workers=1)
    b = generate_corpus(tmp_path / "b", 60, seed=5, workers=2)
    names_a = sorted(p.relative_to(a.root).as_posix() for p in _files(a.root))
    names_b = sorted(p.relative_to(b.root).as_posix() for p in _files(b.root))
    assert names_a == names_b
    for name in names_a:
        if name.endswith((".txt", ".html", ".pdf", ".xlsx")):
            assert (a.root / name).read_bytes() == (b.root / name).read_bytes(), name


def test_bench_queries_come_from_the_vocabulary() -> None:
    vocabulary = " ".join(
        [*SENTENCES, *TITLES]
        + [" ".join(noun) for dep in DEPARTMENTS for noun in dep.nouns]
        + [law for dep in DEPARTMENTS for law in dep.laws]
    )
    for query in BENCH_QUERIES:
        for word in query.split():
            assert word in vocabulary, (query, word)
