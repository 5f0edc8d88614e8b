"""Generate a benchmark corpus: many small mixed files shaped like a town's file share.

German sentences come from a vocabulary with inflected and compound forms (Antrag,
Anträge, Bauantrag, …) so that lemmatisation and compound splitting matter for the
search figures. Folders hold 20–200 files; about a sixth of the files lie in folders only
one department may read (mode 750/640, group set when running as root).

Usage: python -m bench.corpus ROOT N [--seed S] [--workers 2]
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from aktenlotse.demo import filemakers
from aktenlotse.demo.share import DEPARTMENT_GIDS
from aktenlotse.text.calendar_words import MONTHS

# The queries a search benchmark runs: every one occurs in a generated corpus.
BENCH_QUERIES: list[str] = [
    "Bauantrag",
    "Anträge",
    "Baugenehmigung",
    "§ 34 BauGB",
    "Bebauungsplan",
    "Hundesteuer",
    "Hundesteuersatzung",
    "Haushaltsplan",
    "Grundsteuer",
    "Gewerbeanmeldung",
    "Sondernutzungserlaubnis",
    "Stellenausschreibung",
    "Dienstanweisung",
    "Urlaubsantrag",
    "Sitzungsvorlage",
    "Niederschrift Stadtrat",
    "Eheschließung",
    "Geburtsurkunde",
    "Meldebescheinigung",
    "Digitallotsen",
    "Dokumentenmanagementsystem",
    "Aktenplan",
    "Brandschutz",
    "Widerspruch gegen den Bescheid",
    "Kämmerei",
]

# Relative weights of the file types, close to what a town's shares hold.
TYPE_WEIGHTS: dict[str, int] = {
    "docx": 22,
    "pdf": 20,
    "txt": 14,
    "xlsx": 10,
    "html": 10,
    "eml": 14,
    "odt": 10,
}
RESTRICTED_SHARE = 0.15
FOLDER_SIZE = (20, 200)

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

_PEOPLE = (
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
_SENTENCES = (
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
_TITLES = (
    "{sg} {az}",
    "{pl} {year}",
    "{sg} {street} {no}",
    "Übersicht {pl} {month} {year}",
    "Niederschrift Besprechung {sg} {date}",
    "Vermerk {sg} {az}",
)


def _type_cycle() -> list[str]:
    """A fixed interleaving of the file types, so any run holds the weights closely."""
    slots = [t for t, w in TYPE_WEIGHTS.items() for _ in range(w)]
    random.Random(0).shuffle(slots)
    return slots


_TYPE_CYCLE = _type_cycle()


@dataclass(frozen=True)
class FolderPlan:
    """One folder to fill: its files are numbered first_index .. first_index + count - 1."""

    index: int
    path: str
    department: int
    count: int
    first_index: int
    group: str | None  # directory group for restricted folders
    restricted_top: str | None  # the folder whose whole subtree is restricted
    year: int


@dataclass
class CorpusStats:
    """What `generate_corpus` wrote."""

    root: Path
    files: int = 0
    folders: int = 0
    restricted_files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    by_suffix: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def plan_folders(n_files: int, seed: int) -> list[FolderPlan]:
    """Split n files into folders of 20–200 files, about RESTRICTED_SHARE of them restricted."""
    rng = random.Random(seed)
    plans: list[FolderPlan] = []
    used: set[str] = set()
    placed = restricted = 0
    while placed < n_files:
        # Small corpora still get a few folders, so that open and closed ones both occur.
        largest = max(FOLDER_SIZE[0], min(FOLDER_SIZE[1], n_files // 4))
        count = min(rng.randint(FOLDER_SIZE[0], largest), n_files - placed)
        # Restrict a folder when that brings the running share closer to the target;
        # the second folder is restricted in any case, so every corpus has closed files.
        make_restricted = (placed > 0 and restricted == 0) or (
            restricted + count / 2 <= RESTRICTED_SHARE * (placed + count)
        )
        while True:
            dep_index = rng.choices(range(len(DEPARTMENTS)), DEPARTMENT_WEIGHTS)[0]
            dep = DEPARTMENTS[dep_index]
            if dep.restricted_folders if make_restricted else dep.open_folders:
                break
        if make_restricted:
            top, group = rng.choice(dep.restricted_folders)
        else:
            top, group = rng.choice(dep.open_folders), None
        year = rng.randint(2012, 2024)
        path = f"{top}/{year}"
        if rng.random() < 0.4:
            path += f"/{rng.choice(dep.nouns)[2]}"
        base, extra = path, 2
        while path in used:
            path, extra = f"{base}/Teil {extra}", extra + 1
        used.add(path)
        plans.append(FolderPlan(len(plans), path, dep_index, count, placed, group, top if group else None, year))
        placed += count
        restricted += count if group else 0
    return plans


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
            value = rng.choice(_PEOPLE)
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


def _fill(template: str, rng: random.Random, dep: Department, year: int) -> str:
    return template.format_map(_Slots(rng, dep, year))


def _paragraphs(rng: random.Random, dep: Department, year: int) -> list[str]:
    return [
        " ".join(_fill(rng.choice(_SENTENCES), rng, dep, year) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(2, 7))
    ]


def _table(rng: random.Random, dep: Department, year: int) -> list[list[object]]:
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


class _XlsxTemplate:
    """Workbooks from one openpyxl-made template with only the sheet and properties replaced.

    openpyxl needs ~15 ms per small workbook; the benchmark writes thousands, and all
    parts but the sheet and core.xml are identical, so they are zipped once per process.
    """

    _TITLE, _AUTHOR = "TITEL-PLATZHALTER", "AUTOR-PLATZHALTER"
    _SHEET = "xl/worksheets/sheet1.xml"
    _CORE = "docProps/core.xml"
    _STAMP = (2024, 3, 1, 9, 30, 0)

    def __init__(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "vorlage.xlsx"
            filemakers.write_xlsx(path, self._TITLE, [["x"]], author=self._AUTHOR)
            with zipfile.ZipFile(path) as z:
                parts = {info.filename: z.read(info) for info in z.infolist()}
        sheet = parts.pop(self._SHEET).decode("utf-8")
        head, rest = sheet.split("<dimension", 1)
        self.sheet_head = head
        self.sheet_mid = rest[rest.index("<sheetViews") : rest.index("<sheetData>")]
        self.sheet_tail = rest[rest.index("</sheetData>") + len("</sheetData>") :]
        core = parts.pop(self._CORE).decode("utf-8")
        core = re.sub(r"(<dcterms:modified\b[^>]*>)[^<]*", r"\g<1>2024-03-01T09:30:00Z", core)
        self.core = core
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(zipfile.ZipInfo(name, self._STAMP), data, zipfile.ZIP_DEFLATED)
        self.static = buf.getvalue()

    def write(self, path: Path, title: str, rows: list[list[object]], author: str) -> None:
        xml_rows = []
        for r, row in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(row):
                ref = f"{chr(65 + c)}{r}"
                if isinstance(value, (int, float)):
                    cells.append(f'<c r="{ref}" t="n"><v>{value}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{xml_escape(str(value))}</t></is></c>')
            xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        last = f"{chr(64 + max(len(row) for row in rows))}{len(rows)}"
        sheet = (
            f'{self.sheet_head}<dimension ref="A1:{last}"/>{self.sheet_mid}'
            f"<sheetData>{''.join(xml_rows)}</sheetData>{self.sheet_tail}"
        )
        core = self.core.replace(self._TITLE, xml_escape(title)).replace(self._AUTHOR, xml_escape(author))
        buf = io.BytesIO(self.static)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(self._SHEET, self._STAMP), sheet, zipfile.ZIP_DEFLATED)
            z.writestr(zipfile.ZipInfo(self._CORE, self._STAMP), core, zipfile.ZIP_DEFLATED)
        path.write_bytes(buf.getvalue())


@functools.lru_cache(maxsize=1)
def _xlsx_template() -> _XlsxTemplate:
    return _XlsxTemplate()


def _safe_name(title: str) -> str:
    return title.replace("/", "-").replace("§", "Par.")[:120]


def _write_file(target: Path, kind: str, title: str, rng: random.Random, dep: Department, year: int) -> None:
    if kind == "txt":
        text = title + "\n\n" + "\n\n".join(_paragraphs(rng, dep, year)) + "\n"
        # Some plain-text files come from old Windows tools.
        encoding = "cp1252" if rng.random() < 0.1 else "utf-8"
        target.write_bytes(text.encode(encoding, errors="replace"))
    elif kind == "html":
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(rng, dep, year))
        page = (
            f'<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"{body}\n</body>\n</html>\n"
        )
        target.write_bytes(page.encode("utf-8"))
    elif kind == "docx":
        filemakers.write_docx(target, title, _paragraphs(rng, dep, year), author=rng.choice(_PEOPLE))
    elif kind == "odt":
        filemakers.write_odt(target, title, _paragraphs(rng, dep, year), author=rng.choice(_PEOPLE))
    elif kind == "pdf":
        filemakers.write_pdf(target, title, _paragraphs(rng, dep, year), author=dep.name)
    elif kind == "xlsx":
        _xlsx_template().write(target, title, _table(rng, dep, year), author=dep.name)
    elif kind == "eml":
        mailbox = dep.name.lower().replace("ä", "ae").replace("ü", "ue").replace("ö", "oe")
        attachments: list[tuple[str, bytes]] = []
        if rng.random() < 0.3:
            rows = _table(rng, dep, year)
            csv = "\r\n".join(";".join(str(c) for c in row) for row in rows).encode("utf-8")
            attachments.append((f"{_safe_name(title)}.csv", csv))
        body = (
            "Guten Tag,\n\n"
            + "\n\n".join(_paragraphs(rng, dep, year))
            + "\n\nMit freundlichen Grüßen\n"
            + rng.choice(_PEOPLE)
        )
        filemakers.write_eml(
            target,
            title,
            body,
            f"{mailbox}@stadt-hohenbrueck.example",
            "poststelle@stadt-hohenbrueck.example",
            attachments,
        )
    else:
        raise ValueError(kind)


def _fill_folder(args: tuple[Path, FolderPlan, int]) -> tuple[Counter, int, int]:
    """Write one folder's files; returns (files per suffix, bytes, restricted files)."""
    root, plan, seed = args
    rng = random.Random(seed * 1_000_003 + plan.index)
    dep = DEPARTMENTS[plan.department]
    folder = root / plan.path
    folder.mkdir(parents=True, exist_ok=True)
    gid = DEPARTMENT_GIDS[plan.group] if plan.group and os.geteuid() == 0 else None
    counts: Counter = Counter()
    total = 0
    names: set[str] = set()
    for number in range(plan.first_index, plan.first_index + plan.count):
        kind = _TYPE_CYCLE[number % len(_TYPE_CYCLE)]
        title = _fill(rng.choice(_TITLES), rng, dep, plan.year)
        name = f"{_safe_name(title)}.{kind}"
        if name in names:
            name = f"{_safe_name(title)} ({number}).{kind}"
        names.add(name)
        target = folder / name
        _write_file(target, kind, title, rng, dep, plan.year)
        if plan.group:
            os.chmod(target, 0o640)
            if gid is not None:
                os.chown(target, -1, gid)
        else:
            os.chmod(target, 0o644)
        stamp = time.mktime((plan.year, rng.randint(1, 12), rng.randint(1, 28), 10, 0, 0, 0, 0, -1))
        os.utime(target, (stamp, stamp))
        counts[kind] += 1
        total += target.stat().st_size
    return counts, total, plan.count if plan.group else 0


