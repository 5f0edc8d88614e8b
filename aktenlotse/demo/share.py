"""Build the demo share: a town administration's file share as real files on disk.

The share is what the portal demo, the walkthrough and several tests crawl. It holds the
things real shares hold: office files of every kind, mails with attachments, exact
duplicates, a broken file, an encrypted PDF, an empty file, Office lock files and
Thumbs.db, and folders only one department may read.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from aktenlotse.demo import filemakers
from aktenlotse.demo import texts as demo_texts
from aktenlotse.demo.texts import DemoDocument, DemoMail

SEED = 27_000

# Numeric gids per directory group. Deliberately absent from /etc/group: the crawler then
# reports `group:<gid>`, and the config maps those ids to the directory's group names,
# exactly as on a file server whose groups come from an AD the server does not resolve.
DEPARTMENT_GIDS: dict[str, int] = {
    "bauamt": 61001,
    "personal": 61002,
    "standesamt": 61003,
    "kaemmerei": 61004,
}

RESTRICTED_DIR_MODE = 0o750
RESTRICTED_FILE_MODE = 0o640
OPEN_DIR_MODE = 0o755
OPEN_FILE_MODE = 0o644


@dataclass
class DemoShare:
    """What `build_demo_share` wrote, for tests, the demo config and the walkthrough.

    Paths are relative to `root`, '/'-separated.
    """

    root: Path
    files: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    encrypted: dict[str, str] = field(default_factory=dict)  # path -> password
    empty: list[str] = field(default_factory=list)
    skip_expected: list[str] = field(default_factory=list)  # lock files, Thumbs.db
    restricted: dict[str, str] = field(default_factory=dict)  # folder -> directory group
    group_ids: dict[str, int] = field(default_factory=dict)  # directory group -> gid
    principal_map: dict[str, str] = field(default_factory=dict)  # "group:61002" -> "group:personal"
    groups_applied: bool = False  # True when the restricted folders were chowned
    searches: list[tuple[str, str]] = field(default_factory=list)  # (query, what it shows)
    notes: list[str] = field(default_factory=list)

    def files_with_suffix(self, suffix: str) -> list[str]:
        """The written files whose name ends with `suffix` (e.g. ".pdf"), case-insensitive."""
        return [p for p in self.files if p.lower().endswith(suffix.lower())]


def build_demo_share(root: Path) -> DemoShare:
    """Write the demo share under `root` (created if missing) and describe it.

    Deterministic: the same content, names, modes and modification times on every run.
    Groups of restricted folders are set only when running as root; otherwise that is
    recorded in `notes`.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    share = DemoShare(
        root=root,
        restricted=dict(demo_texts.RESTRICTED_FOLDERS),
        group_ids={group: DEPARTMENT_GIDS[group] for group in demo_texts.RESTRICTED_FOLDERS.values()},
        searches=list(demo_texts.DEMO_SEARCHES),
    )
    share.principal_map = {f"group:{gid}": f"group:{group}" for group, gid in share.group_ids.items()}
    mtimes: dict[str, float] = {}

    for doc in demo_texts.demo_documents(rng):
        _write_document(root, doc)
        if Path(doc.path).suffix.lower() in _ZIP_FORMATS:
            _fix_zip_times(root / doc.path, doc.date)
        _record(share, mtimes, doc.path, doc.date)
    for mail in demo_texts.demo_mails():
        _write_mail(root, mail)
        _record(share, mtimes, mail.path, mail.date)
    for original, copy in demo_texts.DUPLICATES:
        target = _prepare(root, copy)
        shutil.copyfile(root / original, target)
        _record(share, mtimes, copy, _date_of(mtimes[original]))
        share.duplicates.append((original, copy))
    _write_problem_files(root, share, mtimes)

    _apply_permissions(root, share)
    _apply_mtimes(root, mtimes)
    share.files.sort()
    return share


def _prepare(root: Path, relative: str) -> Path:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _timestamp(iso_date: str) -> float:
    # Mid-morning local office hours, fixed in UTC so the result does not depend on the machine.
    day = dt.date.fromisoformat(iso_date)
    return dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=dt.UTC).timestamp()


