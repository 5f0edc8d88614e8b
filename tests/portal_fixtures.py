"""A small portal setup: an index with documents of mixed permissions and a config that
logs in against the real slapd."""

from __future__ import annotations

from pathlib import Path

from aktenlotse.core.records import Document
from aktenlotse.search.embedded import EmbeddedBackend
from tests.ldap_directory import BASE_DN, SERVICE_DN, SERVICE_PASSWORD
from tests.sample_documents import sample_document

HOSTILE_PATH = "Kämmerei/[Klick](https://example.org) x.pdf"
HOSTILE_TITLE = "[Klick](https://example.org) x **fett** Hundesteuer"
DOCS = [
    (
        "Kämmerei/Hundesteuersatzung.pdf",
        "Hundesteuersatzung der Stadt",
        "Die Hundesteuer beträgt 90 Euro je Hund.",
        ("everyone",),
    ),
    (
        "Bauamt/632/Bauantrag Lindenweg.docx",
        "Bauantrag Lindenweg 12",
        "Bauantrag Az. 632.10-2023/145 nach § 34 BauGB.",
        ("group:bauamt",),
    ),
    ("Personal/Beurteilung.docx", "Beurteilung Müller", "Vertrauliche Beurteilung, Personalakte.", ("group:personal",)),
    # Anyone may name a file like this: it must render as text, never as a link or markup.
    (
        HOSTILE_PATH,
        HOSTILE_TITLE,
        "Hundesteuer je Hund: <b>dick</b> [Link](https://example.org/snippet) :red[rot] $x$",
        ("everyone",),
    ),
]


def share_document(i: int, path: str, title: str, text: str, allow: tuple[str, ...], **fields) -> Document:
    """Document number `i` of the source `daten`, its file type read from the name."""
    return sample_document(f"d{i}", path, title, text, source="daten", allow=allow, **fields)


def build_index(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    backend = EmbeddedBackend(data_dir / "index.sqlite")
    try:
        backend.upsert(
            [
                share_document(
                    i,
                    path,
                    title,
                    text,
                    allow,
                    modified=f"2024-03-0{i + 1}T10:00:00+00:00",
                    year=2024,
                    display_path="\\\\rathaus\\daten\\" + path.replace("/", "\\"),
                    size=1234 * (i + 1),
                )
                for i, (path, title, text, allow) in enumerate(DOCS)
            ]
        )
    finally:
        backend.close()


def write_config(folder: Path, slapd=None, mode: str = "ldap", port: int = 8501) -> Path:
    lines = [
        f'data_dir = "{folder / "data"}"',
        "[portal]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "[auth]",
        f'mode = "{mode}"',
    ]
    if slapd is not None:
        lines += [
            f'url = "{slapd.url}"',
            "start_tls = true",
            f'ca_cert = "{slapd.tls.ca_cert}"',
            f'base_dn = "{BASE_DN}"',
            f'bind_dn = "{SERVICE_DN}"',
        ]
    path = folder / "aktenlotse.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SERVICE_ENV = {"AKTENLOTSE_LDAP_BIND_PASSWORD": SERVICE_PASSWORD}
