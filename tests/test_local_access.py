"""Local access checks against the ground truth: what real unprivileged uids can open.

Each test user is a process with its own uid and groups (`setpriv`, no capabilities);
it tries to open every file and to list every folder of a tree with mixed modes and
POSIX ACLs. `decide(principals, local_access_checks(...))` must give the same answer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from aktenlotse.core.access_checks import FOLDER, ITEM, CheckUnavailable, decide
from aktenlotse.crawler.local_access import local_access_checks

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="running as other uids and chown need root")

G1, G2, G3 = 62101, 62102, 62103
# uid -> groups; none of these ids has a passwd entry, so principals are numeric.
USERS = {62001: (G1,), 62002: (G2,), 62003: (G1, G2), 62004: (G3,)}

PROBE = r"""
import json, os, sys
result = {}
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
            os.stat(os.path.join(path, "."))  # needs search permission on the folder
        else:
            with open(path, "rb"):
                pass
        result[path] = True
    except OSError:
        result[path] = False
print(json.dumps(result))
"""


def principals(uid: int) -> set[str]:
    return {"everyone", f"user:{uid}", *(f"group:{g}" for g in USERS[uid])}


def build_tree(root: Path) -> list[str]:
    def folder(rel, mode, gid=0, uid=0, acl=None):
        path = root / rel
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        if acl:
            subprocess.run(["setfacl", "-m", acl, str(path)], check=True)

    def file(rel, mode, gid=0, uid=0, acl=None):
        path = root / rel
        path.write_text("Inhalt", encoding="utf-8")
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        if acl:
            subprocess.run(["setfacl", "-m", acl, str(path)], check=True)

    folder("Allgemein", 0o755)
    file("Allgemein/offen.txt", 0o644)
    file("Allgemein/ohne-g2.txt", 0o604, gid=G2)  # the owning group is excluded by its own bits
    file("Allgemein/acl-g2.txt", 0o600, acl=f"g:{G2}:r")
    file("Allgemein/maske.txt", 0o640, gid=G1, acl="u:62004:rw,m::-")  # the mask takes everything
    file("Allgemein/eigentuemer-ohne.txt", 0o044, uid=62001, gid=G1)  # the owner is refused
    folder("G1", 0o750, gid=G1)
    file("G1/akte.txt", 0o644)
    file("G1/privat.txt", 0o600, uid=62001)
    folder("G1/Unter", 0o755)
    file("G1/Unter/tief.txt", 0o644)
    folder("Durchgang", 0o711)  # search but no listing for others
    file("Durchgang/datei.txt", 0o644)
    folder("G2", 0o750, gid=G2)
    folder("NurA", 0o700, acl="u:62001:rx")
    file("NurA/datei.txt", 0o644)
    return [
        "",
        "Allgemein",
        "Allgemein/offen.txt",
        "Allgemein/ohne-g2.txt",
        "Allgemein/acl-g2.txt",
        "Allgemein/maske.txt",
        "Allgemein/eigentuemer-ohne.txt",
        "G1",
        "G1/akte.txt",
        "G1/privat.txt",
        "G1/Unter",
        "G1/Unter/tief.txt",
        "Durchgang",
        "Durchgang/datei.txt",
        "G2",
        "NurA",
        "NurA/datei.txt",
    ]


@pytest.fixture()
def tree():
    # Below /tmp, not pytest's 0700 folder, so that the test users can reach the root.
    base = Path(tempfile.mkdtemp(prefix="aktenlotse-access-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        yield base, build_tree(base)
    finally:
        shutil.rmtree(base)


def opened_as(uid: int, paths: list[Path]) -> dict[str, bool]:
    groups = ",".join(str(g) for g in USERS[uid])
    command = [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={USERS[uid][0]}",
        f"--groups={groups}",
        "--inh-caps=-all",
        "/usr/bin/python3",
        "-c",
        PROBE,
        *map(str, paths),
    ]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def test_decision_equals_what_each_user_can_open(tree):
    root, rels = tree
    disagreements = []
    seen = {True: 0, False: 0}
    for uid in USERS:
        truth = opened_as(uid, [root / r if r else root for r in rels])
        for rel in rels:
            actual = truth[str(root / rel if rel else root)]
            seen[actual] += 1
            decision = decide(principals(uid), local_access_checks(root, rel))
            if decision.allowed != actual:
                disagreements.append((uid, rel, actual, decision.reason))
    assert not disagreements
    # The tree must exercise both outcomes for the comparison to mean anything.
    assert seen[True] > 10 and seen[False] > 10


def test_checks_name_each_folder_and_explain_entries(tree):
    root, _ = tree
    every = local_access_checks(root, "G1/Unter/tief.txt")
    above = [c.path for c in every if c.path.startswith("/")]  # the kernel checks those too
    assert above == [str(p) for p in reversed(root.parents)]
    checks = every[len(above) :]
    assert [(c.kind, c.path) for c in checks] == [
        (FOLDER, ""),
        (FOLDER, "G1"),
        (FOLDER, "G1/Unter"),
        (ITEM, "G1/Unter/tief.txt"),
    ]
    assert checks[1].allow == ("group:62101", "user:root")
    assert any(line.startswith(f"Gruppe group:{G1}: r-x") for line in checks[1].entries)
    refused = decide(principals(62002), every)
    assert not refused.allowed and refused.deciding is checks[1]
    masked = local_access_checks(root, "Allgemein/maske.txt")[-1]
    assert "Maske: --- (begrenzt benannte Benutzer und alle Gruppen)" in masked.entries
    assert "ACL Benutzer user:62004: rw- (wirksam --- wegen Maske) → Lesen: nein" in masked.entries


def test_missing_links_and_escapes_are_refused_in_german(tree):
    root, _ = tree
    os.symlink(root / "G1/akte.txt", root / "Allgemein/verweis.txt")
    for rel, words in (
        ("Allgemein/fehlt.txt", "gibt es nicht"),
        ("Allgemein/verweis.txt", "Verknüpfung"),
        ("Allgemein/offen.txt/x", "kein Ordner"),
        ("../etc/passwd", "Ungültiger Pfad"),
    ):
        with pytest.raises(CheckUnavailable, match=words):
            local_access_checks(root, rel)


def test_checks_give_the_permissions_the_crawl_stores(tree):
    # `access explain` and the index must not disagree: the same model, two views.
    from aktenlotse.core.access_checks import permissions_of
    from aktenlotse.core.config import SourceConfig
    from aktenlotse.core.visibility import of_item
    from aktenlotse.crawler.local_source import LocalSource

    root, rels = tree
    source = LocalSource(SourceConfig(name="daten", root=root))
    files = [r for r in rels if r and (root / r).is_file()]
    for rel in files:
        entry = source.current_entry(rel)
        assert of_item(entry) == permissions_of(source.access_checks(rel)), rel
    walked = {e.path: of_item(e) for e in source.walk()}
    for rel in files:
        if rel in walked:
            assert walked[rel] == permissions_of(source.access_checks(rel)), rel
