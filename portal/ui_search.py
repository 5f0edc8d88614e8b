"""The search page: one box, mode switch, facets, results with UNC path, download."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from aktenlotse.core.config import ConfigError
from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import folder_tree, ui_saved_searches
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.deep_link import SearchLink, link_from_params, params_from_link
from aktenlotse.portal.focus import focus_field
from aktenlotse.portal.formatting import MODE_LABELS, containing_folder, facet_label, german_date, type_icon
from aktenlotse.portal.search_tracking import log_search, mark_opened
from aktenlotse.portal.suggest_box import suggest_box
from aktenlotse.portal.ui_best_bets import render_best_bets
from aktenlotse.portal.ui_wiki import render_news
from aktenlotse.search.backend import BackendError, Hit, Hits
from aktenlotse.services.completions import query_completions, readable_queries
from aktenlotse.services.copies import collapse_copies, copies_of
from aktenlotse.services.documents import DownloadDenied, open_download
from aktenlotse.services.search import (
    FACETS,
    aktenplan_titles,
    default_mode,
    page_count,
    query_from_filters,
    search_as,
    similar_documents,
    spelling_variants,
    text_preview,
    without_umlauts,
)
from aktenlotse.services.wiki import WIKI_ID_PREFIX
from aktenlotse.text.sizes import human_size

FACET_LABELS = {
    "folder": "Ordner",
    "file_type": "Dateityp",
    "year": "Jahr",
    "source": "Ablage",
    "keywords": "Schlagwort",
    "aktenplan": "Aktenplan",
}
FACET_TITLES = {name: FACET_LABELS[name] for name in FACETS}
SORTS = {"Relevanz": "relevance", "Neueste zuerst": "date"}
# The URL parameters this session last wrote or read: different ones come from a link, a
# typed URL or a reload (a new session), and then the URL wins over the widgets.
LINK_KEY = "search_link_params"


def _mode_from_label(label: str) -> str:
    return next(mode for mode, text in MODE_LABELS.items() if text == label)


def _chosen_filters() -> dict[str, list[str]]:
    """The facet values picked in the sidebar (kept by Streamlit under the widget keys)."""
    return {name: list(st.session_state.get(f"facet_{name}", [])) for name in FACET_TITLES}


def _facet_widgets(ctx: PortalContext, facets: dict, chosen: dict[str, list[str]]) -> None:
    """The sidebar's facets of the current result (counts trimmed to the user): the folder
    as a tree, the others as multiselects; Aktenplan codes with their titles."""
    titles = aktenplan_titles(ctx.config, [str(v) for v, _ in facets.get("aktenplan") or []])
    with st.sidebar:
        st.subheader("Eingrenzen")
        for name, title in FACET_TITLES.items():
            values = facets.get(name) or []
            if name == "folder":
                folder_tree.render(title, values, chosen.get(name, []))
                continue
            options = list(dict.fromkeys([*chosen.get(name, []), *[str(v) for v, _ in values]]))
            if not options:
                continue
            st.multiselect(
                title,
                options,
                key=f"facet_{name}",
                format_func=_counted({str(v): c for v, c in values}, titles if name == "aktenplan" else {}),
                placeholder="Werte wählen",
            )


def _counted(counts: dict[str, int], names: dict[str, str]) -> Callable[[str], str]:
    """A facet value (by its name in `names`, if any) with its count, when the current
    result has one."""

    def label(value: str) -> str:
        shown = names.get(value, value)
        return facet_label(shown, counts[value]) if value in counts else shown

    return label


def _url_params() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _apply_link() -> None:
    """Put a search that arrived in the URL into the widgets, before they are drawn."""
    params = _url_params()
    if params == st.session_state.get(LINK_KEY):
        return
    st.session_state[LINK_KEY] = params
    link = link_from_params(params)
    st.session_state["query"] = link.text
    if link.mode is not None:
        st.session_state["mode"] = MODE_LABELS[link.mode]
    sort_label = next(label for label, key in SORTS.items() if key == link.sort)
    st.session_state["sort"] = sort_label
    for name in FACET_TITLES:
        st.session_state[f"facet_{name}"] = list(link.filters.get(name, []))
    st.session_state["page"] = link.page
    # The page number of the link holds for its own words, mode and sort.
    st.session_state["last_query"] = (link.text, st.session_state.get("mode"), sort_label)


def _write_link(link: SearchLink) -> None:
    """The URL of what the page shows now (a reload or a copied link gives the same page)."""
    params = params_from_link(link)
    if params != _url_params():
        st.query_params.from_dict(params)
    st.session_state[LINK_KEY] = params


def render(ctx: PortalContext, user: UserInfo, open_wiki_page: Callable[[str], None]) -> None:
    """The search page for the logged-in user; `open_wiki_page(slug)` shows a wiki hit."""
    st.title("Suche")
    if "mode" not in st.session_state:
        # Hybrid is the default as soon as the embedding pass has stored vectors.
        st.session_state["mode"] = MODE_LABELS[default_mode(ctx.backend)]
    _apply_link()
    text = st.text_input(
        "Suchbegriff",
        key="query",
        placeholder="z. B. Bauantrag Lindenweg, Hundesteuer, 632.10-2023/145",
        max_chars=10_000,
    )
    # Popular queries that find something this user may read, then words of documents this
    # user may read, and only those (trimmed by the backend).
    suggest_box("Suchbegriff", lambda typed: _suggestions(ctx, user, typed))
    columns = st.columns([3, 2])
    mode_label = columns[0].radio("Suchmodus", list(MODE_LABELS.values()), horizontal=True, key="mode")
    sort_label = columns[1].selectbox("Sortierung", list(SORTS), key="sort")
    filters = _chosen_filters()
    mode = _mode_from_label(mode_label)
    current = ui_saved_searches.CurrentSearch(text, mode, SORTS[sort_label], filters)
    sort_labels = {key: label for label, key in SORTS.items()}
    ui_saved_searches.render(ctx.saved_searches, user, current, sort_labels, tuple(FACET_TITLES))
    if not text.strip():
        focus_field("Suchbegriff")  # after login and on opening the page: type at once
        _write_link(SearchLink())
        st.caption(
            "Suchen Sie nach Wörtern, Aktenzeichen oder einer Frage. Sie sehen nur Dateien, die Sie öffnen dürfen."
        )
        render_news(ctx)
        return
    page = st.session_state.get("page", 0)
    if st.session_state.get("last_query") != (text, mode_label, sort_label):
        page = st.session_state["page"] = 0
        st.session_state["last_query"] = (text, mode_label, sort_label)
    _write_link(SearchLink(text, mode, SORTS[sort_label], filters, page))
    query = query_from_filters(text, mode, SORTS[sort_label], filters, page, ctx.config.portal.page_size)
    try:
        hits = collapse_copies(ctx.backend, search_as(ctx.config, ctx.backend, query, user.principals), user.principals)
    except (BackendError, ConfigError) as error:
        st.error(str(error))
        return
    log_search(ctx, text, mode, hits.total)
    _facet_widgets(ctx, hits.facets, filters)
    for notice in hits.notices:
        st.info(md.text(notice))
    if page == 0:
        render_best_bets(ctx, user, text, open_wiki_page)
    if not hits.hits:
        if any(filters.values()) and hits.total == 0:
            _no_hits_with_filters()
        else:
            _no_hits(ctx, user, text, mode_label)
        return
    st.caption(f"{hits.total} Treffer")
    for rank, hit in enumerate(hits.hits, start=query.offset + 1):
        _render_hit(ctx, user, hit, rank, open_wiki_page)
    _pager(hits, page, ctx.config.portal.page_size)


def _no_hits(ctx: PortalContext, user: UserInfo, text: str, mode_label: str) -> None:
    st.warning("Keine Treffer.")
    # Spelling variants come from words of documents this user may read, and only those.
    for variant in spelling_variants(ctx.backend, text, user.principals):
        st.button(f"Meinten Sie: {md.text(variant)}", key=f"variant_{variant}", on_click=_set_query, args=(variant,))
    tips = ["Prüfen Sie die Schreibweise oder verwenden Sie weniger Wörter."]
    folded = without_umlauts(text)
    if folded is not None:
        tips.append(f"Schreibweise ohne Umlaute: »{md.text(folded)}«.")
    other = [label for label in MODE_LABELS.values() if label != mode_label]
    tips.append(f"Versuchen Sie einen anderen Suchmodus: {', '.join(other)}.")
    st.markdown("\n".join(f"- {tip}" for tip in tips))


def _no_hits_with_filters() -> None:
    # The words found something; the chosen facet values left nothing. Spelling is not the problem.
    st.warning("Keine Treffer mit den gewählten Filtern.")
    st.button("Filter zurücksetzen", key="reset_filters", on_click=_reset_filters)


def _reset_filters() -> None:
    for name in FACET_TITLES:
        st.session_state.pop(f"facet_{name}", None)
    st.session_state["page"] = 0


def _set_query(text: str) -> None:
    st.session_state["query"] = text


def _suggestions(ctx: PortalContext, user: UserInfo, typed: str) -> list[str]:
    popular = readable_queries(ctx.backend, ctx.search_log.popular_queries(typed), user.principals)
    return query_completions(ctx.backend, typed, user.principals, extra=popular)


def _render_hit(ctx: PortalContext, user: UserInfo, hit: Hit, rank: int, open_wiki_page: Callable[[str], None]) -> None:
    with st.container(border=True):
        st.markdown(f"**{rank}. {type_icon(hit.file_type, hit.kind)} {md.text(hit.title)}**")
        st.code(hit.display_path or hit.path, language=None)
        folder = containing_folder(hit.display_path or hit.path) if hit.kind != "wiki" else ""
        if folder:  # "Ordner kopieren": people open the folder in the Explorer as often as the file
            st.caption("Ordner")
            st.code(folder, language=None)
        _copies(hit)
        meta = [
            m for m in (german_date(hit.modified), human_size(hit.size), md.text((hit.file_type or "").upper())) if m
        ]
        st.caption(" · ".join(meta))
        st.markdown(f'<div class="snippet">{md.snippet_html(hit.snippet)}</div>', unsafe_allow_html=True)
        keywords = hit.extra.get("keywords") or []
        if keywords:
            st.caption("Schlagwörter: " + ", ".join(md.text(k) for k in keywords[:8]))
        suggestions = hit.extra.get("aktenplan") or []
        if suggestions:
            best = suggestions[0]
            st.caption(f"Aktenplan-Vorschlag: {md.text(best.get('code'))} {md.text(best.get('title', ''))}")
        left, middle, right = st.columns(3)
        if hit.kind == "wiki":  # a wiki page is read in the portal, there is no file to fetch
            if left.button("Seite öffnen", key=f"open_{hit.id}"):
                mark_opened(ctx)
                open_wiki_page(hit.id.removeprefix(WIKI_ID_PREFIX))
        elif left.button("Herunterladen vorbereiten", key=f"dl_{hit.id}"):
            mark_opened(ctx)
            st.session_state["download_id"] = hit.id
        if middle.button("Textvorschau", key=f"preview_{hit.id}"):
            st.session_state["preview_id"] = None if st.session_state.get("preview_id") == hit.id else hit.id
        if right.button("Ähnliche Dokumente", key=f"sim_{hit.id}"):
            st.session_state["similar_id"] = None if st.session_state.get("similar_id") == hit.id else hit.id
        if st.session_state.get("download_id") == hit.id:
            _download(ctx, user, hit)
        if st.session_state.get("preview_id") == hit.id:
            _preview(ctx, user, hit)
        if st.session_state.get("similar_id") == hit.id:
            _similar(ctx, user, hit)


def _copies(hit: Hit) -> None:
    copies = copies_of(hit)
    if not copies:
        return
    label = "1 weitere Kopie" if len(copies) == 1 else f"{len(copies)} weitere Kopien"
    with st.expander(label):
        for path in copies:
            st.code(path, language=None)


def _preview(ctx: PortalContext, user: UserInfo, hit: Hit) -> None:
    """The start of the hit's text with the query's words marked, read as the user."""
    try:
        preview = text_preview(ctx.backend, hit.id, user.principals, st.session_state.get("query", ""))
    except BackendError as error:
        st.error(str(error))
        return
    if preview is None:
        st.warning("Diese Datei können Sie nicht (mehr) lesen.")
    elif not preview:
        st.caption("Diese Datei enthält keinen lesbaren Text.")
    else:
        # A long text scrolls inside the box instead of pushing the next hits away.
        with st.container(height=320 if len(preview) > 600 else "content", border=True, key=f"preview_{hit.id}_box"):
            st.markdown(f'<div class="preview">{md.preview_html(preview)}</div>', unsafe_allow_html=True)


def _similar(ctx: PortalContext, user: UserInfo, hit: Hit) -> None:
    try:
        similar = similar_documents(ctx.backend, hit.id, user.principals)
    except BackendError as error:
        st.error(str(error))
        return
    if not similar.hits:
        st.caption("Keine ähnlichen Dokumente gefunden.")
        return
    lines = [
        f"- {type_icon(h.file_type, h.kind)} **{md.text(h.title)}** – {md.text(h.display_path or h.path)}"
        for h in similar.hits
    ]
    st.markdown("Ähnliche Dokumente:\n" + "\n".join(lines))


def _download(ctx: PortalContext, user: UserInfo, hit: Hit) -> None:
    try:
        download = open_download(ctx.config, ctx.backend, hit.id, user.principals)
    except DownloadDenied as denied:
        st.error(denied.message)
        return
    with download.stream:
        data = download.stream.read()
    st.download_button(
        f"{md.text(download.file_name)} ({human_size(download.size)})",
        data=data,
        file_name=download.file_name,
        key=f"save_{hit.id}",
        icon=":material/download:",
    )


def _pager(hits: Hits, page: int, page_size: int) -> None:
    pages = page_count(hits.total, page_size)
    if pages == 1:
        return
    left, middle, right = st.columns([1, 2, 1])
    if left.button("← Zurück", disabled=page == 0):
        st.session_state["page"] = page - 1
        st.rerun()
    middle.caption(f"Seite {page + 1} von {pages}")
    if right.button("Weiter →", disabled=page + 1 >= pages):
        st.session_state["page"] = page + 1
        st.rerun()
