"""The form "Zugriff prüfen" on the admin page: why a user may or may not read a path.

The explanation comes from `aktenlotse.services.access_explain`, as for `aktenlotse access
explain`; this module only lays it out. Names, paths and ACL lines are user-controlled
and go through `markdown_text` wherever Streamlit renders Markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.access_explain import AccessQueryError, Explanation, explain, step_label


def render_access_check(ctx: PortalContext) -> None:
    """Call only for admins (the caller checks the role)."""
    st.subheader("Zugriff prüfen")
    with st.form("access_check"):
        username = st.text_input("Benutzername", key="access_user")
        path = st.text_input("Pfad (wie angezeigt, lokaler Pfad oder QUELLE:Pfad)", key="access_path")
        submitted = st.form_submit_button("Prüfen", key="access_submit")
    if not submitted:
        return
    try:
        explanation = explain(ctx.config, ctx.directory, username, path)
    except AccessQueryError as exc:
        st.error(md.text(exc.message))
        return
    _show(explanation)


def _show(explanation: Explanation) -> None:
    decision = explanation.decision
    if decision.allowed:
        st.success(md.text(decision.reason))
    else:
        st.error(md.text("Lesen verweigert – " + decision.reason))
    st.markdown(f"**Benutzer:** {md.text(explanation.username)} ({md.text(explanation.display_name)})")
    st.markdown(f"**Pfad:** {md.text(explanation.target.display_path)}")
    st.markdown("**Prinzipale laut Verzeichnis:** " + md.text(", ".join(explanation.principals)))
    # A data frame shows its cells as plain text: no Markdown to escape there.
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Nr.": number,
                    "Prüfung": step_label(step.check),
                    "Ergebnis": "bestanden" if step.passed else "nicht bestanden",
                    "Über": ", ".join(step.matched),
                    "Einträge": "\n".join(step.check.entries),
                }
                for number, step in enumerate(explanation.steps, 1)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if explanation.deciding_entries:
        st.markdown("**Maßgeblich:**")
        for line in explanation.deciding_entries:
            st.markdown("- " + md.text(line))
