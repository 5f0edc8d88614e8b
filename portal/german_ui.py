"""Streamlit's own texts in German, and `<html lang="de">`.

Streamlit has no translations: its frontend writes English labels ("Choose options",
"No results", "Skip to main content", "Press Enter to apply" …) and serves an index.html
with `lang="en"`. Where a widget takes the text as an argument (placeholders, the upload
limit) the pages pass it; everything else is translated in the browser.

Why a script in the page and not a patched index.html: Streamlit serves index.html from
its installed package and offers no setting to serve another one, so patching it would mean
writing into site-packages (lost with every update, shared by every app on the machine) or
replacing Streamlit internals. `st.html(..., unsafe_allow_javascript=True)` is public API;
the script it runs sets the document's language and translates known texts through a
MutationObserver, which also catches texts React draws later (dropdowns, tooltips, the
"Running…" indicator). It is installed once per browser tab (a guard makes later runs
of the page a no-op). Only texts from the table below are touched, and never inside the
pages' own content (Markdown, captions, code): a file called "Search" keeps its name.
"""

from __future__ import annotations

import json
import re

import streamlit as st

# Streamlit's labels (text, tooltips, aria-labels, placeholders) → German. Exact texts.
TEXTS: dict[str, str] = {
    "Choose options": "Bitte wählen",
    "Choose an option": "Bitte wählen",
    "Select all": "Alle auswählen",
    "Clear all": "Alle entfernen",
    "No results": "Keine Treffer",
    "No options to select": "Keine Auswahl möglich",
    "No options": "Keine Auswahl",
    "Remove": "Entfernen",
    "Delete": "Löschen",
    "Clear value": "Auswahl entfernen",
    "Clear entry": "Eingabe löschen",
    "Open": "Öffnen",
    "Close": "Schließen",
    "Copy to clipboard": "In die Zwischenablage kopieren",
    "Copied": "Kopiert",
    "Upload": "Hochladen",
    "Browse files": "Datei auswählen",
    "Add files": "Dateien hinzufügen",
    "Drag and drop file here": "Datei hierher ziehen",
    "Drag and drop a file here": "Datei hierher ziehen",
    "Drag and drop files here": "Dateien hierher ziehen",
    "Error uploading file": "Fehler beim Hochladen der Datei",
    "Skip to main content": "Zum Hauptinhalt springen",
    "Running...": "Läuft …",
    "Stop": "Anhalten",
    "Please wait...": "Bitte warten …",
    "Connecting": "Verbindung wird aufgebaut",
    "Page not found": "Seite nicht gefunden",
    "Press Enter to apply": "Eingabetaste zum Übernehmen",
    "Press Enter to submit form": "Eingabetaste zum Absenden",
    "Press Ctrl+Enter to apply": "Strg+Eingabetaste zum Übernehmen",
    "Press Ctrl+Enter to submit form": "Strg+Eingabetaste zum Absenden",
    "Press ⌘+Enter to apply": "⌘+Eingabetaste zum Übernehmen",
    "Press ⌘+Enter to submit form": "⌘+Eingabetaste zum Absenden",
    "Show password": "Passwort anzeigen",
    "Hide password": "Passwort verbergen",
    "Increment": "Erhöhen",
    "Decrement": "Verringern",
    "Number is above the allowed range.": "Die Zahl ist größer als erlaubt.",
    "Number is below the allowed range.": "Die Zahl ist kleiner als erlaubt.",
    "Collapse sidebar": "Seitenleiste einklappen",
    "Expand sidebar": "Seitenleiste ausklappen",
    "Main menu": "Hauptmenü",
    "Sidebar": "Seitenleiste",
    "App pages": "Seiten",
    "Show suggestions": "Vorschläge anzeigen",
    "Suggestions": "Vorschläge",
    "View less": "Weniger anzeigen",
    "Scroll tabs left": "Reiter nach links blättern",
    "Scroll tabs right": "Reiter nach rechts blättern",
    "Fullscreen": "Vollbild",
    "Close fullscreen": "Vollbild beenden",
    "Download as CSV": "Als CSV herunterladen",
    "Search": "Suchen",
    "Close Search": "Suche schließen",
    "Type to search": "Zum Suchen tippen",
    "Next Result": "Nächster Treffer",
    "Previous Result": "Voriger Treffer",
    "Clear selection": "Auswahl aufheben",
    "Sort ascending": "Aufsteigend sortieren",
    "Sort descending": "Absteigend sortieren",
    "Hide column": "Spalte ausblenden",
    "Pin column": "Spalte anheften",
    "Unpin column": "Spalte lösen",
    "Autosize": "Breite anpassen",
    "Copy column name": "Spaltennamen kopieren",
    "Loading...": "Wird geladen …",
}
# Texts with a number or size in them: (JavaScript regular expression, replacement).
PATTERNS: list[tuple[str, str]] = [
    (r"^(\d+(?:\.\d+)?)\s?([KMGT]?B) per file$", "höchstens $1 $2 je Datei"),
    (r"^Limit (\d+(?:\.\d+)?)\s?([KMGT]?B) per file$", "höchstens $1 $2 je Datei"),
    (r"^View (\d+) more$", "$1 weitere anzeigen"),
    # A page the user may not open (or that does not exist) is not in the navigation, so
    # Streamlit answers a link to it with its own notice and runs the start page.
    (
        r"^You have requested page (.+), but no corresponding file was found in the app's pages/ directory\."
        r" Running the app's main page\.$",
        "Die Seite $1 gibt es nicht, oder sie ist für Sie nicht freigegeben. Sie sehen die Startseite.",
    ),
    (
        r"^The page that you have requested does not seem to exist\. Running the app's main page\.$",
        "Die angeforderte Seite gibt es nicht, oder sie ist für Sie nicht freigegeben. Sie sehen die Startseite.",
    ),
    # What the select boxes announce to screen readers.
    (r"^1 option available\.$", "1 Option verfügbar."),
    (r"^(\d+) options available\.$", "$1 Optionen verfügbar."),
    (r"^(.+), selected$", "$1, ausgewählt"),
    (r"^Help for (.+)$", "Hilfe zu $1"),
    # The descriptions Vega writes for screen readers on each chart axis.
    (
        r"^([XY])-axis titled '(.*)' for a discrete scale with (\d+) values: (.*), ending with (.*)$",
        "$1-Achse »$2«, $3 Werte: $4 bis $5",
    ),
    (r"^([XY])-axis titled '(.*)' for a discrete scale with 1 value: (.*)$", "$1-Achse »$2«, 1 Wert: $3"),
    (r"^([XY])-axis titled '(.*)' for a discrete scale with (\d+) values: (.*)$", "$1-Achse »$2«, $3 Werte: $4"),
    (
        r"^([XY])-axis titled '(.*)' for a \w+ scale with values from (.*) to (.*)$",
        "$1-Achse »$2«, Werte von $3 bis $4",
    ),
]
# The attributes Streamlit writes its labels into, besides text.
ATTRIBUTES = ("aria-label", "title", "placeholder")
# Where the pages' own content is drawn (Markdown, captions, code, HTML, what users type):
# never translated, so a file called "Search" stays "Search".
CONTENT = (
    "script",
    "style",
    "textarea",
    "pre",
    "code",
    "[contenteditable]",
    '[data-testid="stMarkdownContainer"]',
    '[data-testid="stCaptionContainer"]',
    ".stHtml",
)
# Parts drawn by Streamlit alone, whose labels are Markdown all the same (the upload button).
CHROME = ('[data-testid="stFileUploaderDropzone"]',)

