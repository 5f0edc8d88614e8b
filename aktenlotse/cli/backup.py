"""`aktenlotse backup DEST`: a consistent copy of the data directory while portal and crawl run.

Each SQLite database (state, app, embedded index, Aktenplan store …) is copied with
SQLite's online backup API, which yields a consistent snapshot even while another
process writes (WAL mode); each copy is checked with `PRAGMA integrity_check`. Other
files of the data directory (trained models) and the config file are copied as they
are; logs, locks and WAL side files are left out. Restore: stop the units, copy the
folder's `data/` back into data_dir (owned by the service user), the config back to
its place, start the units (README, "Für die IT").
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
from pathlib import Path

from aktenlotse.cli.common import UserError
from aktenlotse.core.config import Config, load_config
from aktenlotse.core.space_reserve import RESERVE_NAME
from aktenlotse.search.fulltext_index import FOLDER_SUFFIX
from aktenlotse.search.vector_ann import SNAPSHOT_SUFFIX

SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """The backup cannot be written; a one-line German message."""


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == SQLITE_MAGIC


def backup_database(source: Path, target: Path) -> None:
    """Online backup of one database, then an integrity check of the copy."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=4096)
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if result != "ok":
        raise BackupError(f"Sicherung von {source.name} ist beschädigt ({result}); bitte wiederholen.")


def backup(config: Config, dest: Path) -> list[Path]:
    """Write the backup into `dest` (new or empty folder); returns the files written."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"Zielordner {dest} ist nicht leer; bitte einen neuen Ordner angeben.")
    if not config.data_dir.is_dir():
        raise BackupError(f"Datenverzeichnis {config.data_dir} fehlt; nichts zu sichern.")
    data_target = dest / "data"
    data_target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in sorted(config.data_dir.rglob("*")):
        relative = path.relative_to(config.data_dir)
        if (
            not path.is_file()
            or relative.parts[0] == "logs"
            or path.name.endswith(SKIPPED_SUFFIXES)
            or path.name == RESERVE_NAME
            # The embedded index's full-text folder is derived from index.sqlite and rebuilt
            # from it when missing; a copy taken while a crawl writes it could not be trusted.
            or any(part.endswith(FOLDER_SUFFIX) for part in relative.parts)
            # Likewise the vector index snapshot (`aktenlotse enrich` builds it again).
            or any(part.endswith(SNAPSHOT_SUFFIX) for part in relative.parts)
        ):  # ballast, recreated on the restored machine
            continue
        target = data_target / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if is_sqlite(path):
            backup_database(path, target)
        else:
            shutil.copy2(path, target)
        written.append(target)
    if config.path is not None:
        shutil.copy2(config.path, dest / Path(config.path).name)
        written.append(dest / Path(config.path).name)
    return written


def cmd_backup(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    dest = Path(args.dest)
    try:
        written = backup(config, dest)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Sicherung nach {dest} fehlgeschlagen: {exc.strerror or exc}") from None
    databases = sum(1 for p in written if p.suffix == ".sqlite")
    print(f"Sicherung geschrieben: {dest} ({databases} Datenbanken geprüft, {len(written)} Dateien)")
    return 0


def configure(p: argparse.ArgumentParser) -> None:
    """Arguments of `backup`."""
    p.add_argument("dest", help="new or empty folder for the backup")
    p.set_defaults(func=cmd_backup)
