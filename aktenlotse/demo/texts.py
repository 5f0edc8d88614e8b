"""German content of the demo share: the documents of a fictional town administration.

The Stadt Hohenbrück (about 27,000 inhabitants) is invented; all persons, addresses,
Aktenzeichen and figures are made up. The texts live in `data/*.toml` (one file per
department, plus the mails and the share's special files); this module reads them.
`demo_documents` returns every file's content as plain data; `aktenlotse.demo.share`
turns it into real files.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from aktenlotse.demo.tables import generated_table

TOWN = "Stadt Hohenbrück"
MAIL_DOMAIN = "stadt-hohenbrueck.example"

# The departments' data files, in the order their documents are written (the generated
# tables draw from one random generator, so the order is part of the output).
DEPARTMENTS = ("bauamt", "hauptamt", "kaemmerei", "ordnungsamt", "standesamt", "buergerbuero", "it")


@dataclass(frozen=True)
class DemoDocument:
    """One file of the demo share.

    `content` is a list of paragraphs, for `.xlsx` a list of rows, for `.txt` a list of
    lines. `date` (ISO) becomes the file's modification time.
    """

    path: str
    title: str
    content: list
    author: str = ""
    date: str = "2024-01-15"
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DemoMail:
    """One saved e-mail; `attachments` are paths of demo documents whose bytes are attached."""

    path: str
    subject: str
    body: str
    sender: str
    to: str
    date: str
    attachments: tuple[str, ...] = field(default_factory=tuple)


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("aktenlotse.demo").joinpath(f"data/{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _document(entry: dict[str, Any], rng: random.Random) -> DemoDocument:
    fields = dict(entry)
    generated = fields.pop("generated", None)
    content = generated_table(rng, generated) if generated is not None else fields.pop("content")
    return DemoDocument(content=content, **fields)


def demo_documents(rng: random.Random) -> list[DemoDocument]:
    """All documents of the demo share, in a fixed order (generated tables use `rng`)."""
    return [_document(entry, rng) for name in DEPARTMENTS for entry in _data(name)["documents"]]


def demo_mails() -> list[DemoMail]:
    """Saved e-mails; they are written after the documents whose bytes they attach."""
    return [
        DemoMail(**{**entry, "attachments": tuple(entry.get("attachments", ()))}) for entry in _data("mails")["mails"]
    ]


_SHARE = _data("share")

# Exact copies that real shares are full of: (original, copy).
DUPLICATES: list[tuple[str, str]] = [(original, copy) for original, copy in _SHARE["duplicates"]]

# Files that must not open: (path, title, paragraphs, password) and (path, format it pretends to be).
ENCRYPTED_PDF: tuple[str, str, list[str], str] = (
    _SHARE["encrypted_pdf"]["path"],
    _SHARE["encrypted_pdf"]["title"],
    _SHARE["encrypted_pdf"]["content"],
    _SHARE["encrypted_pdf"]["password"],
)
CORRUPT_FILE: tuple[str, str] = (_SHARE["corrupt_file"]["path"], _SHARE["corrupt_file"]["pretends"])
EMPTY_FILE: str = _SHARE["litter"]["empty"]
# Litter that a crawler must skip: an Office owner file and Windows' thumbnail cache.
LOCK_FILE: str = _SHARE["litter"]["lock"]
THUMBS_DB: str = _SHARE["litter"]["thumbs_db"]

# Folder -> directory group that alone may read it.
RESTRICTED_FOLDERS: dict[str, str] = dict(_SHARE["restricted_folders"])

# (query, what it shows) for the walkthrough.
DEMO_SEARCHES: list[tuple[str, str]] = [(entry["query"], entry["shows"]) for entry in _SHARE["searches"]]
