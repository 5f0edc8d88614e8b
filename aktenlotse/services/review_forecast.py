"""The migration forecast per Fachbereich (Prognosemodell) for the AG DMS: what lies in
each department, how much of it needs a person, how fast the review goes, and from that
the person-hours and calendar weeks left and an order to roll out in.

A department is the Fachbereich `[dms] departments` maps the file's folder to (the longest
folder prefix wins), else the top folder of the file in its source ("Bauamt" in
daten:Bauamt/632/…), shown as "source: folder" when several sources are crawled. The pace is measured from
the decisions' timestamps: a reviewer's decisions less than SESSION_GAP_S apart form one
sitting, which lasts from its first to its last decision plus FIRST_DECISION_S (the time
the first one took); the documents decided per reviewer-hour of sitting are the rate, the
reviewer-hours of the last PACE_WINDOW_DAYS the hours per week the town gives the review
(before any sitting in that window: `[dms] weekly_review_hours`, the hours planned).
A document needs a person unless its best Aktenplan suggestion is at least
`confident_at` sure (those can be accepted folder by folder) or it is decided already.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aktenlotse.core.config import Config
from aktenlotse.search.backend import Backend
from aktenlotse.services.overview import STALE_YEARS
from aktenlotse.services.review import ReviewStore
from aktenlotse.stores.review_store import Decision, DocRef
from aktenlotse.stores.statedb import StateDB

SESSION_GAP_S = 30 * 60
FIRST_DECISION_S = 60.0
PACE_WINDOW_DAYS = 28
CONFIDENT_AT = 0.8
CHUNK = 2000


@dataclass(frozen=True)
class Pace:
    """How fast the review goes: documents decided, reviewer-hours spent, both overall,
    and the reviewer-hours per week of the recent window."""

    documents: int
    hours: float
    hours_per_week: float

    @property
    def per_hour(self) -> float | None:
        """Documents decided per reviewer-hour (None before the first decision)."""
        return self.documents / self.hours if self.hours > 0 else None


@dataclass
class Department:
    """One Fachbereich's figures and its forecast (None: no pace measured yet)."""

    name: str
    files: int = 0
    bytes: int = 0
    duplicates: int = 0
    stale: int = 0
    confident: int = 0
    decided: int = 0
    needs_person: int = 0
    person_hours: float | None = None
    weeks: float | None = None


@dataclass
class Forecast:
    pace: Pace
    weekly_hours: float  # reviewer-hours per week the weeks are computed with
    weekly_hours_measured: bool  # False: the planned hours (no sitting in the recent window)
    departments: list[Department] = field(default_factory=list)  # in the suggested roll-out order
    weekly_decisions: list[tuple[str, int]] = field(default_factory=list)  # ISO week, documents decided

    @property
    def person_hours(self) -> float | None:
        hours = [d.person_hours for d in self.departments]
        return None if any(h is None for h in hours) else sum(h for h in hours if h is not None)


def review_pace(decisions: Iterable[Decision], now: float) -> Pace:
    """The pace of the decisions (see the module text for how sittings are counted)."""
    by_reviewer: dict[str, list[float]] = {}
    documents = 0
    for decision in decisions:
        by_reviewer.setdefault(decision.reviewer, []).append(decision.at)
        documents += 1
    hours = recent = 0.0
    window_start = now - PACE_WINDOW_DAYS * 86400
    for times in by_reviewer.values():
        times.sort()
        start = previous = times[0]
        for at in [*times[1:], None]:
            if at is not None and at - previous <= SESSION_GAP_S:
                previous = at
                continue
            sitting = (previous - start + FIRST_DECISION_S) / 3600
            hours += sitting
            if previous >= window_start:
                recent += sitting
            if at is not None:
                start = previous = at
    return Pace(documents, hours, recent / (PACE_WINDOW_DAYS / 7))


def department_of(source: str, path: str, several_sources: bool, mapping: Mapping[str, str] | None = None) -> str:
    """The Fachbereich of a file: the mapped name of its longest mapped folder prefix, else
    its top folder ("(Wurzel)" for files at the share root)."""
    folder = path.rpartition("/")[0]
    for prefix in sorted(mapping or {}, key=len, reverse=True):
        if folder == prefix.strip("/") or folder.startswith(prefix.strip("/") + "/"):
            return (mapping or {})[prefix]
    top = path.split("/", 1)[0] if "/" in path else "(Wurzel)"
    return f"{source}: {top}" if several_sources else top


def build_forecast(
    state: StateDB,
    store: ReviewStore,
    backend: Backend,
    *,
    roles: Iterable[str],
    now: float | None = None,
    confident_at: float = CONFIDENT_AT,
    departments_of: Mapping[str, str] | None = None,
    planned_weekly_hours: float = 10.0,
) -> Forecast:
    """The forecast over everything crawled; `roles` must include a DMS role (the
    suggestions are read from the index regardless of the files' ACLs)."""
    roles = tuple(roles)
    now = time.time() if now is None else now
    stale_before = now - STALE_YEARS * 365.25 * 86400
    duplicated = state.duplicated_hashes()
    several = len(state.sources()) > 1
    departments: dict[str, Department] = {}
    for rows in state.item_chunks(CHUNK):
        refs = [DocRef(r.source, r.path, r.content_hash) for r in rows]
        decisions = store.decisions_for(refs)
        scores = {doc.id: _best_score(doc.extra) for doc in backend.dms_listing([r.id for r in rows], roles)}
        for row, ref in zip(rows, refs, strict=True):
            name = department_of(row.source, row.path, several, departments_of)
            department = departments.setdefault(name, Department(name))
            department.files += 1
            department.bytes += row.size
            department.duplicates += row.content_hash in duplicated
            department.stale += row.mtime < stale_before
            if ref in decisions:
                department.decided += 1
            elif scores.get(row.id, 0.0) >= confident_at:
                department.confident += 1
            else:
                department.needs_person += 1
    latest = list(store.latest_decisions())
    pace = review_pace(latest, now)
    measured = pace.hours_per_week > 0
    weekly = pace.hours_per_week if measured else planned_weekly_hours
    for department in departments.values():
        rate = pace.per_hour
        if rate:
            department.person_hours = department.needs_person / rate
            department.weeks = department.person_hours / weekly if weekly > 0 else None
    # Least manual work first (the advice of the towns that went first: early successes),
    # then the larger departments.
    order = sorted(departments.values(), key=lambda d: (d.needs_person, -d.files, d.name))
    return Forecast(pace, weekly, measured, order, _weekly(latest))


