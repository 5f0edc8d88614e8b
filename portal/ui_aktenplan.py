"""The page "Aktenplan-Pflege" for admins and the AG DMS: the audit of the current plan
(`services.aktenplan_audit`) with the folds it proposes, each applied or undone only after
a confirmation. Codes, titles and paths come from files and go through `markdown_text`
wherever Streamlit renders Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.aktenplan_audit import Audit
from aktenlotse.services.aktenplan_audit_data import audit_for
from aktenlotse.services.aktenplan_fold import FoldError, apply_fold, last_open_fold, undo_last_fold
from aktenlotse.services.review import can_review
from aktenlotse.text.sizes import decisions, human_size

_PENDING = "aplan_pending"  # the fold or undo waiting for its confirmation
_DONE = "aplan_done"  # the message of the last one carried out (shown after the rerun)


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The audit, the fold proposals and the undo of the newest fold."""
    st.title("Aktenplan-Pflege")
    if not can_review(user.roles):
        st.error("Diese Seite ist der AG DMS und den Administratoren vorbehalten.")
        return
    if _DONE in st.session_state:
        st.success(md.text(st.session_state.pop(_DONE)))
    _confirmation(ctx, user)
    audit = audit_for(ctx.config, ctx.backend, user.roles)
    if audit is None:
        st.info("Noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI).")
        return
    cols = st.columns(4)
    cols[0].metric("Klassen", len(audit.classes))
    cols[1].metric("Tiefer als Ebene 3", len(audit.deep))
    cols[2].metric("Leer", len(audit.empty))
    cols[3].metric("Überfüllt", len(audit.overfull))
    _undo(ctx)
    _deep(audit)
    _merge(audit)
    _classes(audit)
    _care_lists(audit)


def _confirmation(ctx: PortalContext, user: UserInfo) -> None:
    pending = st.session_state.get(_PENDING)
    if pending is None:
        return
    action, code, into, target = pending
    if action == "fold":
        st.warning(
            md.text(
                f"{code} (mit den Klassen darunter) in {target} einfalten? Es entsteht eine neue Aktenplan-Version."
            )
        )
    else:
        st.warning("Die letzte Faltung rückgängig machen? Aktenplan und Entscheidungen werden wie zuvor.")
    yes, no = st.columns(2)
    if yes.button("Ja, ausführen", key="aplan_confirm", type="primary"):
        del st.session_state[_PENDING]
        try:
            if action == "fold":
                fold = apply_fold(ctx.config.data_dir, code, into, reviewer=user.username, roles=user.roles)
                done = f"{', '.join(fold.codes)} in {fold.target} eingefaltet, {decisions(fold.moved)} verschoben."
            else:
                fold = undo_last_fold(ctx.config.data_dir, reviewer=user.username, roles=user.roles)
                done = f"Faltung {', '.join(fold.codes)} → {fold.target} rückgängig gemacht."
        except FoldError as exc:
            st.error(md.text(exc.message))
            return
        st.session_state[_DONE] = done
        st.rerun()
    if no.button("Abbrechen", key="aplan_cancel"):
        del st.session_state[_PENDING]
        st.rerun()


def _ask(action: str, code: str = "", into: str | None = None, target: str = "") -> None:
    st.session_state[_PENDING] = (action, code, into, target)
    st.rerun()


def _undo(ctx: PortalContext) -> None:
    last = last_open_fold(ctx.config.data_dir)
    if last is None:
        return
    st.caption(
        md.text(
            f"Letzte Faltung: {', '.join(last.codes)} → {last.target} von {last.reviewer} "
            f"({decisions(last.moved)}, Version {last.from_version} → {last.to_version})"
        )
    )
    if st.button("Letzte Faltung rückgängig machen", key="aplan_undo"):
        _ask("undo")


def _deep(audit: Audit) -> None:
    st.subheader("Tiefer als Ebene 3")
    if not audit.deep:
        st.caption("Keine Klassen tiefer als Ebene 3.")
    for d in audit.deep:
        with st.container(border=True):
            st.markdown(
                md.text(
                    f"{d.code} {d.title} (Ebene {d.level}) → {d.target}: {d.decided} entschiedene Dokumente "
                    f"würden umziehen, {d.suggested} vorgeschlagen"
                )
            )
            if d.documents:
                with st.expander("Dokumente, die umziehen"):
                    st.text("\n".join(d.documents) + (" …" if d.decided > len(d.documents) else ""))
            if st.button(f"In {md.text(d.target)} einfalten", key=f"aplan_fold_{d.code}"):
                _ask("fold", d.code, None, d.target)


def _merge(audit: Audit) -> None:
    st.subheader("Klasse zusammenlegen")
    pairs = ", ".join(f"{p.first} ↔ {p.second} ({p.count}-mal)" for p in audit.confusions)
    st.caption(md.text(f"Oft verwechselt ({audit.confusion_source}): {pairs or 'keine'}"))
    learned = ", ".join(f"{p.first} ↔ {p.second} ({p.count}-mal)" for p in audit.model_confusions)
    st.caption(md.text(f"Vom Modell verwechselt ({audit.model_confusion_source}): {learned or 'keine'}"))
    codes = [c.code for c in audit.classes]
    labels = {c.code: f"{c.code} {c.title}" for c in audit.classes}

    def label(code: str) -> str:
        return labels.get(code, code)

    left, right = st.columns(2)
    code: str | None = left.selectbox("Klasse", codes, format_func=label, key="aplan_merge_code")
    into: str | None = right.selectbox("in Zielklasse", codes, format_func=label, key="aplan_merge_into")
    if st.button("Zusammenlegen", key="aplan_merge") and code:
        if code == into:  # said at once, not only after the confirmation
            st.error("Bitte eine andere Zielklasse wählen.")
        else:
            _ask("fold", code, into, into or "")


def _classes(audit: Audit) -> None:
    st.subheader("Klassen")
    rows = [
        (
            "  " * (c.level - 1) + c.code,
            c.title,
            c.decided,
            c.decided_folders,
            human_size(c.decided_bytes),
            c.suggested,
            human_size(c.suggested_bytes),
        )
        for c in audit.classes
    ]
    columns = ["Kennziffer", "Bezeichnung", "entschieden", "Ordner", "Volumen", "vorgeschlagen", "Volumen (Vorschlag)"]
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch")


def _care_lists(audit: Audit) -> None:
    st.subheader("Überfüllte Klassen (Kandidaten zum Teilen)")
    if not audit.overfull:
        st.caption("Keine Klasse ist weit voller als die übrigen.")
    for o in audit.overfull:
        topics = "; ".join(f"{', '.join(t.keywords)} ({t.documents})" for t in o.topics) or "keine Unterthemen"
        st.markdown(md.text(f"{o.code} {o.title}: {o.documents} Dokumente ({o.share:.0%}); Unterthemen: {topics}"))
    st.subheader("Leere Klassen")
    st.caption(md.text(", ".join(audit.empty)) if audit.empty else "Keine leeren Klassen.")
    if audit.unknown_codes:
        st.warning(
            md.text(
                "Entscheidungen für Klassen, die der Aktenplan nicht mehr hat: "
                + ", ".join(f"{code} ({n})" for code, n in audit.unknown_codes.items())
            )
        )
