"""Plain settings declared once: a config record's field says its default and, for numbers,
its lower bound (`setting`), and `read_settings` checks the table's values against them.

Without this every table parser repeated each default and bound in a call next to the
field, and the two could drift apart. Settings that need more than a type and a bound
(choices, paths, URLs, ports) stay ordinary fields and are read by hand.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from aktenlotse.core import config_values as values

T = TypeVar("T", bool, int, float, str)

_AT_LEAST = "at_least"


def setting(default: T, *, at_least: float | None = None) -> T:
    """A field read by `read_settings`: a flag, a string, or a number of at least `at_least`
    (a whole number when the default is an int)."""
    if isinstance(default, (int, float)) and not isinstance(default, bool) and at_least is None:
        raise TypeError("a number setting needs its lower bound (at_least)")
    field: T = dataclasses.field(default=default, metadata={_AT_LEAST: at_least})
    return field


def read_settings(table: dict[str, Any], record: type, prefix: str) -> dict[str, Any]:
    """The checked values of `record`'s `setting` fields from `table` (the default where a
    key is missing), by field name, in the record's field order."""
    read: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        if _AT_LEAST not in field.metadata:
            continue
        default, at_least = field.default, field.metadata[_AT_LEAST]
        if isinstance(default, bool):
            read[field.name] = values.flag(table, field.name, default, prefix)
        elif isinstance(default, str):
            read[field.name] = values.string(table, field.name, default, prefix)
        elif isinstance(default, (int, float)):
            integer = isinstance(default, int)
            read[field.name] = values.number(table, field.name, default, prefix, at_least, integer=integer)
    return read
