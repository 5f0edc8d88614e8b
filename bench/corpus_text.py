"""The benchmark corpus's German text: departments with their vocabulary, people, streets,
sentence and title templates, and the functions that fill them from a random generator.

Every draw goes through the generator it is given, in a fixed order: the generated corpus
(and the benchmark indexes cached by it) depends on that order, so a change here changes
the benchmark data.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.text.calendar_words import MONTHS

# Nouns as (nominative singular, genitive singular, nominative plural, dative plural);
# the sentences avoid articles before singulars, so no grammatical gender is needed.
Noun = tuple[str, str, str, str]


@dataclass(frozen=True)
class Department:
    """Folders, vocabulary and file-plan prefix of one department."""

    name: str
    open_folders: tuple[str, ...]
    restricted_folders: tuple[tuple[str, str], ...]  # (folder, directory group)
    nouns: tuple[Noun, ...]
    laws: tuple[str, ...]
    file_plan: str  # Aktenplan prefix of this department's Aktenzeichen


def _load_departments() -> tuple[tuple[Department, ...], tuple[int, ...]]:
    """The departments and their weights from bench/departments.toml, in the file's order."""
    with (Path(__file__).parent / "departments.toml").open("rb") as fh:
        entries = tomllib.load(fh)["departments"]
    departments = tuple(
        Department(
            name=entry["name"],
            open_folders=tuple(entry["open_folders"]),
            restricted_folders=tuple((folder, group) for folder, group in entry["restricted_folders"]),
            nouns=tuple((sg, gen, pl, dat) for sg, gen, pl, dat in entry["nouns"]),
            laws=tuple(entry["laws"]),
            file_plan=entry["file_plan"],
        )
        for entry in entries
    )
    return departments, tuple(entry["weight"] for entry in entries)


# The department table is data (bench/departments.toml); the order is part of the output,
# since a department is drawn by its index.
DEPARTMENTS, DEPARTMENT_WEIGHTS = _load_departments()

PEOPLE = (
    "Frau Wolf",
    "Herr Hartmann",
    "Frau Keller",
    "Herr Neumann",
    "Frau Schwarz",
    "Herr Lang",
    "Frau Vogt",
    "Herr Aydın",
    "Frau Sommer",
    "Herr Fuchs",
    "Frau Krüger",
    "Herr Köhler",
)
_STREETS = (
    "Lindenweg",
    "Am Mühlbach",
    "Bahnhofstraße",
    "Kirchgasse",
    "Schillerstraße",
    "Rosenstraße",
    "Industriestraße",
    "Am Sonnenhang",
    "Feldstraße",
    "Marktplatz",
    "Talstraße",
    "Birkenallee",
)
SENTENCES = (
    "Die {pl} wurden am {date} geprüft und an {person} weitergeleitet.",
    "Für Rückfragen zum Vorgang {az} ({sg}) ist das Aktenzeichen anzugeben.",
    "Im Zusammenhang mit den {dat} bittet {person} um Rückmeldung bis zum {date}.",
    "Nach {law} sind die {pl} vollständig mit allen Unterlagen einzureichen.",
    "Bis Ende {month} sind {n} {pl} eingegangen, davon {k} unvollständig.",
    "Der Sachstand zum Vorgang {az} ({street} {no}) wurde in der Besprechung am {date} erörtert.",
    "{person} übernimmt die weitere Bearbeitung im Vorgang {az}.",
    "Rückfragen zu den {dat} richten Sie bitte an {person}, Telefon 07999 27-{phone}.",
    "Laut Niederschrift vom {date} werden die {pl} künftig im Dokumentenmanagementsystem geführt.",
    "Die Gebühr für den Vorgang {az} wurde auf {amount} € festgesetzt.",
    "Ein Widerspruch gegen den Bescheid im Vorgang {az} ist innerhalb eines Monats möglich.",
    "Die Prüfung nach {law} ergab keine Bedenken gegen den Vorgang {az}.",
    "Eine Übersicht der offenen {pl} liegt der Amtsleitung seit dem {date} vor.",
    "Für die Zuordnung zum Aktenplan schlagen die Digitallotsen die Kennziffer {plan} vor.",
    "Die Kämmerei hat die Mittel in Höhe von {amount} € im Haushaltsplan bereitgestellt.",
    "Die Unterlagen zum Vorgang {az} ({street} {no}) wurden nachgefordert, Frist bis {date}.",
    "Der Stadtrat hat in seiner Sitzung am {date} über die {pl} beraten.",
    "Betreff: {sg} – {street} {no}",
)
TITLES = (
    "{sg} {az}",
    "{pl} {year}",
    "{sg} {street} {no}",
    "Übersicht {pl} {month} {year}",
    "Niederschrift Besprechung {sg} {date}",
    "Vermerk {sg} {az}",
)


class _Slots(dict):
    """Sentence slots, each drawn only when a template asks for it (most use three)."""

    def __init__(self, rng: random.Random, dep: Department, year: int) -> None:
        super().__init__()
        self.rng, self.dep, self.year = rng, dep, year

    def __missing__(self, key: str) -> object:
        rng, dep, year = self.rng, self.dep, self.year
        if key in ("sg", "pl", "dat"):
            # One noun per sentence, so singular and plural slots agree.
            noun = rng.choice(dep.nouns)
            self.update(sg=noun[0], pl=noun[2], dat=noun[3])
            return self[key]
        if key == "az":
            value: object = f"{dep.file_plan}-{year}/{rng.randint(1, 400):03d}"
        elif key == "date":
            value = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
        elif key == "month":
            value = rng.choice(MONTHS)
        elif key == "year":
            value = year
        elif key == "person":
            value = rng.choice(PEOPLE)
        elif key == "street":
            value = rng.choice(_STREETS)
        elif key == "no":
            value = rng.randint(1, 60)
        elif key == "law":
            value = rng.choice(dep.laws)
        elif key == "n":
            value = rng.randint(5, 90)
        elif key == "k":
            value = rng.randint(0, 4)
        elif key == "phone":
            value = rng.randint(100, 699)
        elif key == "amount":
            value = f"{rng.randint(15, 250_000):,}".replace(",", ".")
        elif key == "plan":
            value = dep.file_plan.split(".")[0]
        else:
            raise KeyError(key)
        self[key] = value
        return value


def fill(template: str, rng: random.Random, dep: Department, year: int) -> str:
    return template.format_map(_Slots(rng, dep, year))


def paragraphs(rng: random.Random, dep: Department, year: int) -> list[str]:
    return [
        " ".join(fill(rng.choice(SENTENCES), rng, dep, year) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(2, 7))
    ]


def table_rows(rng: random.Random, dep: Department, year: int) -> list[list[object]]:
    rows: list[list[object]] = [["Aktenzeichen", "Datum", "Gegenstand", "Bearbeitung", "Betrag (€)", "Status"]]
    for _ in range(rng.randint(8, 40)):
        s = _Slots(rng, dep, year)
        rows.append(
            [
                s["az"],
                s["date"],
                f"{s['sg']} {s['street']} {s['no']}",
                s["person"],
                rng.randint(10, 90_000),
                rng.choice(("offen", "erledigt", "in Prüfung", "abgelehnt")),
            ]
        )
    return rows


def safe_name(title: str) -> str:
    return title.replace("/", "-").replace("§", "Par.")[:120]
