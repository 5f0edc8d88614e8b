"""The page "Aktenplan-Prüfung" (AG DMS and admin): folders with their documents, the
suggestions with reasons and scores, decisions, progress, retraining, the export."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.review import (
    DECISIONS,
    ReviewError,
    ReviewFolder,
    ReviewItem,
    can_review,
    folders,
    items_below,
    progress,
)
from aktenlotse.services.review_desk import (
    DeskUnavailable,
    ReviewDesk,
    decide_items,
    export_list,
    folder_suggestion,
    matching_folders,
    open_desk,
    shown_items,
)
from aktenlotse.services.review_training import train_from_decisions
from aktenlotse.xdomea.schema import SchemaError
from aktenlotse.xdomea.service import HandoverError, export_dms_handover


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The page, for the AG DMS and admins only."""
    st.title("Aktenplan-Prüfung")
    if not can_review(user.roles):
        st.error("Diese Seite ist der AG DMS und den Administratoren vorbehalten.")
        return
    try:
        desk = open_desk(ctx.config)
    except DeskUnavailable as missing:
        (st.warning if missing.kind == "no_plan" else st.info)(missing.message)
        return
    try:
        _page(ctx, user, desk)
    finally:
        desk.close()


def _page(ctx: PortalContext, user: UserInfo, desk: ReviewDesk) -> None:
    done = st.session_state.pop(DONE_MESSAGE, None)
    if done:
        st.success(done)
    figures = progress(desk.state, desk.store)
    cols = st.columns(4)
    cols[0].metric("Dokumente entschieden", f"{figures['documents_decided']} / {figures['documents']}")
    cols[1].metric("Ordner vollständig", f"{figures['folders_decided']} / {figures['folders']}")
    model = desk.store.latest_model()
    if model and model["heldout_top1"] is not None:
        cols[2].metric(
            "Modell: Treffer auf zurückgehaltenen Entscheidungen",
            f"{model['heldout_top1']:.0%} (Top 3: {model['heldout_top3']:.0%})",
            help=f"Gelernt aus {model['n_decisions']} Entscheidungen, geprüft an {model['n_heldout']}.",
        )
    if cols[3].button("Modell neu lernen"):
        _retrain(ctx, user)
    stale = desk.store.stale_decisions(desk.plan.classes)
    if stale:
        st.warning(
            f"{len(stale)} Entscheidungen nennen Klassen, die es im aktuellen Aktenplan nicht mehr gibt "
            "(z. B. " + md.text(", ".join(sorted({d.code or "" for d in stale})[:5])) + "). Bitte neu entscheiden."
        )

    all_folders = folders(desk.state)
    sources = sorted({f.source for f in all_folders})
    left, middle, right = st.columns(3)
    source = left.selectbox("Ablage", sources, key="review_source")
    folder_filter = middle.text_input("Ordner enthält", key="review_folder_filter")
    min_confidence = right.slider("Sicherheit mindestens", 0.0, 1.0, 0.0, 0.05, key="review_confidence")
    candidates = matching_folders(all_folders, source or "", folder_filter)
    if not candidates:
        st.info("Keine Ordner für diese Auswahl.")
        return
    folder = st.selectbox(
        "Ordner", list(candidates), key="review_folder", format_func=lambda f: _folder_label(candidates[f])
    )
    recursive = st.checkbox("mit Unterordnern", key="review_recursive")
    items = items_below(
        desk.state, ctx.backend, desk.store, source or "", folder or "", recursive=recursive, roles=user.roles
    )
    class_filter = st.text_input("Vorgeschlagene Klasse (Kennziffer beginnt mit)", key="review_class")
    shown = shown_items(items, min_confidence, class_filter)
    best = folder_suggestion(desk.plan, folder or "", items)
    if best is not None:
        st.info(
            f"Vorschlag für den Ordner: **{md.text(best.code)} {md.text(best.title)}** ({best.score:.0%}) – "
            + md.text("; ".join(best.reasons))
        )
    st.dataframe([_row(i) for i in shown], hide_index=True, width="stretch")
    _decide_form(user, desk, shown)
    _exports(ctx, user)


def _row(item: ReviewItem) -> dict[str, object]:
    best = item.suggestions[0] if item.suggestions else None
    decision = item.decision
    return {
        "Datei": item.ref.path.rsplit("/", 1)[-1],
        "Titel": item.title,
        "Vorschlag": f"{best['code']} {best.get('title', '')}" if best else "",
        "Sicherheit": round(float(best.get("score", 0)), 2) if best else None,
        "Gründe": "; ".join(best.get("reasons", [])) if best else "",
        "Entscheidung": (
            " ".join(filter(None, (decision.label, decision.code))) + f" ({decision.reviewer})" if decision else "offen"
        ),
    }


