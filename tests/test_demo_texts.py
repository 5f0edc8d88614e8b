"""The demo's texts come from data files and are exactly the texts of the former Python literals."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import tomllib
from dataclasses import asdict
from importlib import resources

import pytest

from aktenlotse.core.config import ConfigError
from aktenlotse.demo import texts
from aktenlotse.demo.runner import require_demo_extra
from aktenlotse.demo.share import SEED

# SHA-256 of `_canonical()` as computed from aktenlotse/demo/texts.py before its literals
# moved to aktenlotse/demo/data/*.toml: the demo share holds the same documents since.
LITERALS_SHA256 = "244a9bcfaace106469963083d258eabad4512acafed50b72288425e5e0bf25d7"


def _canonical() -> str:
    return json.dumps(
        {
            "documents": [asdict(d) for d in texts.demo_documents(random.Random(SEED))],
            "mails": [asdict(m) for m in texts.demo_mails()],
            "duplicates": texts.DUPLICATES,
            "encrypted": texts.ENCRYPTED_PDF,
            "corrupt": texts.CORRUPT_FILE,
            "litter": [texts.EMPTY_FILE, texts.LOCK_FILE, texts.THUMBS_DB],
            "restricted": texts.RESTRICTED_FOLDERS,
            "searches": texts.DEMO_SEARCHES,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=list,
    )


def test_texts_equal_those_of_the_former_literals() -> None:
    assert hashlib.sha256(_canonical().encode("utf-8")).hexdigest() == LITERALS_SHA256


def test_texts_are_read_from_package_data() -> None:
    data = resources.files("aktenlotse.demo").joinpath("data")
    names = sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".toml"))
    assert names == sorted([f"{name}.toml" for name in texts.DEPARTMENTS] + ["mails.toml", "names.toml", "share.toml"])
    for name in names:
        tomllib.loads(data.joinpath(name).read_text(encoding="utf-8"))
    paths = [d.path for d in texts.demo_documents(random.Random(SEED))]
    assert (
        len(paths)
        == len(set(paths))
        == sum(
            len(tomllib.loads(data.joinpath(f"{n}.toml").read_text(encoding="utf-8"))["documents"])
            for n in texts.DEPARTMENTS
        )
    )


def test_generated_tables_follow_the_seed() -> None:
    first = texts.demo_documents(random.Random(SEED))
    again = texts.demo_documents(random.Random(SEED))
    other = texts.demo_documents(random.Random(SEED + 1))
    assert first == again
    assert first != other


def test_demo_extra_is_checked_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    require_demo_extra()  # installed by scripts/setup.sh
    real = importlib.util.find_spec
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None if name == "odf" else real(name))
    with pytest.raises(ConfigError, match="demo.*odf"):
        require_demo_extra()