_SCRIPT = """<script>
(() => {
  const doc = document;
  doc.documentElement.lang = "de";
  if (window.__aktenlotseGerman) return;
  window.__aktenlotseGerman = true;
  const texts = __TEXTS__;
  const patterns = __PATTERNS__.map(([source, target]) => [new RegExp(source), target]);
  const attributes = __ATTRIBUTES__;
  const SKIP = __SKIP__;
  const CHROME = __CHROME__;
  const content = (el) => Boolean(el.closest(SKIP)) && !el.closest(CHROME);
  const german = (value) => {
    const trimmed = value.trim();
    if (!trimmed) return null;
    let result = Object.prototype.hasOwnProperty.call(texts, trimmed) ? texts[trimmed] : null;
    for (const [pattern, target] of patterns) {
      if (result === null && pattern.test(trimmed)) result = trimmed.replace(pattern, target);
    }
    return result === null ? null : value.replace(trimmed, result);
  };
  const translateText = (node) => {
    const parent = node.parentElement;
    if (!parent || content(parent)) return;
    const value = german(node.nodeValue);
    if (value !== null && value !== node.nodeValue) node.nodeValue = value;
  };
  const translateAttributes = (element) => {
    if (content(element)) return;
    for (const name of attributes) {
      const current = element.getAttribute(name);
      if (current === null) continue;
      const value = german(current);
      if (value !== null && value !== current) element.setAttribute(name, value);
    }
  };
  const translateTree = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return translateText(node);
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(node);
    const walker = doc.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let next = walker.nextNode(); next; next = walker.nextNode()) {
      if (next.nodeType === Node.TEXT_NODE) translateText(next);
      else translateAttributes(next);
    }
  };
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === "characterData") translateText(mutation.target);
      else if (mutation.type === "attributes") {
        if (mutation.target === doc.documentElement) {
          if (doc.documentElement.lang !== "de") doc.documentElement.lang = "de";
        } else translateAttributes(mutation.target);
      } else mutation.addedNodes.forEach(translateTree);
    }
  });
  observer.observe(doc.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: [...attributes, "lang"],
  });
  translateTree(doc.body);
})();
</script>"""
# An element that holds only a script (this one, the search box's focus) draws nothing;
# without this rule it would still take a row's gap.
_HIDE_SCRIPT_ELEMENTS = "<style>.stElementContainer:has(.stHtml > script:only-child) { display: none; }</style>"


def script() -> str:
    """The `<script>` that sets `lang="de"` and translates Streamlit's labels in the page."""
    return (
        _SCRIPT.replace("__TEXTS__", json.dumps(TEXTS, ensure_ascii=False))
        .replace("__PATTERNS__", json.dumps(PATTERNS, ensure_ascii=False))
        .replace("__ATTRIBUTES__", json.dumps(list(ATTRIBUTES)))
        .replace("__SKIP__", json.dumps(", ".join(CONTENT)))
        .replace("__CHROME__", json.dumps(", ".join(CHROME)))
        .replace("<script>", "<script data-aktenlotse-german>", 1)
    )


def german(text: str) -> str | None:
    """What the script makes of one text (None: left as it is); the same table and rules."""
    trimmed = text.strip()
    if not trimmed:
        return None
    result = TEXTS.get(trimmed)
    for source, target in PATTERNS:
        if result is None and re.search(source, trimmed):
            result = re.sub(source, re.sub(r"\$(\d)", r"\\\1", target), trimmed)
    return None if result is None else text.replace(trimmed, result)


def install() -> None:
    """Put the script into the page; call once per run, before the page's own elements."""
    st.html(_HIDE_SCRIPT_ELEMENTS)
    st.html(script(), unsafe_allow_javascript=True)
