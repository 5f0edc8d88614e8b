"""A real Samba AD domain controller, provisioned in a temporary folder on 127.0.0.1.

Realm ZEITZ.TEST, users in departments, nested groups, a user without any department,
a service account for the crawler, one share. LDAPS/StartTLS with a certificate of our
own test CA (so the portal's login verifies it). Users and groups are created offline in
one process with Samba's own Python bindings (samba-tool per object would take minutes).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from aktenlotse.core.config import AuthConfig
from aktenlotse.core.records import Extracted
from tests.certificates import make_tls
from tests.server_process import stop_server_process

REALM = "ZEITZ.TEST"
DOMAIN = "ZEITZ"
BASE_DN = "DC=zeitz,DC=test"
ADMIN_PASSWORD = "Zeitz-Admin-2026!"
SERVICE_USER = "aktenlotse-svc"
SERVICE_PASSWORD = "Crawler-Dienst-2026!"
# user -> (display name, direct groups, password)
USERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "mueller": ("Anna Müller", ("bauamt",), "Bau-Passwort-1!"),
    "schmidt": ("Jonas Schmidt", ("kaemmerei",), "Kasse-Passwort-2!"),
    "weber": ("Petra Weber", ("personal",), "Personal-Passwort-3!"),
    "yilmaz": ("Deniz Yilmaz", ("standesamt",), "Standes-Passwort-4!"),
    "krause": ("Heike Krause", ("bauamt-leitung",), "Akten-Passwort-5!"),
    "gast": ("Gast Praktikum", (), "Gast-Passwort-6!"),  # no department: only what all domain users see
    SERVICE_USER: ("Aktenlotse Crawler", (), SERVICE_PASSWORD),
}
GROUPS = ("bauamt", "bauamt-leitung", "kaemmerei", "personal", "standesamt", "fachaemter")
NESTED = {"bauamt": ("bauamt-leitung",), "fachaemter": ("bauamt", "kaemmerei", "standesamt")}
PORTS = (445, 636, 389)
ENCRYPTED_SHARE = "verschluesselt"
# A second plain share, for share-level permissions (`sharesec`) without touching [share].
SECOND_SHARE = "freigabe"

_CREATE_SCRIPT = r"""
import json, sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba.dcerpc import security
from samba.ndr import ndr_unpack
spec = json.load(open(sys.argv[2]))
lp = LoadParm(); lp.load(sys.argv[1])
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
for g in spec["groups"]:
    db.newgroup(g)
for name, (display, groups, password) in spec["users"].items():
    db.newuser(name, password, givenname=display.split()[0], surname=display.split()[-1])
for name, (display, groups, password) in spec["users"].items():
    for g in groups:
        db.add_remove_group_members(g, [name], add_members_operation=True)
for parent, children in spec["nested"].items():
    db.add_remove_group_members(parent, children, add_members_operation=True)
sids = {}
for name in list(spec["users"]) + spec["groups"] + ["Administrator"]:
    res = db.search(db.domain_dn(), expression="(sAMAccountName=%s)" % name, attrs=["objectSid"])
    sids[name] = str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))
print(json.dumps(sids))
"""


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SambaDC:
    base: Path
    sids: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.base / "samba" / "etc" / "smb.conf"

    @property
    def share_dir(self) -> Path:
        return self.base / "samba" / "share"

    def empty_share(self) -> None:
        """Remove what earlier test modules left on the session's share (the DC is shared by
        the whole test run; a module that counts every file on the share starts from empty)."""
        for child in self.share_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    @property
    def dfs_root(self) -> Path:
        """The folder behind the `dfs` share (msdfs root): a symlink `name` ->
        `msdfs:server\\share\\path` in it is a DFS link."""
        return self.base / "samba" / "dfsroot"

    @property
    def ca_cert(self) -> Path:
        return self.base / "tls" / "ca.crt"

    ldaps_url = "ldaps://127.0.0.1:636"
    host = "127.0.0.1"
    share = "share"

    def start(self) -> None:
        env = {**os.environ, "KRB5_CONFIG": str(self.base / "samba" / "private" / "krb5.conf")}
        self.process = subprocess.Popen(
            ["samba", "-F", "--no-process-group", "-s", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "samba.err", "wb"),  # noqa: SIM115  (the child keeps it; closed on exit)
            env=env,
        )
        deadline = time.monotonic() + 60
        while not all(_port_open(p) for p in PORTS):
            if self.process.poll() is not None:
                raise RuntimeError(f"samba exited: {(self.base / 'samba.err').read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("samba did not open its ports within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        stop_server_process(self.process, grace_s=15, reap_s=5)
        self.process = None
        # smbd starts samba-dcerpcd and its rpcd_* workers on demand, outside the DC's own
        # process; left running they would answer the named pipes (srvsvc: the share ACL)
        # of the next DC with this one's data.
        for proc in psutil.process_iter(["cmdline"]):
            if str(self.conf) in " ".join(proc.info["cmdline"] or ()):
                with contextlib.suppress(psutil.Error):
                    proc.kill()

    def sid(self, name: str) -> str:
        return self.sids[name]

    def service_auth(self) -> AuthConfig:
        """The directory as the portal's service account reads it (LDAPS with the test CA)."""
        return AuthConfig(
            url=self.ldaps_url,
            ca_cert=self.ca_cert,
            base_dn=BASE_DN,
            bind_dn=f"CN={SERVICE_USER},CN=Users,{BASE_DN}",
            bind_password=SERVICE_PASSWORD,
        )

    def set_share_acl(self, share: str, aces: str) -> None:
        """Replace a share's own ACL (the "Freigabeberechtigungen") with `sharesec`, e.g.
        "S-1-5-21-…-1102:ALLOWED/0/READ,…" (`net sharesec` does not reach the DC's store)."""
        subprocess.run(["sharesec", "-s", str(self.conf), share, f"--replace={aces}"], check=True, capture_output=True)


