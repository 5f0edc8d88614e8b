"""`aktenlotse crawl PATH` for a folder that is no configured root never shares crawl state
with a configured source, even when its last folder name equals the source's name."""

import json
from pathlib import Path

import pytest

from aktenlotse.core.config import ConfigError, parse_config
from aktenlotse.pipeline.app import adhoc_source_name, sources_for
from aktenlotse.search.embedded import EmbeddedBackend
from tests.test_cli_exit_codes import run


def _config(tmp_path: Path, root: Path) -> Path:
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nname = "akten"\nroot = "{root}"\n'
        '[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n',
        encoding="utf-8",
    )
    return config


def _files(folder: Path, count: int, word: str) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"{word}-{n:02}.txt").write_text(f"{word} Vorgang {n}", encoding="utf-8")


def _docs_by_source(tmp_path: Path) -> dict[str, set[str]]:
    backend = EmbeddedBackend(tmp_path / "data" / "index.sqlite")
    try:
        found: dict[str, set[str]] = {}
        for doc in backend.fetch_untrimmed(sorted(backend.ids())):
            found.setdefault(doc.source, set()).add(doc.path)
        return found
    finally:
        backend.close()


def _crawl(config: Path, *paths: str) -> dict:
    out = run("--config", str(config), "crawl", "--no-enrich", "--json", *paths)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_adhoc_folder_named_like_a_configured_source_keeps_that_source_whole(tmp_path):
    configured = tmp_path / "ablage" / "akten"
    _files(configured, 11, "Bauakte")
    adhoc = tmp_path / "x" / "akten"
    _files(adhoc, 1, "Fremd")
    config = _config(tmp_path, configured)
    assert _crawl(config)["new"] == 11

    first = _crawl(config, str(adhoc))
    assert first["new"] == 1 and first["deleted"] == 0
    again = _crawl(config, str(adhoc))  # the same folder again: its own state, incremental
    assert again["new"] == 0 and again["unchanged"] == 1 and again["deleted"] == 0

    docs = _docs_by_source(tmp_path)
    assert docs["akten"] == {f"Bauakte-{n:02}.txt" for n in range(11)}
    adhoc_names = [name for name in docs if name != "akten"]
    assert len(adhoc_names) == 1 and adhoc_names[0].startswith("adhoc:akten-")
    assert docs[adhoc_names[0]] == {"Fremd-00.txt"}

    # The configured source's own crawl afterwards: nothing deleted, nothing new.
    after = _crawl(config)
    assert after["deleted"] == 0 and after["unchanged"] == 11 and after["new"] == 0
    assert len(_docs_by_source(tmp_path)["akten"]) == 11


def test_path_of_a_configured_root_crawls_that_source(tmp_path):
    configured = tmp_path / "ablage" / "akten"
    configured.mkdir(parents=True)
    config = parse_config({"sources": [{"name": "akten", "root": str(configured)}]}, tmp_path)
    assert [s.config.name for s in sources_for(config, [str(configured / ".." / "akten")])] == ["akten"]


def test_adhoc_names_differ_per_folder_and_stay_the_same_for_one_folder():
    one = adhoc_source_name("akten", "/tmp/x/akten")
    assert one == adhoc_source_name("akten", "/tmp/x/akten")
    assert one != adhoc_source_name("akten", "/tmp/y/akten")
    assert one.startswith("adhoc:akten-")


def test_configured_source_may_not_use_the_adhoc_prefix(tmp_path):
    with pytest.raises(ConfigError, match="name"):
        parse_config({"sources": [{"name": "adhoc:akten-1", "root": str(tmp_path)}]}, tmp_path)
