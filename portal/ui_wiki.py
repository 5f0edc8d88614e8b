"""The page "Wissen & DMS-News": read for everyone logged in, edit for Digitallotsen/admins."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.formatting import WIKI_ICON
from aktenlotse.services.wiki import CATEGORIES, MAX_IMAGE_MB, EditConflict, Revision, WikiError, can_edit
from aktenlotse.text.markdown_render import render_markdown
from aktenlotse.text.sizes import german_time

STATUS_LABELS = {"draft": "Entwurf", "published": "Veröffentlicht"}
# Session keys: the revision each open edit form started from and its last conflict (per
# page), the page to select in "Lesen" on the next run, and the message of the last save.
BASE_KEY = "wiki_base_{slug}"
CONFLICT_KEY = "wiki_conflict_{slug}"
GENERATION_KEY = "wiki_form_generation_{slug}"
SELECT_NEXT_KEY = "wiki_select_next"
NOTICE_KEY = "wiki_notice"
# How long "Gespeichert …" stays after a save: the page reruns on its own right after a
# save (the cookie hand-over, the German texts), and a notice shown for one run only was
# gone before anyone could read it.
NOTICE_SECONDS = 15.0
PAGE_PARAM = "seite"


def render_news(ctx: PortalContext, limit: int = 3) -> None:
    """The newest DMS news, for the start of the search page."""
    news = ctx.wiki.news(limit)
    if not news:
        return
    st.subheader("Neues zur DMS-Einführung")
    for page in news:
        with st.expander(f"{md.text(page.title)} · {german_time(page.at)}", icon=WIKI_ICON):
            st.markdown(render_markdown(page.body, ctx.wiki.image), unsafe_allow_html=True)


def open_page(slug: str, wiki: StreamlitPage) -> None:
    """Go to the wiki page and show the page `slug` there (a search hit's "Seite öffnen")."""
    st.session_state[SELECT_NEXT_KEY] = slug
    st.switch_page(wiki)


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The wiki page: reading for everyone, writing and versions for editors."""
    st.title("Wissen & DMS-News")
    notice = st.session_state.get(NOTICE_KEY)
    if notice and time.monotonic() - notice[1] < NOTICE_SECONDS:
        st.success(notice[0])
    else:
        st.session_state.pop(NOTICE_KEY, None)
    editor = can_edit(user.roles)
    pages = ctx.wiki.pages(include_drafts=editor)
    tabs = ["Lesen"] + (["Neue Seite"] if editor else [])
    views = st.tabs(tabs)
    with views[0]:
        _read(ctx, user, pages, editor)
    if editor:
        with views[1]:
            _edit_form(ctx, user, None)


def _read(ctx: PortalContext, user: UserInfo, pages: list[Revision], editor: bool) -> None:
    if not pages:
        st.info("Noch keine Seiten.")
        return
    chosen = st.session_state.pop(SELECT_NEXT_KEY, None)
    if chosen is None and "wiki_page" not in st.session_state:
        chosen = _linked_page(pages)
    if chosen is not None:  # a page just saved: show it (set before the widgets exist in this run)
        st.session_state["wiki_category"] = "Alle"
        st.session_state["wiki_page"] = chosen
    category = st.selectbox("Kategorie", ["Alle", *CATEGORIES], key="wiki_category")
    shown = [p for p in pages if category == "Alle" or p.category == category]
    labels = {
        p.slug: f"{p.title} ({p.category}{', ' + STATUS_LABELS[p.status] if not p.published else ''})" for p in shown
    }
    if not shown:
        st.caption("Keine Seiten in dieser Kategorie.")
        return
    slug = st.selectbox("Seite", list(labels), format_func=lambda s: labels[s], key="wiki_page")
    if slug is not None:
        st.query_params[PAGE_PARAM] = slug  # the address bar is the link to the page shown
    page = ctx.wiki.page(slug, include_drafts=editor) if slug is not None else None
    if page is None:
        st.warning("Diese Seite gibt es nicht (mehr).")
        return
    st.header(md.text(page.title))
    st.caption(
        f"{md.text(page.category)} · Version {page.revision} · {md.text(page.author)} · {german_time(page.at)}"
        + (f" · Schlagwörter: {md.text(', '.join(page.tags))}" if page.tags else "")
    )
    st.markdown(render_markdown(page.body, ctx.wiki.image), unsafe_allow_html=True)
    if editor:
        with st.expander("Bearbeiten"):
            _edit_form(ctx, user, page)
        with st.expander("Versionen"):
            _history(ctx, user, page)


def _linked_page(pages: list[Revision]) -> str | None:
    """The page a link asks for (/wissen?seite=<slug>), if this user may read it."""
    linked = st.query_params.get(PAGE_PARAM)
    if linked is None or linked in {p.slug for p in pages}:
        return linked
    st.warning("Die verlinkte Seite gibt es nicht (mehr), oder sie ist noch nicht veröffentlicht.")
    return None


def _edit_form(ctx: PortalContext, user: UserInfo, page: Revision | None) -> None:
    key = page.slug if page else "new"
    # The conflict check compares with the revision this form was filled from, which stays
    # the same over reruns: the page itself is read anew on every run and may be newer.
    base_key = BASE_KEY.format(slug=key)
    base = st.session_state.setdefault(base_key, page.revision) if page else None
    if page is not None and base != page.revision:
        st.warning(
            f"Das Formular enthält Version {base}; inzwischen gibt es Version {page.revision}. "
            "Beim Speichern wird verglichen, nichts wird überschrieben."
        )
    # The fields' widget keys carry a generation: a new one gives fresh widgets filled from
    # the page (the browser would otherwise send the old field values back).
    generation = st.session_state.get(GENERATION_KEY.format(slug=key), 0)
    fields = f"{key}_{generation}" if generation else key
    with st.form(f"wiki_edit_{key}"):
        title = st.text_input("Titel", value=page.title if page else "", key=f"wiki_title_{fields}")
        category = st.selectbox(
            "Kategorie", CATEGORIES, index=CATEGORIES.index(page.category) if page else 0, key=f"wiki_cat_{fields}"
        )
        tags = st.text_input(
            "Schlagwörter (durch Komma getrennt)", value=", ".join(page.tags) if page else "", key=f"wiki_tags_{fields}"
        )
        body = st.text_area("Text (Markdown)", value=page.body if page else "", height=300, key=f"wiki_body_{fields}")
        status = st.radio(
            "Status",
            list(STATUS_LABELS),
            format_func=STATUS_LABELS.get,
            horizontal=True,
            index=list(STATUS_LABELS).index(page.status) if page else 0,
            key=f"wiki_status_{fields}",
        )
        image = st.file_uploader(
            "Bild einfügen (PNG, JPEG, GIF, höchstens 2 MB)",
            type=["png", "jpg", "jpeg", "gif"],
            key=f"wiki_image_{fields}",
            max_upload_size=MAX_IMAGE_MB,  # Streamlit's own note then says 2 MB, as the label
        )
        submitted = st.form_submit_button("Speichern", type="primary")
    conflict_key = CONFLICT_KEY.format(slug=key)
    if not submitted:
        _show_conflict(key, st.session_state.get(conflict_key))
        return
    st.session_state.pop(conflict_key, None)
    try:
        if image is not None:
            image_id = ctx.wiki.add_image(image.name, image.getvalue(), author=user.username, roles=user.roles)
            body = f"{body}\n\n![{image.name}](wiki-image:{image_id})"
        saved = ctx.wiki.save(
            author=user.username,
            roles=user.roles,
            title=title,
            body=body,
            category=category,
            tags=tags.split(","),
            status=status,
            slug=page.slug if page else None,
            base_revision=base,
        )
    except EditConflict as conflict:
        # Kept until the next save or reload: the button below works in a later run.
        st.session_state[conflict_key] = conflict
        _show_conflict(key, conflict)
        return
    except WikiError as error:
        st.error(error.message)
        return
    _forget_form(key)
    saved_text = f"Gespeichert: {md.text(saved.title)} (Version {saved.revision})."
    st.session_state[NOTICE_KEY] = (saved_text, time.monotonic())
    st.session_state[SELECT_NEXT_KEY] = saved.slug
    st.rerun()  # "Lesen" lists and shows the saved page at once


def _show_conflict(key: str, conflict: EditConflict | None) -> None:
    """The conflict of the last save (message, diff) and a way to start from the newest version."""
    if conflict is None:
        return
    st.error(conflict.message)
    st.code(conflict.diff, language="diff")
    if st.button("Neueste Version ins Formular laden", key=f"wiki_reload_{key}"):
        _forget_form(key)
        st.rerun()


def _forget_form(key: str) -> None:
    """Drop a form's remembered revision, conflict and field values: it is filled anew from the page."""
    st.session_state.pop(BASE_KEY.format(slug=key), None)
    st.session_state.pop(CONFLICT_KEY.format(slug=key), None)
    generation = GENERATION_KEY.format(slug=key)
    st.session_state[generation] = st.session_state.get(generation, 0) + 1


def _history(ctx: PortalContext, user: UserInfo, page: Revision) -> None:
    revisions = ctx.wiki.history(page.slug)
    for revision in revisions:
        st.caption(
            f"Version {revision.revision} · {md.text(revision.author)} · {german_time(revision.at)} · "
            f"{STATUS_LABELS[revision.status]}" + (f" · {md.text(revision.comment)}" if revision.comment else "")
        )
    if len(revisions) < 2:
        return
    numbers = [r.revision for r in revisions]
    left, right = st.columns(2)
    old = left.selectbox("Vergleiche Version", numbers[1:], key=f"wiki_old_{page.slug}")
    new = right.selectbox("mit Version", numbers, key=f"wiki_new_{page.slug}")
    st.code(ctx.wiki.diff(page.slug, old, new) or "(keine Unterschiede)", language="diff")
    if st.button(f"Version {old} wiederherstellen", key=f"wiki_restore_{page.slug}"):
        try:
            restored = ctx.wiki.restore(page.slug, old, author=user.username, roles=user.roles)
        except WikiError as error:
            st.error(error.message)
        else:
            st.success(f"Version {old} wiederhergestellt als Version {restored.revision}.")
