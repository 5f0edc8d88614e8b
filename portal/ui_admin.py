"""The page "Verwaltung" (admin): crawl runs, error records, sources, start a crawl,
"Zugriff prüfen"."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import streamlit as st

from aktenlotse.core.records import ERROR_KINDS, EXPECTED_KINDS
from aktenlotse.identity.directory import UserInfo
from aktenlotse.pipeline.crawl_lock import crawl_running
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.ui_access import render_access_check
from aktenlotse.stores.statedb import StateDB


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%d.%m.%Y %H:%M") if ts else ""


def start_background_crawl(ctx: PortalContext) -> subprocess.Popen:
    """An incremental crawl in its own process (it takes the crawl lock itself)."""
    command = [sys.executable, "-m", "aktenlotse.cli.main"]
    if ctx.config.path is not None:
        command += ["--config", str(ctx.config.path)]
    command += ["crawl", "--no-progress"]
    ctx.config.log_dir.mkdir(parents=True, exist_ok=True)
    log = open(ctx.config.log_dir / "portal-crawl.log", "ab")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def render_unverified(folders: list[dict]) -> None:
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
                    "Seit": _when(f["since"]),
                    "Ausgeblendete Dateien": f["hidden"],
                }
                for f in folders
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def render(ctx: PortalContext, user: UserInfo) -> None:
    st.title("Verwaltung")
    if "admin" not in user.roles:
        st.error("Diese Seite ist den Administratoren vorbehalten.")
        return
    running = crawl_running(ctx.config.data_dir)
    if running:
        st.info("Ein Crawl läuft gerade.")
    if st.button("Inkrementellen Crawl starten", disabled=running, type="primary"):
        start_background_crawl(ctx)
        st.success("Crawl gestartet. Diese Seite zeigt ihn, sobald er fertig ist (neu laden).")
    render_access_check(ctx)
    if not ctx.config.state_db.exists():
        st.caption("Noch kein Crawl gelaufen.")
        return
    state = StateDB(ctx.config.state_db)
    try:
        runs = state.runs(50)
        errors = state.current_errors()
        unverified = state.unverified()
    finally:
        state.close()
    st.subheader("Quellen")
    last_by_source = {}
    for run in reversed(runs):
        for name in run["sources"].split(","):
            last_by_source[name] = run
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": s.name,
                    "Pfad": str(s.root),
                    "Anzeige": s.display_root,
                    "Anreicherung": s.enrich,
                    "OCR": s.ocr,
                    "Letzter Lauf": _when(last_by_source.get(s.name, {}).get("finished")),
                    "Status": last_by_source.get(s.name, {}).get("status", ""),
                }
                for s in ctx.config.sources
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    render_unverified(unverified)
    st.subheader("Crawl-Läufe")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Lauf": r["id"],
                    "Beginn": _when(r["started"]),
                    "Ende": _when(r["finished"]),
                    "Status": r["status"],
                    "Neu": r["new"],
                    "Geändert": r["changed"],
                    "Verschoben": r["moved"],
                    "Unverändert": r["unchanged"],
                    "Gelöscht": r["deleted"],
                    "Fehler": r["errors"],
                    "Sekunden": round(r["seconds"] or 0, 1),
                    "Dateien/s": round((r["new"] + r["changed"]) / r["seconds"], 1) if r["seconds"] else None,
                    "Meldung": r.get("message") or "",
                }
                for r in runs
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader("Fehler")
    # Pictures, media and programs hold no text: listed apart, so that the list above them
    # holds only what an admin can act on.
    expected = [e for e in errors if e["kind"] in EXPECTED_KINDS]
    actionable = [e for e in errors if e["kind"] not in EXPECTED_KINDS]
    kinds = sorted({e["kind"] for e in actionable})
    chosen = st.multiselect("Art", kinds, format_func=_kind_label, key="admin_error_kinds")
    text = st.text_input("Pfad enthält", key="admin_error_path")
    shown = [e for e in actionable if (not chosen or e["kind"] in chosen) and text.lower() in e["path"].lower()]
    st.dataframe(_error_table(shown), hide_index=True, width="stretch")
    if expected:
        with st.expander(f"Kein Text erwartet ({len(expected)} Dateien: Bilder, Audio, Video, Programme …)"):
            st.caption("Diese Dateien bleiben über ihren Namen auffindbar; ein Fehler ist das nicht.")
            st.dataframe(_error_table(expected), hide_index=True, width="stretch")


def _kind_label(kind: str) -> str:
    return ERROR_KINDS.get(kind, kind)


def _error_table(errors: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Art": _kind_label(e["kind"]),
                "Quelle": e["source"],
                "Pfad": e["path"],
                "Meldung": e["message"],
                "Zeit": _when(e["at"]),
            }
            for e in errors
        ]
    )