def forecast_for(
    config: Config, backend: Backend, roles: Iterable[str], confident_at: float = CONFIDENT_AT
) -> Forecast | None:
    """The forecast of the configured state database, review and index (`roles`: the
    caller's, a DMS role needed); None before the first crawl."""
    if not config.state_db.exists():
        return None
    state, store = StateDB(config.state_db), ReviewStore(config.data_dir)
    try:
        return build_forecast(
            state,
            store,
            backend,
            roles=roles,
            confident_at=confident_at,
            departments_of=config.dms.departments,
            planned_weekly_hours=config.dms.weekly_review_hours,
        )
    finally:
        store.close()
        state.close()


def _best_score(extra: dict) -> float:
    suggestions = extra.get("aktenplan") or []
    return float(suggestions[0].get("score", 0.0)) if suggestions else 0.0


def _weekly(decisions: Iterable[Decision]) -> list[tuple[str, int]]:
    """Documents decided per ISO week ("2026-W48"), oldest first."""
    weeks: dict[str, int] = {}
    for decision in decisions:
        year, week, _ = dt.datetime.fromtimestamp(decision.at).isocalendar()
        label = f"{year}-W{week:02d}"
        weeks[label] = weeks.get(label, 0) + 1
    return sorted(weeks.items())


TABLE_COLUMNS = ("Fachbereich", "Dateien", "entschieden", "sicherer Vorschlag", "für Menschen", "Stunden", "Wochen")


def table_rows(forecast: Forecast) -> list[tuple[str, int, int, int, int, str, str]]:
    """One row per Fachbereich under TABLE_COLUMNS (German decimals, "–" without a pace)."""

    def decimal(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}".replace(".", ",")

    return [
        (d.name, d.files, d.decided, d.confident, d.needs_person, decimal(d.person_hours), decimal(d.weeks))
        for d in forecast.departments
    ]


def forecast_dict(forecast: Forecast) -> dict:
    """The forecast as plain data (`--json`, the report)."""
    pace = forecast.pace
    return {
        "pace": {
            "documents_decided": pace.documents,
            "reviewer_hours": round(pace.hours, 2),
            "documents_per_hour": None if pace.per_hour is None else round(pace.per_hour, 1),
            "reviewer_hours_per_week": round(pace.hours_per_week, 2),
        },
        "weekly_hours_used": round(forecast.weekly_hours, 2),
        "weekly_hours_measured": forecast.weekly_hours_measured,
        "person_hours_left": None if forecast.person_hours is None else round(forecast.person_hours, 1),
        "departments": [
            {
                "name": d.name,
                "files": d.files,
                "bytes": d.bytes,
                "duplicates": d.duplicates,
                "stale": d.stale,
                "decided": d.decided,
                "confident": d.confident,
                "needs_person": d.needs_person,
                "person_hours": None if d.person_hours is None else round(d.person_hours, 1),
                "weeks": None if d.weeks is None else round(d.weeks, 1),
            }
            for d in forecast.departments
        ],
        "weekly_decisions": [{"week": week, "documents": n} for week, n in forecast.weekly_decisions],
    }


def forecast_lines(forecast: Forecast) -> list[str]:
    """The forecast as German text lines, departments in the suggested order."""
    pace = forecast.pace
    if pace.per_hour is None:
        lines = ["Tempo: noch keine Entscheidungen, daher keine Prognose der Personenstunden."]
    else:
        weekly = (
            f"zuletzt {_hours(forecast.weekly_hours)} Prüfzeit je Woche"
            if forecast.weekly_hours_measured
            else f"geplant {_hours(forecast.weekly_hours)} Prüfzeit je Woche (in den letzten 4 Wochen keine)"
        )
        lines = [
            f"Tempo: {pace.documents} Dokumente in {_hours(pace.hours)} Prüfzeit = {pace.per_hour:.0f} Dokumente je "
            f"Stunde; {weekly}."
        ]
    if forecast.person_hours is not None:
        lines.append(f"Offen: {_hours(forecast.person_hours)} Prüfzeit insgesamt.")
    lines.append("Vorgeschlagene Reihenfolge (wenig Handarbeit zuerst):")
    for rank, d in enumerate(forecast.departments, 1):
        left = "" if d.person_hours is None else f", noch {_hours(d.person_hours)}"
        weeks = "" if d.weeks is None else f" ≈ {d.weeks:.1f} Wochen"
        lines.append(
            f"{rank}. {d.name}: {d.files} Dateien, {d.decided} entschieden, {d.confident} mit sicherem Vorschlag, "
            f"{d.needs_person} für Menschen{left}{weeks}; {d.duplicates} Dubletten, {d.stale} seit "
            f"{STALE_YEARS}+ Jahren unverändert"
        )
    return lines


def _hours(hours: float) -> str:
    return f"{hours:.1f} h".replace(".", ",")
