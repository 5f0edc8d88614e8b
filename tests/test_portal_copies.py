"""Identical copies of a file are one hit; a copy the user may not open is neither counted
nor named."""

from dataclasses import replace

import pytest

from aktenlotse.core.records import Document
from aktenlotse.search.backend import Hit, Hits
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.copies import collapse_copies, copies_of
from tests.test_portal_app import login, portal, search

pytestmark = pytest.mark.ldap
__all__ = ["portal"]  # the fixture, used by name

HASH = "sha256:hundesteuersatzung"
BAUAMT_COPY = "\\\\rathaus\\daten\\Bauamt\\Ablage\\Kopie Hundesteuersatzung.pdf"
PERSONAL_COPY = "\\\\rathaus\\daten\\Personal\\Hundesteuersatzung alt.pdf"


def _copy(doc_id, path, display, allow):
    return Document(
        id=doc_id,
        source="daten",
        path=path,
        title="Hundesteuersatzung der Stadt",
        text="Die Hundesteuer beträgt 90 Euro je Hund.",
        allow=allow,
        file_type="pdf",
        modified="2024-03-01T10:00:00+00:00",
        year=2024,
        display_path=display,
        size=1234,
        content_hash=HASH,
    )


@pytest.fixture
def copies(portal, tmp_path):
    """The Kämmerei's statute (everyone) with a copy in the Bauamt and one in Personal."""
    backend = EmbeddedBackend(tmp_path / "data" / "index.sqlite")
    try:
        backend.upsert(
            [
                _copy(
                    "d0",
                    "Kämmerei/Hundesteuersatzung.pdf",
                    "\\\\rathaus\\daten\\Kämmerei\\Hundesteuersatzung.pdf",
                    ("everyone",),
                ),
                _copy("c1", "Bauamt/Ablage/Kopie Hundesteuersatzung.pdf", BAUAMT_COPY, ("group:bauamt",)),
                _copy("c2", "Personal/Hundesteuersatzung alt.pdf", PERSONAL_COPY, ("group:personal",)),
            ]
        )
    finally:
        backend.close()


def _shown(at):
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    labels = [e.label for e in at.main.expander]
    paths = [c.value for c in at.main.code]
    return titles, labels, paths


def test_copies_are_one_hit_naming_only_readable_copies(copies):
    at = login("mueller")
    assert search(at, "Hundesteuersatzung")
    titles, labels, paths = _shown(at)
    assert sum("Hundesteuersatzung der Stadt" in t for t in titles) == 1
    assert labels == ["1 weitere Kopie"]
    assert BAUAMT_COPY in paths and PERSONAL_COPY not in paths
    weber = login("weber")
    search(weber, "Hundesteuersatzung")
    _titles, labels, paths = _shown(weber)
    assert labels == ["1 weitere Kopie"]
    assert PERSONAL_COPY in paths and BAUAMT_COPY not in paths
    schmidt = login("schmidt")
    search(schmidt, "Hundesteuersatzung")
    titles, labels, paths = _shown(schmidt)
    assert sum("Hundesteuersatzung der Stadt" in t for t in titles) == 1
    assert labels == [] and BAUAMT_COPY not in paths and PERSONAL_COPY not in paths
    assert not at.exception and not weber.exception and not schmidt.exception


def test_empty_files_and_other_kinds_are_not_collapsed(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        empty = [replace(_copy(f"e{i}", f"leer{i}.txt", f"leer{i}.txt", ("everyone",)), size=0) for i in range(2)]
        backend.upsert(empty)
        hits = [Hit(id=d.id, path=d.path, title=d.title, score=1.0, snippet="", size=0) for d in empty]
        collapsed = collapse_copies(backend, Hits(total=2, hits=hits), ["everyone"])
        assert [h.id for h in collapsed.hits] == ["e0", "e1"]
        assert all(copies_of(h) == [] for h in collapsed.hits)
    finally:
        backend.close()
