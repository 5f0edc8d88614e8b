"""The page "Übersicht" (AG DMS and admin): what lies on the shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aktenlotse.identity.directory import UserInfo
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.formatting import human_size
from aktenlotse.services.overview import STALE_YEARS, build_overview
from aktenlotse.services.review import can_review
from aktenlotse.stores.statedb import StateDB


def render(ctx: PortalContext, user: UserInfo) -> None:
    st.title("Übersicht")
    if not can_review(user.roles):
        st.error("Diese Seite ist der AG DMS und den Administratoren vorbehalten.")
        return
    if not ctx.config.state_db.exists():
        st.info("Noch kein Crawl gelaufen.")
        return
    state = StateDB(ctx.config.state_db)
    try:
        view = build_overview(state, ctx.backend, roles=user.roles)
    finally:
        state.close()
    cols = st.columns(4)
    cols[0].metric("Dateien", f"{view.total:,}".replace(",", "."))
    cols[1].metric(
        "Dubletten",
        f"{view.duplicate_files} in {view.duplicate_groups} Gruppen",
        help=f"Verschwendeter Platz: {human_size(view.wasted_bytes)}",
    )
    cols[2].metric(f"Seit {STALE_YEARS}+ Jahren unverändert", f"{view.stale_files}", help=human_size(view.stale_bytes))
    cols[3].metric("Mit Aktenplan-Vorschlag", f"{view.classified} / {view.total}")

    st.subheader("Volumen nach Ablage, Dateityp und Jahr")
    left, middle, right = st.columns(3)
    left.bar_chart(pd.DataFrame(view.by_source, columns=["Ablage", "Dateien", "Bytes"]).set_index("Ablage")["Dateien"])
    middle.bar_chart(pd.DataFrame(view.by_type[:15], columns=["Typ", "Dateien", "Bytes"]).set_index("Typ")["Dateien"])
    right.bar_chart(pd.DataFrame(view.by_year, columns=["Jahr", "Dateien", "Bytes"]).set_index("Jahr")["Dateien"])

    st.subheader("Personenbezogene Daten in frei lesbaren Ordnern")
    if view.open_personal_data:
        st.dataframe(
            pd.DataFrame(
                [(s, p, ", ".join(r)) for s, p, r in view.open_personal_data], columns=["Ablage", "Pfad", "Hinweise"]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Keine gefunden (oder die Anreicherung ist ausgeschaltet).")
    st.subheader("Größte Dubletten")
    st.dataframe(
        pd.DataFrame(
            [(h[:12], n, human_size(s), human_size((n - 1) * s)) for h, n, s in view.largest_duplicates],
            columns=["Gruppe", "Kopien", "Größe", "Verschwendet"],
        ),
        hide_index=True,
    )
    st.subheader(f"Archiv-Kandidaten (seit {STALE_YEARS}+ Jahren unverändert)")
    st.dataframe(
        pd.DataFrame(view.stale_examples, columns=["Ablage", "Pfad", "Jahr"]), hide_index=True, width="stretch"
    )