def _date_of(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date().isoformat()


def _record(share: DemoShare, mtimes: dict[str, float], relative: str, iso_date: str) -> None:
    share.files.append(relative)
    mtimes[relative] = _timestamp(iso_date)


def _write_document(root: Path, doc: DemoDocument) -> None:
    target = _prepare(root, doc.path)
    suffix = target.suffix.lower()
    if suffix == ".docx":
        filemakers.write_docx(target, doc.title, doc.content, author=doc.author)
    elif suffix == ".xlsx":
        filemakers.write_xlsx(target, doc.title, doc.content, author=doc.author)
    elif suffix == ".pdf":
        filemakers.write_pdf(target, doc.title, doc.content, author=doc.author)
    elif suffix == ".odt":
        filemakers.write_odt(target, doc.title, doc.content, author=doc.author)
    elif suffix == ".html":
        filemakers.write_html(target, doc.title, doc.content)
    elif suffix == ".txt":
        # Old Windows tools write CRLF; keep it for the cp1252 files that come from them.
        newline = "\r\n" if doc.encoding == "cp1252" else "\n"
        filemakers.write_txt(target, newline.join(doc.content) + newline, encoding=doc.encoding)
    else:
        raise ValueError(f"demo document with unsupported type: {doc.path}")


_ZIP_FORMATS = {".docx", ".xlsx", ".odt"}


# Creation/modification dates inside office packages (OOXML core.xml, ODF meta.xml).
_PACKAGE_DATES = re.compile(rb"(<(?:dcterms:created|dcterms:modified|meta:creation-date|dc:date)\b[^>]*>)[^<]*")


def _fix_zip_times(path: Path, iso_date: str) -> None:
    """Stamp an office package, its members and its metadata dates with the document date.

    The writers stamp members (and openpyxl the modification date) with the current
    time; fixing it makes the demo share byte-identical between builds (stable content
    hashes) and its dates agree with the files' modification times.
    """
    day = dt.date.fromisoformat(iso_date)
    stamp = (day.year, day.month, day.day, 9, 30, 0)
    iso_stamp = f"{iso_date}T09:30:00Z".encode()
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    members = [
        (info, _PACKAGE_DATES.sub(lambda m: m.group(1) + iso_stamp, data))
        if info.filename in ("docProps/core.xml", "meta.xml")
        else (info, data)
        for info, data in members
    ]
    with zipfile.ZipFile(path, "w") as target:
        # Order and compression per member are kept: ODF requires an uncompressed
        # `mimetype` as the first member.
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


def _write_mail(root: Path, mail: DemoMail) -> None:
    attachments = [(Path(p).name, (root / p).read_bytes()) for p in mail.attachments]
    filemakers.write_eml(_prepare(root, mail.path), mail.subject, mail.body, mail.sender, mail.to, attachments)


def _write_problem_files(root: Path, share: DemoShare, mtimes: dict[str, float]) -> None:
    path, title, paragraphs, password = demo_texts.ENCRYPTED_PDF
    filemakers.write_pdf(_prepare(root, path), title, paragraphs, author="Personalverwaltung", password=password)
    _record(share, mtimes, path, "2024-01-31")
    share.encrypted[path] = password

    path, like = demo_texts.CORRUPT_FILE
    filemakers.write_corrupt(_prepare(root, path), like=like)
    _record(share, mtimes, path, "2023-10-02")
    share.corrupt.append(path)

    _prepare(root, demo_texts.EMPTY_FILE).write_bytes(b"")
    _record(share, mtimes, demo_texts.EMPTY_FILE, "2022-03-15")
    share.empty.append(demo_texts.EMPTY_FILE)

    # Word's owner file: a length byte, the user name padded, then the name again in UTF-16.
    user = "swolf"
    lock = bytes([len(user)]) + user.encode("ascii").ljust(53, b" ") + user.encode("utf-16-le").ljust(108, b"\0")
    _prepare(root, demo_texts.LOCK_FILE).write_bytes(lock)
    _record(share, mtimes, demo_texts.LOCK_FILE, "2023-07-12")
    # Thumbs.db is an OLE compound file; its header signature is enough for a type sniffer.
    thumbs = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + bytes(range(256)) * 6
    _prepare(root, demo_texts.THUMBS_DB).write_bytes(thumbs)
    _record(share, mtimes, demo_texts.THUMBS_DB, "2020-09-14")
    share.skip_expected += [demo_texts.LOCK_FILE, demo_texts.THUMBS_DB]


def _restriction_of(relative: str, restricted: dict[str, str]) -> str | None:
    for folder, group in restricted.items():
        if relative == folder or relative.startswith(folder + "/"):
            return group
    return None


def _apply_permissions(root: Path, share: DemoShare) -> None:
    """Open folders world-readable, restricted ones readable by owner and one group only."""
    can_chown = hasattr(os, "geteuid") and os.geteuid() == 0
    share.groups_applied = can_chown
    if not can_chown:
        share.notes.append(
            "Nicht als root erstellt: Die Gruppen der geschützten Ordner wurden nicht gesetzt; "
            "sie gehören der Gruppe des erstellenden Benutzers (Modus 750/640 gilt trotzdem)."
        )
    os.chmod(root, OPEN_DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            relative = path.relative_to(root).as_posix()
            group = _restriction_of(relative, share.restricted)
            is_dir = path.is_dir()
            if group is None:
                os.chmod(path, OPEN_DIR_MODE if is_dir else OPEN_FILE_MODE)
                continue
            os.chmod(path, RESTRICTED_DIR_MODE if is_dir else RESTRICTED_FILE_MODE)
            if can_chown:
                os.chown(path, -1, share.group_ids[group])


def _apply_mtimes(root: Path, mtimes: dict[str, float]) -> None:
    """Files get their document date; a folder gets the newest date beneath it."""
    newest: dict[Path, float] = {}
    for relative, stamp in mtimes.items():
        os.utime(root / relative, (stamp, stamp))
        parent = (root / relative).parent
        while parent != root.parent:
            newest[parent] = max(newest.get(parent, 0.0), stamp)
            if parent == root:
                break
            parent = parent.parent
    for folder, stamp in newest.items():
        os.utime(folder, (stamp, stamp))
