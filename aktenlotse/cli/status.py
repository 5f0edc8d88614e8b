"""`aktenlotse status`: the index and the last crawl runs as a table (`--json` for machines).

Reading the status never creates anything: without a state database (no crawl yet, or no
config found) it says so instead of making an empty ./data.
"""

from __future__ import annotations

import argparse
import json
import time

from aktenlotse.core.config import Config, load_config
from aktenlotse.core.records import RUN_STATUS_LABELS
from aktenlotse.pipeline import app
from aktenlotse.stores.statedb import StateDB


def status_data(config: Config) -> dict:
    """What `status --json` prints: index stats, item counts by status, the last 5 runs.
    `index` is None while nothing was crawled yet."""
    data: dict = {
        "config": str(config.path) if config.path else None,
        "data_dir": str(config.data_dir),
        "index": None,
        "items": {},
        "runs": [],
    }
    if not config.state_db.exists():
        return data
    state = StateDB(config.state_db)
    try:
        data["items"] = state.count_items()
        data["runs"] = state.runs(5)
    finally:
        state.close()
    backend = app.open_backend(config)
    try:
        data["index"] = backend.stats()
    finally:
        backend.close()
    return data


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "–"


def status_lines(data: dict) -> list[str]:
    """The human-readable table."""
    lines = [
        f"Konfiguration: {data['config'] or 'keine Datei gefunden (Standardwerte)'}",
        f"Datenverzeichnis: {data['data_dir']}",
    ]
    index = data["index"]
    if index is None:
        lines.append("Noch kein Crawl gelaufen (aktenlotse crawl).")
        return lines
    where = index.get("path") or index.get("index") or ""
    size = f", {_size(index['size_bytes'])}" if index.get("size_bytes") is not None else ""
    lines.append(f"Index: {index.get('backend', '?')} {where} – {index.get('documents', 0)} Dokumente{size}")
    for model, counts in (index.get("vectors") or {}).items():
        lines.append(
            f"Vektoren ({model}): {counts.get('documents', 0)} Dokumente, {counts.get('chunks', 0)} Abschnitte"
        )
    items = data["items"]
    if items:
        lines.append("Elemente: " + ", ".join(f"{status} {count}" for status, count in sorted(items.items())))
    if data["runs"]:
        lines.append("")
        header = ("Lauf", "Beginn", "Status", "Dauer s", "neu", "geändert", "gelöscht", "Fehler")
        rows = [header] + [
            (
                str(r["id"]),
                _when(r.get("started")),
                RUN_STATUS_LABELS.get(r["status"], r["status"]),
                f"{r['seconds']:.1f}" if r.get("seconds") is not None else "–",
                str(r.get("new") or 0),
                str(r.get("changed") or 0),
                str(r.get("deleted") or 0),
                str(r.get("errors") or 0),
            )
            for r in data["runs"]
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            lines.append(
                "  ".join(
                    cell.ljust(w) if i < 3 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=False))
                ).rstrip()
            )
    return lines


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `status`."""
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    """Print the status as a table, or as JSON with --json."""
    data = status_data(load_config(args.config))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(status_lines(data)))
    return 0