def _folder_label(folder: ReviewFolder) -> str:
    name = folder.path or "(Wurzel)"
    if folder.files_below == folder.own_files:
        return f"{name} ({folder.own_files} Dateien)"
    return f"{name} ({folder.own_files} Dateien, mit Unterordnern {folder.files_below})"


# The form's widgets: emptied after a saved decision, so the next one starts from nothing.
FORM_KEYS = ("review_chosen", "review_action", "review_code", "review_comment")
RESET_FLAG = "review_form_reset"
DONE_MESSAGE = "review_done_message"


def _decide_form(user: UserInfo, desk: ReviewDesk, shown: Sequence[ReviewItem]) -> None:
    options = {i.id: i for i in shown}
    classes = desk.plan.classes
    if st.session_state.pop(RESET_FLAG, False):
        # Widget values can only be dropped before the widgets exist in this run.
        for key in FORM_KEYS:
            st.session_state.pop(key, None)
    with st.form("review_decide"):
        chosen = st.multiselect(
            "Dokumente (leer = alle angezeigten)",
            list(options),
            key="review_chosen",
            format_func=lambda i: options[i].ref.path if i in options else i,
            placeholder="alle angezeigten",
        )
        action = st.radio(
            "Entscheidung",
            list(DECISIONS),
            format_func=lambda d: DECISIONS.get(d, d),
            horizontal=True,
            key="review_action",
        )
        # No preselected class: a reassignment without a chosen class is refused, never class 0.
        code = st.selectbox(
            "Andere Klasse (Suche mit Tippen)",
            sorted(classes),
            index=None,
            key="review_code",
            placeholder="Klasse wählen …",
            format_func=lambda c: f"{c} {classes[c].title}",
        )
        comment = st.text_input("Kommentar (z. B. Dublette, veraltet, archivieren)", key="review_comment")
        submitted = st.form_submit_button("Entscheiden", type="primary")
    if not submitted:
        return
    targets = [options[i] for i in chosen if i in options] or list(options.values())
    if not targets:
        st.error("Keine Dokumente angezeigt: bitte einen Ordner mit Dateien wählen oder „mit Unterordnern“ ankreuzen.")
        return
    try:
        count = decide_items(desk, targets, action or "", code, user, comment)
    except ReviewError as error:
        st.error(error.message)
        return
    # Rerun so that counter, table and form show the state after this decision, not before.
    st.session_state[DONE_MESSAGE] = f"{count} Dokumente entschieden."
    st.session_state[RESET_FLAG] = True
    st.rerun()


def _retrain(ctx: PortalContext, user: UserInfo) -> None:
    try:
        with st.spinner("Lerne aus den Entscheidungen …"):
            report = train_from_decisions(ctx.config, ctx.backend, user.username, user.roles)
    except ReviewError as error:
        st.error(error.message)
        return
    if report.heldout_top1 is None:
        st.success(f"Gelernt aus {report.n_decisions} Entscheidungen (zu wenige zurückgehaltene zum Messen).")
    else:
        st.success(
            f"Gelernt aus {report.n_decisions} Entscheidungen; auf {report.n_heldout} zurückgehaltenen "
            f"richtig: {report.heldout_top1:.0%} (Top 3: {report.heldout_top3:.0%})."
        )


def _exports(ctx: PortalContext, user: UserInfo) -> None:
    st.subheader("Migrationsliste")
    left, right = st.columns(2)
    for column, fmt in ((left, "xlsx"), (right, "csv")):
        if column.button(f"Als {fmt.upper()} erstellen", key=f"export_{fmt}"):
            target, rows = export_list(ctx.config, fmt, user.roles)
            column.download_button(
                f"migrationsliste.{fmt} ({rows} Zeilen)",
                target.read_bytes(),
                file_name=target.name,
                key=f"export_dl_{fmt}",
                icon=":material/download:",
            )
    _xdomea_export(ctx)


def _xdomea_export(ctx: PortalContext) -> None:
    with_files = st.checkbox("mit den Dateien", key="xdomea_with_files")
    if st.button("Übergabe an das DMS (xdomea 0401) erstellen", key="export_xdomea"):
        try:
            report = export_dms_handover(ctx.config, with_files)
        except (HandoverError, SchemaError) as error:
            st.error(error.message)
            return
        st.success(report.summary())
        with open(report.zip_path, "rb") as stream:
            st.download_button(
                report.zip_path.name,
                stream,
                file_name=report.zip_path.name,
                key="export_dl_xdomea",
                icon=":material/download:",
            )
