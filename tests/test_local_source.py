"""The local Source: walking, skipping, symlinks, odd names, principals."""

import os
import shutil
import subprocess

import pytest

from aktenlotse.core.config import SourceConfig
from aktenlotse.core.visibility import may_read, of_item
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.posix_acl import group_principal
from aktenlotse.crawler.source import SourceUnavailable

IS_ROOT = os.geteuid() == 0


def make_tree(root):
    (root / "Bauamt" / "2023").mkdir(parents=True)
    (root / "Bauamt" / "2023" / "Antrag.txt").write_text("Bauantrag")
    (root / "Bauamt" / "~$Antrag.docx").write_bytes(b"lock")
    (root / "Bauamt" / "Thumbs.db").write_bytes(b"x")
    (root / "Bauamt" / "notiz.tmp").write_text("x")
    (root / ".DS_Store").write_bytes(b"x")
    (root / "Kämmerei").mkdir()
    (root / "Kämmerei" / "Hundesteuer.txt").write_text("Hundesteuer")
    return root


def source(root, **kw):
    return LocalSource(SourceConfig(name="t", root=root, **kw))


def paths(src):
    return sorted(e.path for e in src.walk())


def test_walk_skips_lock_and_temp_files(tmp_path):
    make_tree(tmp_path)
    assert paths(source(tmp_path)) == ["Bauamt/2023/Antrag.txt", "Kämmerei/Hundesteuer.txt"]


def test_include_and_exclude_globs(tmp_path):
    make_tree(tmp_path)
    assert paths(source(tmp_path, exclude=("Bauamt/*",))) == ["Kämmerei/Hundesteuer.txt"]
    assert paths(source(tmp_path, include=("*Hund*",))) == ["Kämmerei/Hundesteuer.txt"]


def test_large_files_are_reported_not_listed(tmp_path):
    (tmp_path / "gross.bin").write_bytes(b"0" * 3000)
    listing = next(source(tmp_path, max_file_size_mb=0.001).listings())
    assert listing.files == []
    assert [p.kind for p in listing.problems] == ["too_large"]


def test_symlinks_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "geheim.txt").write_text("geheim")
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("a")
    (root / "link-out").symlink_to(outside)
    (root / "link-in.txt").symlink_to(root / "a.txt")
    (root / "kaputt.txt").symlink_to(root / "gibt-es-nicht.txt")
    listing = next(source(root).listings())
    assert [e.path for e in listing.files] == ["a.txt"]
    kinds = sorted((p.path, p.kind) for p in listing.problems)
    assert kinds == [("kaputt.txt", "symlink"), ("link-out", "symlink")]


def test_non_utf8_and_long_names(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/Geb\xfchren.txt"  # latin-1 ü, not UTF-8
    with open(raw, "wb") as f:
        f.write(b"x")
    long_name = "Sitzungsvorlage_" + "ä" * 100 + ".txt"  # 216 bytes in UTF-8
    (tmp_path / long_name).write_text("y")
    src = source(tmp_path)
    entries = {e.path: e for e in src.walk()}
    odd = [p for p in entries if p.startswith("Geb")][0]
    assert os.fsencode(odd) == b"Geb\xfchren.txt"
    with src.open(entries[odd]) as f:
        assert f.read() == b"x"
    assert long_name in entries
    assert "\ufffd" in src.display_path(odd)


def test_missing_root_raises_source_unavailable(tmp_path):
    with pytest.raises(SourceUnavailable):
        list(source(tmp_path / "weg").listings())


def test_world_readable_tree_is_everyone(tmp_path):
    os.chmod(tmp_path, 0o755)
    (tmp_path / "a.txt").write_text("a")
    os.chmod(tmp_path / "a.txt", 0o644)
    assert [e.allow for e in source(tmp_path).walk()] == [("everyone",)]


@pytest.mark.skipif(not IS_ROOT, reason="chown to another group needs root")
def test_restricted_folder_limits_public_files_and_maps_principals(tmp_path):
    os.chmod(tmp_path, 0o755)
    personal = tmp_path / "Personal"
    personal.mkdir()
    (personal / "akte.txt").write_text("Personalakte")
    os.chmod(personal / "akte.txt", 0o644)
    os.chown(personal, 0, 61002)
    os.chmod(personal, 0o750)
    src = source(tmp_path, principal_map={group_principal(61002): "group:personal"})
    [entry] = list(src.walk())
    # The file is world-readable; the folder's traverse grant is a clause every reader must pass.
    assert entry.allow == ("everyone",)
    assert ("group:personal", "user:root") in entry.require
    perms = of_item(entry)
    assert may_read(["everyone", "group:personal"], perms)
    assert not may_read(["everyone", "group:bauamt"], perms)


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="setfacl (Debian package acl) missing")
def test_posix_acl_named_group(tmp_path):
    os.chmod(tmp_path, 0o755)
    f = tmp_path / "bau.txt"
    f.write_text("x")
    os.chmod(f, 0o600)
    result = subprocess.run(["setfacl", "-m", "g:61001:r", str(f)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"file system without ACLs: {result.stderr.strip()}")
    [entry] = list(source(tmp_path).walk())
    assert group_principal(61001) in entry.allow
    assert "everyone" not in entry.allow


def test_current_entry_rejects_traversal(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    src = source(tmp_path)
    assert src.current_entry("a.txt") is not None
    assert src.current_entry("../etc/passwd") is None
    assert src.current_entry("nope.txt") is None


def test_display_path_uses_unc_root(tmp_path):
    src = source(tmp_path, display_root="\\\\rathaus\\daten")
    assert src.display_path("Bauamt/2023/a.pdf") == "\\\\rathaus\\daten\\Bauamt\\2023\\a.pdf"
