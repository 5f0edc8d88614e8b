"""Readers for the values of the config file: each checks one TOML value and raises
`ConfigError` naming the key, so that every table parser reports mistakes the same way."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is wrong or missing. The message names the key."""


def table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a table ([{key}])")
    return value


def settings_of(record: type, besides: tuple[str, ...] = ()) -> set[str]:
    """The keys a table may hold: the field names of its config record (a dataclass), but for
    the fields in `besides`, which do not come from the file (e.g. a password from the
    environment)."""
    return {f.name for f in dataclasses.fields(record)} - set(besides)


def reject_unknown(table: dict[str, Any], known: set[str], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown setting (known: {', '.join(sorted(known))})")


def path(value: Any, key: str, base_dir: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key}: must be a non-empty path string")
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base_dir / path


def number(table: dict[str, Any], key: str, default: float, prefix: str, minimum: float, integer: bool = False) -> Any:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{prefix}{key}: must be {kind}")
    if value < minimum:
        raise ConfigError(f"{prefix}{key}: must be at least {minimum}")
    return value


def _checked(table: dict[str, Any], key: str, default: Any, prefix: str, fits: Callable[[Any], bool], must: str) -> Any:
    """The value at `key` (or `default`) when `fits` accepts it; else the error "KEY: must MUST"."""
    value = table.get(key, default)
    if not fits(value):
        raise ConfigError(f"{prefix}{key}: must be {must}")
    return value


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def strings(table: dict[str, Any], key: str, prefix: str) -> tuple[str, ...]:
    return tuple(_checked(table, key, [], prefix, _is_strings, "a list of strings"))


def flag(table: dict[str, Any], key: str, default: bool, prefix: str) -> bool:
    return bool(_checked(table, key, default, prefix, lambda v: isinstance(v, bool), "true or false"))


def choice(table: dict[str, Any], key: str, allowed: tuple[str, ...], prefix: str) -> str:
    """One of `allowed` (the first is the default)."""
    value = table.get(key, allowed[0])
    if value not in allowed:
        spelled = " oder ".join(f'"{a}"' for a in allowed)
        raise ConfigError(f"{prefix}{key}: muss {spelled} sein, nicht {value!r}")
    return str(value)


def string(table: dict[str, Any], key: str, default: str, prefix: str) -> str:
    return str(_checked(table, key, default, prefix, lambda v: isinstance(v, str), "a string"))


def port(table: dict[str, Any], prefix: str) -> int:
    port = number(table, "port", 8501, prefix, 1, integer=True)
    if port > 65535:
        raise ConfigError(f"{prefix}port: {port} ist kein Port (erlaubt: 1 bis 65535)")
    return int(port)
