"""Suggestions while typing in the search box ("Suchbegriff"), as a listbox under it.

Streamlit has no suggest box of its own. A component of Streamlit's components API v2
(no iframe, no extra package) attaches to the page's search field: it reports the text
typed so far (debounced), shows the suggestions Python sends back as an ARIA listbox
(arrow keys move, Enter or a click chooses, Escape closes). The round trip reruns only
this fragment, not the search page; a choice goes into the search field as if typed and
submitted, so the page runs the search as for any query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

TYPED_KEY = "suggest_box"
LISTBOX_LABEL = "Vorschläge"

_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const box = (window.__aktenlotseSuggest ||= { active: -1, wanted: false, items: [], timer: 0 });
  box.setStateValue = setStateValue;
  const input = document.querySelector('input[aria-label="' + data.field + '"]');
  if (!input) return;
  if (box.input !== input) attach(box, input, data);
  box.items = data.typed === input.value ? data.suggestions : [];
  render(box);

  function attach(box, input, data) {
    box.input = input;
    const list = document.createElement("ul");
    list.id = "aktenlotse-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", data.label);
    list.className = "aktenlotse-suggestions";
    list.hidden = true;
    const holder = input.closest('[data-testid="stTextInput"]') || input.parentElement;
    holder.style.position = "relative";
    holder.appendChild(list);
    box.list = list;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", () => {
      if (box.choosing) return;
      box.wanted = true;
      box.active = -1;
      clearTimeout(box.timer);
      box.timer = setTimeout(() => box.setStateValue("typed", input.value), 120);
    });
    input.addEventListener("blur", () => { box.wanted = false; render(box); });
    // Capture phase, before Streamlit's own handler: Enter on a chosen suggestion must not
    // also submit the half-typed text.
    window.addEventListener("keydown", (event) => {
      if (event.target !== box.input || box.list.hidden) return;
      const count = box.items.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        box.active = event.key === "ArrowDown" ? (box.active + 1) % count : (box.active - 1 + count) % count;
        render(box);
      } else if (event.key === "Enter" && box.active >= 0) {
        choose(box, box.items[box.active]);
      } else if (event.key === "Escape" || event.key === "Enter") {
        box.wanted = false;
        render(box);
        return;
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    }, true);
  }

  function choose(box, text) {
    box.wanted = false;
    box.items = [];
    render(box);
    // Into the field as if typed, then Enter as if pressed: Streamlit's own input takes the
    // text and runs the search (a value set from Python would not replace typed text).
    box.choosing = true;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(box.input, text);
    box.input.dispatchEvent(new Event("input", { bubbles: true }));
    box.choosing = false;
    const enter = { key: "Enter", code: "Enter", keyCode: 13, which: 13, bubbles: true, cancelable: true };
    box.input.dispatchEvent(new KeyboardEvent("keydown", enter));
  }

  function render(box) {
    const list = box.list;
    const open = box.wanted && box.items.length > 0 && document.activeElement === box.input;
    list.replaceChildren();
    box.items.forEach((text, index) => {
      const option = document.createElement("li");
      option.id = "aktenlotse-suggestion-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === box.active));
      option.textContent = text;
      option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(box, text); });
      list.appendChild(option);
    });
    list.hidden = !open;
    box.input.setAttribute("aria-expanded", String(open));
    if (open && box.active >= 0) box.input.setAttribute("aria-activedescendant", "aktenlotse-suggestion-" + box.active);
    else box.input.removeAttribute("aria-activedescendant");
  }
}
"""

_CSS = """
.aktenlotse-suggestions {
  position: absolute; left: 0; right: 0; top: 100%; z-index: 1000; margin: 2px 0 0; padding: 4px 0;
  list-style: none; background: var(--st-background-color, #fff); color: var(--st-text-color, #262730);
  border: 1px solid rgba(49, 51, 63, 0.3); border-radius: 0.5rem; box-shadow: 0 4px 12px rgba(0, 0, 0, 0.15);
}
.aktenlotse-suggestions li { padding: 6px 12px; cursor: pointer; }
.aktenlotse-suggestions li[aria-selected="true"], .aktenlotse-suggestions li:hover {
  background: var(--st-secondary-background-color, #f0f2f6);
}
"""

_component = st.components.v2.component("aktenlotse_suggest_box", js=_JS, css=_CSS, isolate_styles=False)


@st.fragment
def suggest_box(field_label: str, suggest: Callable[[str], Sequence[str]]) -> None:
    """Suggestions for the text field labelled `field_label`; `suggest(typed)` gives them
    (already trimmed for the user)."""
    typed = str((st.session_state.get(TYPED_KEY) or {}).get("typed") or "")
    suggestions = list(suggest(typed)) if typed.strip() else []
    _component(
        key=TYPED_KEY,
        data={"field": field_label, "label": LISTBOX_LABEL, "typed": typed, "suggestions": suggestions},
        on_typed_change=lambda: None,
    )
