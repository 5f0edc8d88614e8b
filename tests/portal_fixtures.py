"""A small portal setup: an index with documents of mixed permissions, a config that logs
in against the real slapd (or the demo logins) and `aktenlotse serve` running over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aktenlotse.core.records import Document
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.wiki import WikiStore
from tests.browser import running_portal
from tests.certificates import free_port
from tests.ldap_directory import BASE_DN, SERVICE_DN, SERVICE_PASSWORD
from tests.sample_documents import sample_document

SERVICE_ENV = {"AKTENLOTSE_LDAP_BIND_PASSWORD": SERVICE_PASSWORD}
LOTSE_ROLES = ("digitallotse",)
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


def unc_path(path: str) -> str:
    """The path on the share as Windows shows it (the portal's "Pfad kopieren")."""
    return "\\\\rathaus\\daten\\" + path.replace("/", "\\")


def write_index(data_dir: Path, documents: list[Document]) -> None:
    """The portal's embedded index in `data_dir`, holding `documents`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedBackend(data_dir / "index.sqlite") as backend:
        backend.upsert(documents)


def build_index(data_dir: Path) -> None:
    write_index(
        data_dir,
        [
            share_document(
                i,
                path,
                title,
                text,
                allow,
                modified=f"2024-03-0{i + 1}T10:00:00+00:00",
                year=2024,
                display_path=unc_path(path),
                size=1234 * (i + 1),
            )
            for i, (path, title, text, allow) in enumerate(DOCS)
        ],
    )


def publish(wiki: WikiStore, title: str, body: str, category: str = "Anleitung") -> None:
    """A published wiki page, written by the Digitallotse yilmaz."""
    wiki.save(author="yilmaz", roles=LOTSE_ROLES, title=title, body=body, category=category, status="published")


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


@contextmanager
def serve_portal(folder: Path, slapd=None) -> Iterator[str]:
    """`aktenlotse serve` on a free port over the data in `folder`, logging in against
    `slapd` (the demo logins without it); yields the portal's URL."""
    port = free_port()
    mode = "demo" if slapd is None else "ldap"
    config = write_config(folder, slapd, mode=mode, port=port)
    env = {} if slapd is None else SERVICE_ENV
    with running_portal(config, port, env, folder / "portal.log") as url:
        yield url


@contextmanager
def build_and_serve(folder: Path, slapd=None, build: Callable[[Path], None] = build_index) -> Iterator[str]:
    """`serve_portal` over the data that `build` writes into `folder`/data first."""
    build(folder / "data")
    with serve_portal(folder, slapd) as url:
        yield url