def provision(base: Path) -> SambaDC:
    """Provision the domain (~10 s); the caller starts and stops it."""
    if any(_port_open(p) for p in PORTS):
        raise RuntimeError("ports 445/636/389 on 127.0.0.1 are taken (another Samba or LDAP server runs)")
    base.mkdir(parents=True, exist_ok=True)
    # Domain users map to uids ~3000000 and must traverse every folder above the share.
    for folder in [base, *base.parents]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            os.chmod(folder, (mode | 0o011) & 0o7777)
    target = base / "samba"
    subprocess.run(
        [
            "samba-tool",
            "domain",
            "provision",
            f"--realm={REALM}",
            f"--domain={DOMAIN}",
            "--server-role=dc",
            "--dns-backend=NONE",
            "--use-rfc2307",
            "--host-ip=127.0.0.1",
            f"--adminpass={ADMIN_PASSWORD}",
            f"--targetdir={target}",
            "--option=interfaces=lo",
            "--option=bind interfaces only=yes",
        ],
        check=True,
        capture_output=True,
    )
    tls_dir = base / "tls"
    tls_dir.mkdir()
    tls = make_tls(tls_dir)
    os.chmod(tls.key, 0o600)
    (target / "cache").mkdir(exist_ok=True)
    share = target / "share"
    share.mkdir()
    os.chmod(share, 0o755)
    conf = target / "etc" / "smb.conf"
    lines, skip = [], False
    for line in conf.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skip = stripped.lower() in ("[homes]", "[printers]", "[print$]")
        if not skip:
            lines.append(line)
    text = "\n".join(lines)
    extra = f"""
	log file = {base}/log.%m
	pid directory = {base}/pid
	ncalrpc dir = {base}/ncalrpc
	ntp signd socket directory = {base}/ntp_signd
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	tls enabled = yes
	tls keyfile = {tls.key}
	tls certfile = {tls.cert}
	tls cafile = {tls.ca_cert}
	server signing = mandatory
"""
    text = text.replace("[global]", "[global]" + extra, 1)
    text += f"\n\n[share]\n\tpath = {share}\n\tread only = no\n"
    # A DFS namespace: tests put `msdfs:` links into it that point into [share].
    dfs_root = target / "dfsroot"
    dfs_root.mkdir()
    os.chmod(dfs_root, 0o755)
    text += f"\n[dfs]\n\tpath = {dfs_root}\n\tmsdfs root = yes\n"
    # A share that demands encryption (like a Windows share with "Encrypt data access").
    encrypted = target / "encrypted"
    encrypted.mkdir()
    os.chmod(encrypted, 0o755)
    text += f"\n[{ENCRYPTED_SHARE}]\n\tpath = {encrypted}\n\tread only = no\n\tsmb encrypt = required\n"
    second = target / SECOND_SHARE
    second.mkdir()
    os.chmod(second, 0o755)
    text += f"\n[{SECOND_SHARE}]\n\tpath = {second}\n\tread only = no\n"
    conf.write_text(text)
    (base / "pid").mkdir(exist_ok=True)
    spec_file = base / "spec.json"
    spec_file.write_text(json.dumps({"users": USERS, "groups": list(GROUPS), "nested": NESTED}))
    out = subprocess.run(
        ["/usr/bin/python3", "-c", _CREATE_SCRIPT, str(conf), str(spec_file)], capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"creating users and groups failed: {out.stderr[-2000:]}")
    sids = json.loads(out.stdout.strip().splitlines()[-1])
    dc = SambaDC(base, sids)
    # Samba's default share ACL (Everyone: Full) written out: the DC answers srvsvc level
    # 502 without a descriptor for a share that has none stored.
    for share in (dc.share, ENCRYPTED_SHARE, SECOND_SHARE):
        dc.set_share_acl(share, "S-1-1-0:ALLOWED/0/FULL")
    # Samba's RPC server opens its share ACL store as the calling user: with the store
    # readable by root only (its default), a plain account such as the crawler's gets an
    # answer without a descriptor (the crawler then hides the share: fail closed). Open to
    # all here so that the share ACL itself is what the tests exercise.
    os.chmod(target / "state" / "share_info.tdb", 0o666)
    return dc


