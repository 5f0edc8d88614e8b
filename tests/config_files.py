"""aktenlotse.toml files for tests that run the product against a real directory: one
source and the [auth] table, written with the TOML writer the product itself uses (no
hand-made quoting of paths or Windows display roots)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w


def write_source_config(base: Path, source: Mapping[str, Any], auth: Mapping[str, Any], sections: str = "") -> Path:
    """`base/aktenlotse.toml` with the data under `base/data`, the one `source` and the
    directory `auth`; `sections` are further TOML tables, as text, put before [auth]."""
    head = tomli_w.dumps({"data_dir": str(base / "data"), "sources": [dict(source)]})
    path = base / "aktenlotse.toml"
    path.write_text(head + sections + tomli_w.dumps({"auth": dict(auth)}), encoding="utf-8")
    return path