def _restrict_folders(root: Path, plans: list[FolderPlan]) -> None:
    for top in sorted({p.restricted_top for p in plans if p.restricted_top}):
        group = next(p.group for p in plans if p.restricted_top == top)
        gid = DEPARTMENT_GIDS[group] if os.geteuid() == 0 else None
        for dirpath, _dirnames, _filenames in os.walk(root / top):
            os.chmod(dirpath, 0o750)
            if gid is not None:
                os.chown(dirpath, -1, gid)


@dataclass(frozen=True)
class SyntheticDocument:
    """A document's fields without a file: for index benchmarks that skip extraction."""

    path: str
    title: str
    text: str
    group: str | None  # directory group of a restricted folder, None when open
    year: int


def synthetic_documents(n_docs: int, seed: int = 1):
    """`n_docs` documents with the same folders, vocabulary and restrictions as the files
    of `generate_corpus` (deterministic for a seed)."""
    for plan in plan_folders(n_docs, seed):
        rng = random.Random(seed * 1_000_003 + plan.index)
        dep = DEPARTMENTS[plan.department]
        for number in range(plan.first_index, plan.first_index + plan.count):
            title = _fill(rng.choice(_TITLES), rng, dep, plan.year)
            text = "\n".join(_paragraphs(rng, dep, plan.year))
            yield SyntheticDocument(
                f"{plan.path}/{_safe_name(title)} ({number}).docx", title, text, plan.group, plan.year
            )


