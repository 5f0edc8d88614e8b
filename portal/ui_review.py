"""The page "Aktenplan-Prüfung" (AG DMS and admin): folders with their documents, the
suggestions with reasons and scores, decisions, progress, retraining, the export."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from aktenlotse.identity.directory import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.services.review import (
    DECISIONS,
    ReviewError,
    ReviewFolder,
    ReviewStore,
    can_review,
    folders,
    items_below,
    progress,
)
from aktenlotse.stores.statedb import StateDB


def render(ctx: PortalContext, user: UserInfo) -> None:
    st.title("Aktenplan-Prüfung")
    if not can_review(user.roles):
        st.error("Diese Seite ist der AG DMS und den Administratoren vorbehalten.")
        return
    from aktenlotse.stores.aktenplan_store import load_current_plan

    plan = load_current_plan(ctx.config.data_dir)
    if plan is None:
        st.warning("Es ist noch kein Aktenplan importiert: aktenlotse aktenplan import DATEI")
        return
    if not ctx.config.state_db.exists():
        st.info("Noch kein Crawl gelaufen.")
        return
    state = StateDB(ctx.config.state_db)
    store = ReviewStore(ctx.config.data_dir)
    try:
        _page(ctx, user, plan, state, store)
    finally:
        store.close()
        state.close()


def _page(ctx, user, plan, state, store) -> None:
    done = st.session_state.pop(DONE_MESSAGE, None)
    if done:
        st.success(done)
    figures = progress(state, store)
    cols = st.columns(4)
    cols[0].metric("Dokumente entschieden", f"{figures['documents_decided']} / {figures['documents']}")
    cols[1].metric("Ordner vollständig", f"{figures['folders_decided']} / {figures['folders']}")
    model = store.latest_model()
    if model and model["heldout_top1"] is not None:
        cols[2].metric(
            "Modell: Treffer auf zurückgehaltenen Entscheidungen",
            f"{model['heldout_top1']:.0%} (Top 3: {model['heldout_top3']:.0%})",
            help=f"Gelernt aus {model['n_decisions']} Entscheidungen, geprüft an {model['n_heldout']}.",
        )
    if cols[3].button("Modell neu lernen"):
        _retrain(ctx, user)
    stale = store.stale_decisions(plan.classes)
    if stale:
        st.warning(
            f"{len(stale)} Entscheidungen nennen Klassen, die es im aktuellen Aktenplan nicht mehr gibt "
            "(z. B. " + md.text(", ".join(sorted({d.code for d in stale})[:5])) + "). Bitte neu entscheiden."
        )

    all_folders = folders(state)
    sources = sorted({f.source for f in all_folders})
    left, middle, right = st.columns(3)
    source = left.selectbox("Ablage", sources, key="review_source")
    folder_filter = middle.text_input("Ordner enthält", key="review_folder_filter")
    min_confidence = right.slider("Sicherheit mindestens", 0.0, 1.0, 0.0, 0.05, key="review_confidence")
    candidates = {f.path: f for f in all_folders if f.source == source and folder_filter.lower() in f.path.lower()}
    if not candidates:
        st.info("Keine Ordner für diese Auswahl.")
        return
    folder = st.selectbox(
        "Ordner", list(candidates), key="review_folder", format_func=lambda f: _folder_label(candidates[f])
    )
    recursive = st.checkbox("mit Unterordnern", key="review_recursive")
    items = items_below(state, ctx.backend, store, source, folder, recursive=recursive, roles=user.roles)
    shown = [i for i in items if not i.suggestions or i.suggestions[0].get("score", 0) >= min_confidence]
    class_filter = st.text_input("Vorgeschlagene Klasse (Kennziffer beginnt mit)", key="review_class")
    if class_filter:
        shown = [i for i in shown if i.suggestions and str(i.suggestions[0].get("code", "")).startswith(class_filter)]

    from aktenlotse.enrich.suggest import Suggester, Suggestion, suggest_folder

    suggester = Suggester(plan)
    folder_suggestions = suggest_folder(
        suggester,
        folder.rsplit("/", 1)[-1],
        [
            [
                Suggestion(s["code"], s.get("title", ""), float(s.get("score", 0)), list(s.get("reasons", [])))
                for s in i.suggestions
                if s.get("code") in plan.classes
            ]
            for i in items
        ],
    )
    if folder_suggestions:
        best = folder_suggestions[0]
        st.info(
            f"Vorschlag für den Ordner: **{md.text(best.code)} {md.text(best.title)}** ({best.score:.0%}) – "
            + md.text("; ".join(best.reasons))
        )

    table = [
        {
            "Datei": i.ref.path.rsplit("/", 1)[-1],
            "Titel": i.title,
            "Vorschlag": f"{i.suggestions[0]['code']} {i.suggestions[0].get('title', '')}" if i.suggestions else "",
            "Sicherheit": round(float(i.suggestions[0].get("score", 0)), 2) if i.suggestions else None,
            "Gründe": "; ".join(i.suggestions[0].get("reasons", [])) if i.suggestions else "",
            "Entscheidung": (
                " ".join(filter(None, (i.decision.label, i.decision.code))) + f" ({i.decision.reviewer})"
                if i.decision
                else "offen"
            ),
        }
        for i in shown
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    _decide_form(ctx, user, plan, store, shown)
    _exports(ctx, user)


def _folder_label(folder: ReviewFolder) -> str:
    name = folder.path or "(Wurzel)"
    if folder.files_below == folder.own_files:
        return f"{name} ({folder.own_files} Dateien)"
    return f"{name} ({folder.own_files} Dateien, mit Unterordnern {folder.files_below})"


# The form's widgets: emptied after a saved decision, so the next one starts from nothing.
FORM_KEYS = ("review_chosen", "review_action", "review_code", "review_comment")
RESET_FLAG = "review_form_reset"
DONE_MESSAGE = "review_done_message"


def _decide_form(ctx, user, plan, store, shown) -> None:
    options = {i.id: i for i in shown}
    codes = sorted(plan.classes)
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
        )
        action = st.radio(
            "Entscheidung", list(DECISIONS), format_func=DECISIONS.get, horizontal=True, key="review_action"
        )
        # No preselected class: a reassignment without a chosen class is refused, never class 0.
        code = st.selectbox(
            "Andere Klasse (Suche mit Tippen)",
            codes,
            index=None,
            key="review_code",
            placeholder="Klasse wählen …",
            format_func=lambda c: f"{c} {plan.classes[c].title}",
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
        if action == "accept":
            count = 0
            for item in targets:
                if not item.suggestions:
                    continue
                count += store.decide(
                    [item.ref],
                    decision="accept",
                    code=item.suggestions[0]["code"],
                    reviewer=user.username,
                    roles=user.roles,
                    comment=comment,
                    known_codes=plan.classes,
                )
        else:
            count = store.decide(
                [i.ref for i in targets],
                decision=action,
                code=code,
                reviewer=user.username,
                roles=user.roles,
                comment=comment,
                known_codes=plan.classes,
            )
    except ReviewError as error:
        st.error(error.message)
        return
    # Rerun so that counter, table and form show the state after this decision, not before.
    st.session_state[DONE_MESSAGE] = f"{count} Dokumente entschieden."
    st.session_state[RESET_FLAG] = True
    st.rerun()


def _retrain(ctx, user) -> None:
    from aktenlotse.services.review_training import train_from_decisions

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


def _exports(ctx, user: UserInfo) -> None:
    from aktenlotse.services.migration_export import export_migration_list

    st.subheader("Migrationsliste")
    left, right = st.columns(2)
    for column, fmt in ((left, "xlsx"), (right, "csv")):
        if column.button(f"Als {fmt.upper()} erstellen", key=f"export_{fmt}"):
            target = Path(tempfile.mkdtemp(prefix="aktenlotse-export-")) / f"migrationsliste.{fmt}"
            rows = export_migration_list(ctx.config, target, fmt, roles=user.roles)
            column.download_button(
                f"⬇ migrationsliste.{fmt} ({rows} Zeilen)",
                target.read_bytes(),
                file_name=target.name,
                key=f"export_dl_{fmt}",
            )
    _xdomea_export(ctx)


def _xdomea_export(ctx) -> None:
    from aktenlotse.xdomea.schema import SchemaError
    from aktenlotse.xdomea.service import HandoverError, export_handover

    with_files = st.checkbox("mit den Dateien", key="xdomea_with_files")
    if st.button("Übergabe an das DMS (xdomea 0401) erstellen", key="export_xdomea"):
        try:
            report = export_handover(
                ctx.config, Path(tempfile.mkdtemp(prefix="aktenlotse-xdomea-")), with_files=with_files
            )
        except (HandoverError, SchemaError) as error:
            st.error(error.message)
            return
        st.success(report.summary())
        with open(report.zip_path, "rb") as stream:
            st.download_button(
                f"⬇ {report.zip_path.name}", stream, file_name=report.zip_path.name, key="export_dl_xdomea"
            )
