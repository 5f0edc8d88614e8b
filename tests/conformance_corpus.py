"""The documents and readers of the backend conformance suite (tests/backend_conformance.py),
also used by the tests of what sits on a backend: German texts in an office's folders with
differing ACLs, hostile queries, and the offline encoder for their vectors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aktenlotse.core.records import Document
from aktenlotse.enrich.embeddings import encode_queries, load_encoder
from aktenlotse.search.backend import Hits
from aktenlotse.search.embedded import EmbeddedBackend
from tests.sample_documents import sample_document

EVERYONE = ["everyone"]
BAUAMT = ["everyone", "authenticated", "group:bauamt"]
MUELLER = ["everyone", "authenticated", "user:mueller"]


def _doc(
    doc_id: str, path: str, title: str, text: str, modified: str, allow=("everyone",), deny=(), source="share"
) -> Document:
    return sample_document(
        doc_id,
        path,
        title,
        text,
        source=source,
        modified=modified,
        size=len(text),
        display_path="\\\\server\\share\\" + path.replace("/", "\\"),
        allow=tuple(allow),
        deny=tuple(deny),
        extra={"note": "fixture"},
    )


CORPUS: tuple[Document, ...] = (
    _doc(
        "bau-1",
        "Bauamt/632 Baugenehmigungen/2023/Bauantrag_Lindenweg.pdf",
        "Bauantrag Lindenweg 4",
        "Der Bauantrag für das Grundstück Lindenweg 4 wurde nach § 34 BauGB geprüft. "
        "Az.: 632.10-2023/145. Die Aufsichtsbehörde wurde beteiligt.",
        "2023-05-10T09:00:00",
    ),
    _doc(
        "bau-2",
        "Bauamt/Baumschutz/Faellungen.docx",
        "Baumfällungen 2024",
        "Mehrere Anträge auf Fällung von Bäumen liegen vor. Die Frist endet im März.",
        "2024-02-01T10:00:00",
    ),
    _doc(
        "bau-3",
        "Bauamt/632 Baugenehmigungen/2022/Garage.odt",
        "Garage Birkenallee",
        "Der Antrag betrifft den Bau einer Garage an der Birkenallee.",
        "2022-07-15T08:30:00",
    ),
    _doc(
        "intern-1",
        "Bauamt/Intern/Vermerk.pdf",
        "Vermerk Sonnenhang",
        "Vertraulicher Vermerk zum Projekt Sonnenhang: Grundstücksankauf vorbereiten.",
        "2023-11-02T12:00:00",
        allow=("group:bauamt",),
    ),
    _doc(
        "deny-1",
        "Personal/Uebersicht.xlsx",
        "Übersicht Sonnenhang",
        "Übersicht der Termine am Sonnenhang für das Personal.",
        "2024-03-03T09:00:00",
        allow=("everyone",),
        deny=("user:mueller",),
    ),
    _doc(
        "mueller-1",
        "Personal/Mueller/Notiz.txt",
        "Notiz Sonnenhang",
        "Notiz für Herrn Müller: Ortstermin Sonnenhang.",
        "2024-04-04T09:00:00",
        allow=("user:mueller",),
    ),
    _doc(
        "kaem-1",
        "Kaemmerei/Satzungen/Hundesteuersatzung.pdf",
        "Hundesteuersatzung der Stadt",
        "Die Hundesteuersatzung regelt die Hundesteuer. Zuständig ist die Kämmerei, Zimmer 12.",
        "2021-01-20T10:00:00",
    ),
    _doc(
        "html-1",
        "Allgemein/Vergleich.txt",
        "Vergleich & Co",
        'Ein Antrag mit <script>alert(1)</script> & "Anführungszeichen" im Text.',
        "2020-06-01T10:00:00",
    ),
    _doc(
        "az-2",
        "Rechtsamt/Widerspruch.msg",
        "Widerspruch Bescheid",
        "Az.: 20 14 03 Widerspruch gegen den Bescheid vom 1. März.",
        "2024-05-05T10:00:00",
        source="mail",
    ),
    _doc(
        "ord-1",
        "Ordnungsamt/Parkausweise.pdf",
        "Parkausweise",
        "Bewohnerparkausweise werden im Ordnungsamt ausgestellt.",
        "2023-09-09T10:00:00",
    ),
)
BY_ID = {d.id: d for d in CORPUS}
DOG_DOCUMENTS: tuple[Document, ...] = (
    _doc(
        "hund-2",
        "Kaemmerei/Hunde/Anmeldung.docx",
        "Anmeldung Hund",
        "Anmeldung eines Hundes zur Hundesteuer bei der Stadtkasse.",
        "2022-01-01T10:00:00",
    ),
    _doc(
        "hund-3",
        "Kaemmerei/Hunde/Tierheim.docx",
        "Tierheim",
        "Das Tierheim nimmt Katzen und Hunde auf. Öffnungszeiten montags.",
        "2023-01-01T10:00:00",
    ),
    _doc(
        "hund-4",
        "Ordnungsamt/Leinenpflicht.docx",
        "Leinenpflicht",
        "Im Stadtpark gilt Leinenpflicht für alle Hunde.",
        "2023-01-01T10:00:00",
    ),
    _doc(
        "hund-5",
        "Ordnungsamt/Tiere.docx",
        "Haustiere",
        "Haltung von Haustieren in Mietwohnungen.",
        "2023-01-01T10:00:00",
    ),
)

HOSTILE_QUERIES = (
    '"',
    '""',
    '"""',
    "*",
    "**",
    "(",
    ")",
    "()",
    "NEAR",
    "NEAR(",
    "-",
    "--",
    "- -",
    "AND OR NOT",
    "AND",
    "Antrag AND",
    "OR Antrag",
    "NOT Antrag",
    ":",
    "title:Antrag",
    "^Antrag",
    "Antrag^2",
    "{Antrag}",
    "[Antrag]",
    "'",
    "'; DROP TABLE docs; --",
    "Antrag\x00",
    "\\",
    "%",
    "_",
    "Antrag*)",
    '"Antrag',
    'Antrag"',
    '"Antrag" "',
    "-Antrag",
    "Antrag -",
    "a*",
    "NEAR(Antrag Bau, 2)",
    "Antrag + Bau",
    "Bau/Antrag",
    "§",
    "§§",
    "Az.:",
    "…",
    "🙂",
    "Ünïcödé ẞ",
    "\t\n",
)


def assert_facet_totals(hits: Hits) -> None:
    """Facet counts add up to the (trimmed) total: single-valued facets exactly, the
    Aktenplan class at most once per document; keywords are many per document."""
    for name, counts in hits.facets.items():
        total = sum(n for _, n in counts)
        if name in ("file_type", "year", "folder", "source"):
            assert total == hits.total, name
        elif name == "aktenplan":
            assert total <= hits.total, name


def ids_of(hits: Hits) -> list[str]:
    return [h.id for h in hits.hits]


@contextmanager
def embedded_corpus(path: Path) -> Iterator[EmbeddedBackend]:
    """An embedded index at `path` holding the corpus, closed afterwards."""
    with EmbeddedBackend(path) as index:
        index.upsert(list(CORPUS))
        yield index


def shared_encoder():
    """The offline default encoder, loaded once per process."""
    return load_encoder("use-multilingual")


_query_vectors: dict[str, tuple[float, ...]] = {}


def query_vector(text: str) -> tuple[float, ...]:
    if text not in _query_vectors:
        _query_vectors[text] = tuple(float(x) for x in encode_queries(shared_encoder(), [text])[0])
    return _query_vectors[text]
