"""The folder facet of the search page as a tree: a breadcrumb up, the subfolders down.

The chosen folder lives in `st.session_state["facet_folder"]` as a list of at most one
path, like the other facets' values (the URL and "Filter zurücksetzen" treat them alike);
the search narrows to that folder and everything below it. The counts come from the
backend (`search.folder_facet`), one level below the chosen folder.
"""

from __future__ import annotations

import streamlit as st

from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.formatting import facet_label
from aktenlotse.search.folder_facet import breadcrumb

STATE_KEY = "facet_folder"
ALL_FOLDERS = "Alle Ordner"
SEPARATOR = "›"


def chosen_folder(chosen: list[str]) -> str | None:
    """The folder the search is narrowed to: one chosen path (a link naming several
    narrows to none, as the search does)."""
    return (chosen[0].strip("/") or None) if len(chosen) == 1 else None


def _choose(folder: str | None) -> None:
    st.session_state[STATE_KEY] = [folder] if folder else []
    st.session_state["page"] = 0


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def render(title: str, children: list[tuple[str, int]], chosen: list[str]) -> None:
    """The tree facet in the sidebar: `children` are the backend's folder facet (full
    paths below the chosen folder, with counts)."""
    folder = chosen_folder(chosen)
    if folder is None and not children:
        return
    st.markdown(f"**{md.text(title)}**")
    if folder is not None:
        with st.container(horizontal=True, gap="small", vertical_alignment="center", key="folder_breadcrumb"):
            st.button(ALL_FOLDERS, key="folder_up_all", type="tertiary", on_click=_choose, args=(None,))
            trail = breadcrumb(folder)
            for step in trail[:-1]:
                st.markdown(SEPARATOR)
                st.button(_name(step), key=f"folder_up_{step}", type="tertiary", on_click=_choose, args=(step,))
            st.markdown(SEPARATOR)
            st.markdown(f"**{md.text(_name(trail[-1]))}**")
    for path, count in children:
        st.button(
            md.text(facet_label(_name(path), count)),
            key=f"folder_child_{path}",
            help=md.text(path),
            icon=":material/folder:",
            on_click=_choose,
            args=(path,),
        )