def generate_corpus(root: Path, n_files: int, seed: int = 1, workers: int = 2) -> CorpusStats:
    """Write `n_files` files under `root` (deterministic for a given seed) and count them.

    Folders are written by `workers` processes; the result does not depend on their number.
    """
    started = time.perf_counter()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    plans = plan_folders(n_files, seed)
    jobs = [(root, plan, seed) for plan in plans]
    stats = CorpusStats(root=root, folders=len(plans))
    if workers > 1 and len(plans) > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = list(pool.imap_unordered(_fill_folder, jobs, chunksize=2))
    else:
        results = [_fill_folder(job) for job in jobs]
    counts: Counter = Counter()
    for folder_counts, size, restricted in results:
        counts.update(folder_counts)
        stats.bytes += size
        stats.restricted_files += restricted
    _restrict_folders(root, plans)
    if os.geteuid() != 0:
        stats.notes.append("not root: groups of restricted folders were not set")
    stats.files = sum(counts.values())
    stats.by_suffix = dict(sorted(counts.items()))
    stats.seconds = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    """CLI: generate a corpus and print one summary line."""
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("n_files", type=int, help="number of files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    stats = generate_corpus(args.root, args.n_files, seed=args.seed, workers=args.workers)
    mix = " ".join(f"{k}={v}" for k, v in stats.by_suffix.items())
    print(
        f"corpus: {stats.files} files in {stats.folders} folders, {stats.seconds:.1f} s "
        f"({stats.files / max(stats.seconds, 1e-9):.0f} files/s), {stats.bytes / 1e6:.1f} MB, "
        f"{stats.restricted_files} restricted, {mix}"
    )
    for note in stats.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
