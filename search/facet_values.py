"""The keyword and Aktenplan facet values of a document, the same for every backend."""

from __future__ import annotations

from typing import Any


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(value["code"])] if value.get("code") else []
    return []


def facet_values(extra: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(keywords, Aktenplan codes). A document counts under the class the AG DMS decided
    (`aktenplan_decided`) or else under its best suggestion: one class, not three."""
    keywords = [str(k) for k in extra.get("keywords") or [] if str(k).strip()]
    decided = _codes(extra.get("aktenplan_decided"))
    suggestions = extra.get("aktenplan") or []
    best = _codes(suggestions[0]) if isinstance(suggestions, list) and suggestions else []
    return list(dict.fromkeys(keywords)), (decided or best)[:1]
