"""The page "Verwaltung" (admin): crawl runs, error records, sources, start a crawl,
"Zugriff prüfen"."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.pipeline.crawl_lock import crawl_running
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.error_texts import kind_label, shown_error
from aktenlotse.portal.formatting import run_status_label
from aktenlotse.portal.ui_access import render_access_check
from aktenlotse.services.admin import admin_view, files_per_second, filter_errors, split_errors, start_background_crawl
from aktenlotse.text.sizes import german_time


def render_unverified(folders: list[dict[str, Any]]) -> None:
    """Folders the last crawls could not verify (not listable, ACL unreadable): everything
    below them is hidden from everyone until a crawl verifies them again."""
    st.subheader("Nicht verifizierte Ordner")
    if not folders:
        st.caption("Alle Ordner wurden beim letzten Crawl geprüft.")
        return
    st.warning(
        f"{len(folders)} Ordner konnten nicht geprüft werden; ihr Inhalt ist für alle ausgeblendet, "
        "bis ein Crawl sie wieder lesen kann."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Quelle": f["source"],
                    "Pfad": f["path"] or "(Wurzel)",
                    "Grund": f["reason"],
                    "Seit": german_time(f["since"]),
                    "Ausgeblendete Dateien": f["hidden"],
                }
                for f in folders
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The admin page, for admins only."""
    st.title("Verwaltung")
    if "admin" not in user.roles:
        st.error("Diese Seite ist den Administratoren vorbehalten.")
        return
    running = crawl_running(ctx.config.data_dir)
    if running:
        st.info("Ein Crawl läuft gerade.")
    if st.button("Inkrementellen Crawl starten", disabled=running, type="primary"):
        start_background_crawl(ctx.config)
        st.success("Crawl gestartet. Diese Seite zeigt ihn, sobald er fertig ist (neu laden).")
    render_access_check(ctx)
    view = admin_view(ctx.config)
    if view is None:
        st.caption("Noch kein Crawl gelaufen.")
        return
    st.subheader("Quellen")
    last_by_source = view.last_run_by_source()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": s.name,
                    "Pfad": str(s.root),
                    "Anzeige": s.display_root,
                    "Anreicherung": s.enrich,
                    "OCR": s.ocr,
                    "Letzter Lauf": german_time(last_by_source.get(s.name, {}).get("finished")),
                    "Status": run_status_label(last_by_source.get(s.name, {}).get("status")),
                }
                for s in ctx.config.sources
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    render_unverified(view.unverified)
    st.subheader("Crawl-Läufe")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Lauf": r["id"],
                    "Beginn": german_time(r["started"]),
                    "Ende": german_time(r["finished"]),
                    "Status": run_status_label(r["status"]),
                    "Neu": r["new"],
                    "Geändert": r["changed"],
                    "Verschoben": r["moved"],
                    "Unverändert": r["unchanged"],
                    "Gelöscht": r["deleted"],
                    "Fehler": r["errors"],
                    "Sekunden": round(r["seconds"] or 0, 1),
                    "Dateien/s": files_per_second(r),
                    "Meldung": r.get("message") or "",
                }
                for r in view.runs
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader("Fehler")
    # Pictures, media and programs hold no text: listed apart, so that the list above them
    # holds only what an admin can act on.
    actionable, expected = split_errors(view.errors)
    kinds = sorted({e["kind"] for e in actionable})
    chosen = st.multiselect("Art", kinds, format_func=kind_label, key="admin_error_kinds", placeholder="Alle Arten")
    text = st.text_input("Pfad enthält", key="admin_error_path")
    shown = filter_errors(actionable, chosen, text)
    st.dataframe(_error_table(shown), hide_index=True, width="stretch")
    _technical_details(shown)
    if expected:
        with st.expander(f"Kein Text erwartet ({len(expected)} Dateien: Bilder, Audio, Video, Programme …)"):
            st.caption("Diese Dateien bleiben über ihren Namen auffindbar; ein Fehler ist das nicht.")
            st.dataframe(_error_table(expected), hide_index=True, width="stretch")


def _error_table(errors: list[dict[str, Any]]) -> pd.DataFrame:
    """The error records with German messages."""
    rows = []
    for e in errors:
        shown = shown_error(e["kind"], e["message"])
        rows.append(
            {
                "Art": shown.kind,
                "Quelle": e["source"],
                "Pfad": e["path"],
                "Meldung": shown.message,
                "Zeit": german_time(e["at"]),
            }
        )
    return pd.DataFrame(rows)


def _technical_details(errors: list[dict[str, Any]]) -> None:
    """What the parser itself said (a Java exception from Tika …), for an admin who needs
    it: folded away, the table above says it in German."""
    details = [(e["path"], shown_error(e["kind"], e["message"]).detail) for e in errors]
    details = [(path, detail) for path, detail in details if detail]
    if not details:
        return
    with st.expander(f"Technische Angaben der Leseprogramme ({len(details)})"):
        st.dataframe(pd.DataFrame(details, columns=["Pfad", "Angabe"]), hide_index=True, width="stretch")