def cleanup(base: Path) -> None:
    shutil.rmtree(base, ignore_errors=True)


# -- the share, handled as Administrator over SMB (as an admin would with Explorer) -------

READ = 0x001200A9  # FR: read data, attributes, EAs, READ_CONTROL, SYNCHRONIZE, execute
FULL = 0x001F01FF
OICI = 0x03
INHERITED = 0x10


class ShareAdmin:
    def __init__(self, dc: SambaDC, share: str = ""):
        import smbclient

        self.dc = dc
        self.share = share or dc.share
        self.cache: dict = {}
        smbclient.register_session(
            dc.host,
            username="Administrator",
            password=ADMIN_PASSWORD,
            auth_protocol="ntlm",
            connection_cache=self.cache,
        )

    def unc(self, rel: str = "") -> str:
        return f"\\\\{self.dc.host}\\{self.share}" + ("\\" + rel.replace("/", "\\") if rel else "")

    def mkdir(self, rel: str) -> None:
        import smbclient

        smbclient.makedirs(self.unc(rel), exist_ok=True, connection_cache=self.cache)

    def write(self, rel: str, data: bytes) -> None:
        import smbclient

        with smbclient.open_file(self.unc(rel), "wb", connection_cache=self.cache) as f:
            f.write(data)

    def remove(self, rel: str) -> None:
        import smbclient

        smbclient.remove(self.unc(rel), connection_cache=self.cache)

    def mkdir_readable(self, rel: str) -> None:
        """A folder the administrators own and the crawler and every logged-in user may read
        (protected: nothing inherited from the share root)."""
        self.mkdir(rel)
        self.set_acl(
            rel,
            [
                ("A", OICI, FULL, "S-1-5-32-544"),
                ("A", OICI, READ, self.dc.sid(SERVICE_USER)),
                ("A", OICI, READ, "S-1-5-11"),
            ],
            protected=True,
        )

    def rmdir(self, rel: str) -> None:
        """Remove an empty folder (tests leave the shared DC's share as they found it)."""
        import smbclient

        smbclient.rmdir(self.unc(rel), connection_cache=self.cache)

    def set_acl(self, rel: str, aces: list, protected: bool = False) -> None:
        """aces: (kind 'A'|'D', flags, mask, sid)."""
        from aktenlotse.crawler.nt_acl import Ace, encode_descriptor
        from aktenlotse.crawler.smb_connection import set_security

        encoded = [
            Ace(0 if kind == "A" else 1, flags, mask, sid)
            for kind, flags, mask, sid in sorted(aces, key=lambda a: a[0] != "D")
        ]  # canonical order: denies first
        set_security(
            self.unc(rel),
            encode_descriptor("S-1-5-32-544", self.domain_sid + "-513", encoded, protected),
            connection_cache=self.cache,
        )

    def get_acl(self, rel: str):
        from aktenlotse.crawler.nt_acl import parse_descriptor
        from aktenlotse.crawler.smb_connection import query_security

        return parse_descriptor(query_security(self.unc(rel), connection_cache=self.cache))

    @property
    def domain_sid(self) -> str:
        return self.dc.sid("Administrator").rsplit("-", 1)[0]

    def close(self) -> None:
        import smbclient

        smbclient.reset_connection_cache(connection_cache=self.cache)


def crawler_source_config(dc: SambaDC, name: str = "daten", path: str = "", share: str = "", **kw):
    """The crawler's view of the share: the service account, read rights only."""
    from aktenlotse.core.config import SourceConfig

    share = share or dc.share
    root = f"//{dc.host}/{share}" + (f"/{path}" if path else "")
    return SourceConfig(
        name=name,
        root=Path(root),
        smb_server=dc.host,
        smb_share=share,
        smb_path=path,
        smb_username=SERVICE_USER,
        smb_password=SERVICE_PASSWORD,
        **kw,
    )


class PlainTextExtractor:
    """Files read as UTF-8 text (for crawls where extraction is not what is tested)."""

    def start(self):
        pass

    def extract(self, stream, name, limits):
        return Extracted(text=stream.read().decode("utf-8", "replace"))

    def close(self):
        pass
