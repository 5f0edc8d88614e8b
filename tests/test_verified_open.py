"""Downloads read exactly what they checked: `LocalSource.open_verified` opens every folder
and the file relative to the folder above without following links and takes the
permissions from those open handles. Raced against a thread that swaps a public file (and
its folder) for symlinks to secrets, no secret byte is ever served to a reader who may not
read the secret."""

import os
import subprocess
import threading
import time

import pytest

from aktenlotse.core import visibility
from aktenlotse.core.config import SourceConfig
from aktenlotse.crawler.local_source import LocalSource

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the secrets are root's files; the reader is not root")

PUBLIC = b"oeffentlich " * 200
SECRET = b"GEHEIM " * 200
READER = ("everyone", "authenticated", "user:leser")  # not root, in no group of these files
# Bounded in time: 10,000 tries take well under a second here; at least 3,000 must run. The same loop
# against the former check-by-name-then-open served the secret ~13 times in 10,000.
TRIES, MIN_TRIES, SWAP_SECONDS = 10_000, 3_000, 30


def build(tmp_path):
    root = tmp_path / "share"
    (root / "Allgemein").mkdir(parents=True)
    (root / "Geheim").mkdir()
    public = root / "Allgemein" / "bericht.txt"
    public.write_bytes(PUBLIC)
    os.chmod(public, 0o644)
    os.chmod(root / "Allgemein", 0o755)
    # Hidden twice over: by its own mode, and (for the world-readable twin) by the folder.
    (root / "Geheim" / "geheim.txt").write_bytes(SECRET)
    os.chmod(root / "Geheim" / "geheim.txt", 0o600)
    (root / "Geheim" / "bericht.txt").write_bytes(SECRET)
    os.chmod(root / "Geheim" / "bericht.txt", 0o644)
    os.chmod(root / "Geheim", 0o700)
    return root, LocalSource(SourceConfig(name="t", root=root))


def download(source: LocalSource, path: str, principals) -> bytes | None:
    """What the portal's download does with a source: one verified open, the check on it,
    the bytes from the same handle. None when refused."""
    try:
        opened = source.open_verified(path)
    except OSError:
        return None
    if opened is None:
        return None
    entry, stream = opened
    with stream:
        if not visibility.may_read(principals, visibility.of_item(entry)):
            return None
        return stream.read()


def test_verified_open_reads_and_refuses(tmp_path):
    root, source = build(tmp_path)
    assert download(source, "Allgemein/bericht.txt", READER) == PUBLIC
    assert download(source, "Geheim/geheim.txt", READER) is None  # own mode
    assert download(source, "Geheim/bericht.txt", READER) is None  # folder without traverse
    assert download(source, "Geheim/geheim.txt", ("user:root",)) == SECRET
    for hostile in ("../share/Allgemein/bericht.txt", "Allgemein/../Geheim/geheim.txt", "", "/", "nichts.txt"):
        assert source.open_verified(hostile) is None, hostile
    os.symlink(root / "Geheim" / "geheim.txt", root / "Allgemein" / "link.txt")
    os.symlink(root / "Geheim", root / "Verknuepft")
    os.mkfifo(root / "Allgemein" / "fifo")
    for not_a_file in ("Allgemein/link.txt", "Verknuepft/geheim.txt", "Allgemein/fifo", "Allgemein"):
        assert source.open_verified(not_a_file) is None, not_a_file  # never followed, never blocks


def test_verified_open_has_the_crawls_principals(tmp_path):
    root, source = build(tmp_path)
    acl_file = root / "Allgemein" / "acl.txt"
    acl_file.write_bytes(b"mit ACL")
    os.chmod(acl_file, 0o600)
    subprocess.run(["setfacl", "-m", "g:61077:r", str(acl_file)], check=True)
    for path in ("Allgemein/bericht.txt", "Allgemein/acl.txt", "Geheim/bericht.txt", "Geheim/geheim.txt"):
        entry, stream = source.open_verified(path)
        stream.close()
        walked = source.current_entry(path)
        assert (entry.allow, entry.deny, entry.require) == (walked.allow, walked.deny, walked.require), path
    entry, stream = source.open_verified("Allgemein/acl.txt")
    stream.close()
    assert visibility.may_read({"group:61077"}, visibility.of_item(entry))
    assert not visibility.may_read(READER, visibility.of_item(entry))


def _swap_forever(root, stop: threading.Event, rounds: list[int]) -> None:
    """Alternately replace the public file by a link to a secret and the public folder by a
    link to the secret folder, each time restoring the original (atomic renames)."""
    folder, public = root / "Allgemein", root / "Allgemein" / "bericht.txt"
    original = root / "original.txt"
    os.link(public, original)
    parked = root / "Allgemein.parked"
    while not stop.is_set():
        os.symlink(root / "Geheim" / "geheim.txt", root / "link.tmp")
        os.rename(root / "link.tmp", public)
        os.link(original, root / "file.tmp")
        os.rename(root / "file.tmp", public)
        os.rename(folder, parked)
        os.symlink(root / "Geheim", folder)
        os.unlink(folder)
        os.rename(parked, folder)
        rounds[0] += 1


def test_symlink_swap_race_never_serves_the_secret(tmp_path):
    root, source = build(tmp_path)
    stop = threading.Event()
    rounds = [0]
    swapper = threading.Thread(target=_swap_forever, args=(root, stop, rounds), daemon=True)
    served = {"public": 0, "refused": 0, "wrong": 0}
    tries = 0
    swapper.start()
    try:
        deadline = time.monotonic() + SWAP_SECONDS
        while tries < TRIES and time.monotonic() < deadline:
            data = download(source, "Allgemein/bericht.txt", READER)
            tries += 1
            if data is None:
                served["refused"] += 1
            elif data == PUBLIC:
                served["public"] += 1
            else:
                served["wrong"] += 1
    finally:
        stop.set()
        swapper.join(timeout=10)
    assert served["wrong"] == 0, served
    # The race really ran: both states were met, thousands of times over.
    assert tries >= MIN_TRIES and served["public"] > 0 and served["refused"] > 0, (tries, served)
    assert rounds[0] > 100, rounds
