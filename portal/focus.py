"""Putting the cursor into a text field when a page opens (Streamlit has no autofocus)."""

from __future__ import annotations

import json

import streamlit as st

# Streamlit may draw the field a moment after the script runs: try for up to two seconds.
_SCRIPT = """<script>
(() => {
  const selector = 'input[aria-label=' + JSON.stringify(__LABEL__) + ']';
  let tries = 40;
  const focus = () => {
    const field = document.querySelector(selector);
    if (field) {
      const active = document.activeElement;
      if (!active || !active.matches("input, textarea, select, [contenteditable]")) field.focus();
      return;
    }
    if (--tries > 0) setTimeout(focus, 50);
  };
  focus();
})();
</script>"""


def focus_script(label: str) -> str:
    """The `<script>` that focuses the text field labelled `label`, unless the user is
    already typing in another field."""
    return _SCRIPT.replace("__LABEL__", json.dumps(label))


def focus_field(label: str) -> None:
    """Focus the text field `label` when this element first appears in the page."""
    st.html(focus_script(label), unsafe_allow_javascript=True)
