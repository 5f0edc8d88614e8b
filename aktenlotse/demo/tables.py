"""The demo share's generated tables: registers and budgets filled by a seeded generator.

The fixed texts live in `data/*.toml`; these tables are long and repetitive, so they are
made here from invented names (`data/names.toml`) and the share's `random.Random`, which
keeps every run identical. The order of the calls is part of the output: `texts` calls
them in the order the documents stand in the data files.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from importlib import resources
from typing import Any

_NAMES: dict[str, list[str]] = tomllib.loads(
    resources.files("aktenlotse.demo").joinpath("data/names.toml").read_text(encoding="utf-8")
)
_SURNAMES = _NAMES["surnames"]
_FIRST_NAMES = _NAMES["first_names"]
_STREETS = _NAMES["streets"]
_DOG_BREEDS = _NAMES["dog_breeds"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"


def _address(rng: random.Random) -> str:
    return f"{rng.choice(_STREETS)} {rng.randint(1, 48)}"


# ---------------------------------------------------------------------------------
# Generated tables


def _eingangsbuch(rng: random.Random, year: int, fixed: list[list[object]]) -> list[list[object]]:
    """Register of building applications; `fixed` rows are the ones that exist as files."""
    vorhaben = [
        "Neubau Einfamilienhaus",
        "Anbau Wintergarten",
        "Errichtung Carport",
        "Nutzungsänderung Laden zu Wohnung",
        "Dachgeschossausbau",
        "Neubau Doppelhaus",
        "Errichtung Gartenhaus",
        "Umbau Scheune zu Wohnzwecken",
        "Neubau Lagerhalle",
    ]
    status = ["in Prüfung", "genehmigt", "Unterlagen nachgefordert", "zurückgenommen", "abgelehnt"]
    rows: list[list[object]] = [
        [
            "Aktenzeichen",
            "Eingang",
            "Bauherr/in",
            "Vorhaben",
            "Grundstück",
            "Gemarkung",
            "Flurstück",
            "Rechtsgrundlage",
            "Status",
        ]
    ]
    numbers = sorted(rng.sample(range(1, 190), 22) + [int(str(r[0]).rsplit("/", 1)[1]) for r in fixed])
    fixed_by_number = {int(str(r[0]).rsplit("/", 1)[1]): r for r in fixed}
    for number in numbers:
        if number in fixed_by_number:
            rows.append(fixed_by_number[number])
            continue
        month = min(12, 1 + number * 12 // 190)
        rows.append(
            [
                f"632.10-{year}/{number:03d}",
                f"{rng.randint(1, 28):02d}.{month:02d}.{year}",
                _person(rng),
                rng.choice(vorhaben),
                _address(rng),
                rng.choice(["Hohenbrück", "Aubach", "Niederweiler"]),
                f"{rng.randint(1, 40)}/{rng.randint(1, 250)}",
                rng.choice(["§ 30 BauGB", "§ 34 BauGB", "§ 35 BauGB"]),
                rng.choice(status),
            ]
        )
    return rows


def _hundesteuer_veranlagung(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            "Kassenzeichen",
            "Halter/in",
            "Anschrift",
            "Hunderasse",
            "Anzahl Hunde",
            "Steuersatz (€)",
            "Jahressteuer (€)",
            "Steuermarke Nr.",
        ]
    ]
    for i in range(40):
        dogs = 1 if rng.random() < 0.85 else 2
        breed = rng.choice(_DOG_BREEDS)
        dangerous = breed == "Rottweiler"
        rate = 600 if dangerous else (90 if dogs == 1 else 120)
        rows.append(
            [
                f"6.1.{rng.randint(10000, 99999)}",
                _person(rng),
                f"{_address(rng)}, 74999 Hohenbrück",
                breed,
                dogs,
                rate,
                rate * dogs if not dangerous else rate,
                f"HB-{2024}-{i + 101:04d}",
            ]
        )
    return rows


def _ergebnishaushalt(rng: random.Random, year: int) -> list[list[object]]:
    positions = [
        ("1", "Steuern und ähnliche Abgaben", 24_800_000),
        ("2", "Zuwendungen und allgemeine Umlagen", 11_300_000),
        ("4", "Öffentlich-rechtliche Leistungsentgelte", 3_950_000),
        ("6", "Privatrechtliche Leistungsentgelte", 610_000),
        ("7", "Kostenerstattungen und Kostenumlagen", 1_240_000),
        ("9", "Zinsen und ähnliche Einzahlungen", 85_000),
        ("11", "Personalaufwendungen", -14_900_000),
        ("13", "Aufwendungen für Sach- und Dienstleistungen", -6_700_000),
        ("14", "Planmäßige Abschreibungen", -3_100_000),
        ("15", "Zinsen und ähnliche Aufwendungen", -420_000),
        ("16", "Transferaufwendungen (u. a. Kreisumlage)", -14_350_000),
        ("17", "Sonstige ordentliche Aufwendungen", -1_980_000),
    ]
    rows: list[list[object]] = [
        [
            "Nr.",
            "Ertrags- und Aufwandsart",
            f"Ergebnis {year - 2}",
            f"Ansatz {year - 1}",
            f"Ansatz {year}",
            f"Planung {year + 1}",
        ]
    ]
    for number, name, base in positions:
        values = [round(base * rng.uniform(0.9, 1.1), -3) for _ in range(4)]
        rows.append([number, name, *values])
    rows.append(["", "Ordentliches Ergebnis", "=SUM(C2:C13)", "=SUM(D2:D13)", "=SUM(E2:E13)", "=SUM(F2:F13)"])
    return rows


# The tables a data file may ask for with `generated = { table = NAME, ... }`.
TABLES: dict[str, Callable[..., list[list[Any]]]] = {
    "eingangsbuch": _eingangsbuch,
    "ergebnishaushalt": _ergebnishaushalt,
    "hundesteuer_veranlagung": _hundesteuer_veranlagung,
}


def generated_table(rng: random.Random, spec: dict[str, Any]) -> list[list[Any]]:
    """The rows of the table `spec["table"]`, with the spec's other keys as arguments."""
    arguments = {key: value for key, value in spec.items() if key != "table"}
    return TABLES[spec["table"]](rng, **arguments)
