"""The page "Berechtigungsbericht" for admins and the AG DMS: who may read each folder, as
`aktenlotse report permissions` writes it; the page lays out `services.permissions_report`
and offers the Excel workbook. Paths and names are user-controlled and go through
`markdown_text` wherever Streamlit renders Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.access_explain import AccessQueryError
from aktenlotse.services.permissions_report import DEFAULT_DEPTH, PermissionsReport, report_for
from aktenlotse.services.permissions_xlsx import xlsx_bytes

_INHERITS = {True: "ja", False: "unterbrochen", None: "–"}


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The form and, after "Bericht erstellen", the folders and the download."""
    st.title("Berechtigungsbericht")
    st.caption(
        "Wer welche Ordner lesen darf, vom Dateiserver gelesen (Freigabe, Ordner auf dem Weg, eigene "
        "Berechtigungen). Der Bericht nennt, wer was lesen darf: nur für Administration und AG DMS."
    )
    names = [s.name for s in ctx.config.sources]
    with st.form("permissions_report"):
        chosen = st.multiselect("Quellen", names, default=names, key="perm_sources", placeholder="Quellen wählen")
        depth = st.number_input("Ordnertiefe", min_value=0, max_value=10, value=DEFAULT_DEPTH, key="perm_depth")
        submitted = st.form_submit_button("Bericht erstellen", key="perm_submit")
    if not submitted:
        return
    try:
        with st.spinner("Berechtigungen werden vom Dateiserver gelesen …"):
            report = report_for(ctx.config, ctx.directory, user.roles, int(depth), chosen)
    except AccessQueryError as exc:
        st.error(md.text(exc.message))
        return
    _show(report)


def _show(report: PermissionsReport) -> None:
    open_count = sum(1 for f in report.folders if f.open_to)
    left, middle, right = st.columns(3)
    left.metric("Ordner", len(report.folders))
    middle.metric("Offen für alle", open_count)
    right.metric("Nur eine Person", sum(1 for f in report.folders if f.single_person))
    unreadable = [f for f in report.folders if f.problem]
    if unreadable:
        st.warning(f"{len(unreadable)} Ordner konnten nicht geprüft werden; sie gelten als verschlossen.")
    table = pd.DataFrame(
        [
            {
                "Pfad": f.display_path,
                "Gruppen": ", ".join(f.groups),
                "Benutzer": len(f.users),
                "Offen für": ", ".join(f.open_to),
                "Vererbung": _INHERITS[f.inherits],
                "Nur eine Person": f.single_person,
                "Hinweis": f.problem,
            }
            for f in report.folders
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    if report.groups_without_access:
        st.caption("Gruppen ohne Wirkung in diesen Ordnern: " + md.text(", ".join(report.groups_without_access)))
    st.download_button(
        "Als Excel herunterladen",
        xlsx_bytes(report),
        file_name="berechtigungsbericht.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="perm_download",
    )
