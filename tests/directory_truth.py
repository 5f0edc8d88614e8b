"""Ground truth for "who may read": each directory user's file-server identity (a uid of its
own and the gids of its mapped groups, without root's capabilities) tries to open every path;
a folder counts as readable when it can be listed and entered, a file when it can be opened."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.config_files import write_source_config
from tests.ldap_directory import BASE_DN, SERVICE_DN, USERS

_PROBE = (
    "import json,os,sys\nr={}\nfor p in sys.argv[1:]:\n try:\n  if os.path.isdir(p):\n   os.listdir(p)\n"
    "   os.chdir(p)\n  else:\n   open(p,'rb').close()\n  r[p]=True\n except OSError:\n  r[p]=False\n"
    "print(json.dumps(r))"
)


def readers_by_user(root: Path, rels: Sequence[str], directory, gids: Mapping[str, int]) -> dict[str, set[str]]:
    """rel path -> the directory users whose file-server identity opens it."""
    readers: dict[str, set[str]] = {rel: set() for rel in rels}
    for number, name in enumerate(sorted(USERS)):
        own = [str(gids[g]) for g in directory.lookup(name).groups if g in gids]
        groups = [f"--groups={','.join(own)}"] if own else ["--clear-groups"]
        command = [
            "setpriv",
            f"--reuid={64000 + number}",
            f"--regid={own[0] if own else 64999}",
            *groups,
            "--inh-caps=-all",
            "/usr/bin/python3",
            "-c",
            _PROBE,
            *(str(root / rel) for rel in rels),
        ]
        opened = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        for rel in rels:
            if opened[str(root / rel)]:
                readers[rel].add(name)
    return readers


def uid_of(name: str) -> int:
    """The uid `readers_by_user` gives a directory user (for chown in a test's share)."""
    return 64000 + sorted(USERS).index(name)


def share_config(
    base: Path, root: Path, principal_map: Mapping[str, str], slapd=None, url: str | None = None, sections: str = ""
) -> Path:
    """`base/aktenlotse.toml` for the local share `root` (source "daten", shown as
    \\\\rathaus\\daten) with the real slapd as directory: over STARTTLS, or at `url` in
    plain text (an address where nothing answers, for the outage cases). `sections` are
    further TOML tables put before `[auth]`."""
    auth = (
        {"url": url, "allow_plain": True}
        if url
        else {"url": slapd.url, "start_tls": True, "ca_cert": str(slapd.tls.ca_cert)}
    )
    source = {
        "name": "daten",
        "root": str(root),
        "display_root": "\\\\rathaus\\daten",
        "principal_map": dict(principal_map),
    }
    return write_source_config(base, source, {**auth, "base_dn": BASE_DN, "bind_dn": SERVICE_DN}, sections)
