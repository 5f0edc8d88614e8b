"""The page "Übersicht" (AG DMS and admin): what lies on the shares."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.overview import STALE_YEARS, overview_for
from aktenlotse.services.review import can_review
from aktenlotse.services.review_forecast import TABLE_COLUMNS, forecast_for, forecast_lines, table_rows
from aktenlotse.text.sizes import grouped, human_size


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The overview page, for the AG DMS and admins."""
    st.title("Übersicht")
    if not can_review(user.roles):
        st.error("Diese Seite ist der AG DMS und den Administratoren vorbehalten.")
        return
    view = overview_for(ctx.config, ctx.backend, user.roles)
    if view is None:
        st.info("Noch kein Crawl gelaufen.")
        return
    cols = st.columns(4)
    cols[0].metric("Dateien", grouped(view.total))
    cols[1].metric(
        f"Dubletten ({view.duplicate_groups} {'Gruppe' if view.duplicate_groups == 1 else 'Gruppen'})",
        f"{view.duplicate_files}",
        help=f"Dateien, die es mehrfach gibt; verschwendeter Platz: {human_size(view.wasted_bytes)}",
    )
    cols[2].metric(f"Seit {STALE_YEARS}+ Jahren unverändert", f"{view.stale_files}", help=human_size(view.stale_bytes))
    cols[3].metric("Mit Aktenplan-Vorschlag", f"{view.classified} / {view.total}")

    st.subheader("Dateien nach Ablage, Dateityp und Jahr")
    left, middle, right = st.columns(3)
    for column, counts, name in ((left, view.by_source, "Ablage"), (middle, view.by_type[:15], "Dateityp")):
        _files_chart(column, counts, name)
    _files_chart(right, [(str(y), n, b) for y, n, b in view.by_year], "Jahr")

    st.subheader("Personenbezogene Daten in frei lesbaren Ordnern")
    rows = [(s, p, ", ".join(r)) for s, p, r in view.open_personal_data]
    _table(rows, ["Ablage", "Pfad", "Hinweise"], "Keine gefunden (oder die Anreicherung ist ausgeschaltet).")
    st.subheader("Größte Dubletten")
    duplicates = [
        (_copies_text(view.duplicate_paths.get(h, [])), n, human_size(s), human_size((n - 1) * s))
        for h, n, s in view.largest_duplicates
    ]
    _table(duplicates, ["Dateien", "Kopien", "Größe", "Verschwendet"], "Keine Dubletten gefunden.")
    st.subheader(f"Archiv-Kandidaten (seit {STALE_YEARS}+ Jahren unverändert)")
    _table(view.stale_examples, ["Ablage", "Pfad", "Jahr"], "Keine Dateien, die so lange unverändert sind.")
    _forecast(ctx, user)


def _forecast(ctx: PortalContext, user: UserInfo) -> None:
    """The migration forecast per Fachbereich, in the suggested roll-out order."""
    st.subheader("Migrationsprognose je Fachbereich")
    forecast = forecast_for(ctx.config, ctx.backend, user.roles)
    if forecast is None:
        return
    st.caption(forecast_lines(forecast)[0])
    _table(table_rows(forecast), list(TABLE_COLUMNS), "Noch keine Dateien.")
    if forecast.weekly_decisions:
        weeks = pd.DataFrame(forecast.weekly_decisions, columns=["Woche", "Entscheidungen"]).set_index("Woche")
        st.line_chart(weeks.cumsum(), x_label="Kalenderwoche", y_label="Entschiedene Dokumente (Summe)")


def _copies_text(paths: list[str]) -> str:
    """The first copy's path and how many more there are (the table cell stays one line)."""
    if not paths:
        return "(nicht mehr im Bestand)"
    more = len(paths) - 1
    return paths[0] if more == 0 else f"{paths[0]} und {more} weitere: " + "; ".join(paths[1:])


def _files_chart(column: DeltaGenerator, rows: list[tuple[Any, int, int]], name: str) -> None:
    """A bar chart of file counts with German axis titles; a caption when there is nothing."""
    if not rows:
        column.caption(f"{name}: keine Dateien.")
        return
    frame = pd.DataFrame(rows, columns=[name, "Dateien", "Bytes"]).set_index(name)["Dateien"]
    column.bar_chart(frame, x_label=name, y_label="Anzahl Dateien")


def _table(rows: list, columns: list[str], empty: str) -> None:
    """A table, or a German sentence where Streamlit would show an empty table."""
    if not rows:
        st.caption(empty)
        return
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch")
