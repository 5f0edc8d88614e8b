"""Sizes, counts and times as German readers write them, for pages, exports and reports."""

from __future__ import annotations

import datetime as dt


def human_size(size: int) -> str:
    """A size as German users read it (1,5 MB)."""
    value = float(size or 0)
    for unit in ("Byte", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.0f}" if unit == "Byte" else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def grouped(n: int) -> str:
    """A whole number with German digit groups ("10.000")."""
    return f"{n:,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    """A decimal number as German readers write it ("1.234,5")."""
    return f"{value:,.{places}f}".translate(str.maketrans(",.", ".,"))


def counted(n: int, one: str, many: str) -> str:
    """A count with its noun in the right number and German digit groups ("1 Entscheidung",
    "10.000 Entscheidungen")."""
    return grouped(n) + " " + (one if n == 1 else many)


def decisions(n: int) -> str:
    """A number of review decisions ("1 Entscheidung", "3 Entscheidungen")."""
    return counted(n, "Entscheidung", "Entscheidungen")


def german_time(ts: float | None) -> str:
    """A Unix time as day and minute in local time (04.12.2026 14:05); "" for none."""
    return dt.datetime.fromtimestamp(ts).strftime("%d.%m.%Y %H:%M") if ts else ""
