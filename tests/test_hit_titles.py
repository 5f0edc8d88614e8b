"""Placeholder metadata titles are shown as the file name (real embedded index)."""

import pytest

from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.hit_titles import display_title, is_placeholder_title
from aktenlotse.services.search import run_search
from tests.portal_fixtures import share_document


@pytest.mark.parametrize(
    "title",
    [
        "untitled",
        "Untitled",
        "  ",
        "",
        None,
        "Microsoft Word - Entwurf.doc",
        "Dokument1",
        "Document 2",
        "Präsentation1",
        "Mappe1",
        "Unbenannt",
        "-",
    ],
)
def test_placeholders(title):
    assert is_placeholder_title(title)
    assert display_title(title, "Kämmerei/Gebühren 2024.pdf") == "Gebühren 2024.pdf"


@pytest.mark.parametrize(
    "title", ["Hundesteuersatzung", "Dokumentation der Anlage", "Mappe Bauantrag 12", "Titel und Untertitel", "2024"]
)
def test_real_titles_stay(title):
    assert not is_placeholder_title(title)
    assert display_title(title, "a/b.pdf") == title


def test_search_hits_show_the_file_name_for_placeholder_titles(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        backend.upsert(
            [
                share_document(i, path, title, "Gebührenordnung für Hundemarken", ("everyone",), size=100)
                for i, (path, title) in enumerate(
                    [
                        ("Kämmerei/Gebühren 2024.pdf", "untitled"),
                        ("Kämmerei/Alt.pdf", "Microsoft Word - gebuehren_alt.doc"),
                        ("Kämmerei/Satzung.pdf", "Gebührensatzung"),
                    ]
                )
            ]
        )
        hits = run_search(backend, Query(text="Hundemarken", limit=10), ["everyone"])
    finally:
        backend.close()
    assert sorted(h.title for h in hits.hits) == ["Alt.pdf", "Gebühren 2024.pdf", "Gebührensatzung"]
