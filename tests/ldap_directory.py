"""A real OpenLDAP slapd, provisioned in a temporary folder with an AD-like tree.

Users in several departments, nested groups (dynlist gives `memberOf` over all levels),
role groups, one disabled account (ppolicy lock), a service account for look-ups, TLS
with a self-signed CA (StartTLS and LDAPS), all on 127.0.0.1.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aktenlotse.core.config import AuthConfig
from tests.certificates import Tls, free_port, make_tls
from tests.server_process import stop_server_process

BASE_DN = "dc=zeitz,dc=test"
SERVICE_DN = f"cn=aktenlotse-svc,ou=Dienstkonten,{BASE_DN}"
SERVICE_PASSWORD = "Dienst-Konto-2026"
ROOT_DN = f"cn=admin,{BASE_DN}"
ROOT_PASSWORD = "Verzeichnis-Admin-2026"

# user -> (display name, department groups, password)
USERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "mueller": ("Anna Müller", ("bauamt",), "Bau-Passwort-1"),
    "schmidt": ("Jonas Schmidt", ("kaemmerei",), "Kasse-Passwort-2"),
    "weber": ("Petra Weber", ("personal",), "Personal-Passwort-3"),
    "yilmaz": ("Deniz Yılmaz", ("standesamt", "digitallotsen"), "Standes-Passwort-4"),
    "krause": ("Heike Krause", ("ag-dms", "bauamt-leitung"), "Akten-Passwort-5"),
    "admin.it": ("IT-Administration", ("portal-admins",), "Admin-Passwort-6"),
    "alt": ("Konto Ausgeschieden", ("bauamt",), "Alt-Passwort-7"),  # disabled
}
DISABLED = {"alt"}
# group -> member groups (nesting)
NESTED = {
    "bauamt": ("bauamt-leitung",),
    "fachaemter": ("bauamt", "kaemmerei", "standesamt"),
    "mitarbeitende": ("fachaemter", "personal", "digitallotsen", "ag-dms", "portal-admins"),
}
GROUPS = (
    "bauamt",
    "bauamt-leitung",
    "kaemmerei",
    "personal",
    "standesamt",
    "digitallotsen",
    "ag-dms",
    "portal-admins",
    "fachaemter",
    "mitarbeitende",
)


def ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def user_dn(name: str) -> str:
    return f"uid={name},ou=Benutzer,{BASE_DN}"


def group_dn(name: str) -> str:
    return f"cn={name},ou=Gruppen,{BASE_DN}"


def config_ldif(folder: Path, tls: Tls) -> str:
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {folder}/slapd.pid
olcTLSCACertificateFile: {tls.ca_cert}
olcTLSCertificateFile: {tls.cert}
olcTLSCertificateKeyFile: {tls.key}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: dynlist
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/nis.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file:///etc/ldap/schema/dyngroup.ldif

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {BASE_DN}
olcRootDN: {ROOT_DN}
olcRootPW: {ssha(ROOT_PASSWORD)}
olcDbDirectory: {folder}/db
olcDbMaxSize: 104857600
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{SERVICE_DN}" read by self read by users read by * none

dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{0}}ppolicy
olcPPolicyDefault: cn=standard,ou=Richtlinien,{BASE_DN}
olcPPolicyUseLockout: FALSE

dn: olcOverlay={{1}}dynlist,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcDynListConfig
olcOverlay: {{1}}dynlist
olcDynListAttrSet: {{0}}groupOfURLs memberURL member+memberOf@groupOfNames*
"""


def data_ldif() -> str:
    entries = [
        f"dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: zeitz\no: Stadtverwaltung Zeitz (Test)",
        f"dn: ou=Benutzer,{BASE_DN}\nobjectClass: organizationalUnit\nou: Benutzer",
        f"dn: ou=Gruppen,{BASE_DN}\nobjectClass: organizationalUnit\nou: Gruppen",
        f"dn: ou=Dienstkonten,{BASE_DN}\nobjectClass: organizationalUnit\nou: Dienstkonten",
        f"dn: ou=Richtlinien,{BASE_DN}\nobjectClass: organizationalUnit\nou: Richtlinien",
        f"dn: cn=standard,ou=Richtlinien,{BASE_DN}\nobjectClass: pwdPolicy\nobjectClass: device\ncn: standard\n"
        "pwdAttribute: userPassword\npwdLockout: TRUE\npwdMaxFailure: 0",
        f"dn: {SERVICE_DN}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\n"
        f"cn: aktenlotse-svc\nuserPassword: {ssha(SERVICE_PASSWORD)}",
    ]
    for i, (name, (display, _groups, password)) in enumerate(sorted(USERS.items())):
        given, _, sur = display.partition(" ")
        entry = (
            f"dn: {user_dn(name)}\nobjectClass: inetOrgPerson\nuid: {name}\ncn: {display}\nsn: {sur or given}\n"
            f"displayName: {display}\nmail: {name}@zeitz.test\nemployeeNumber: {1000 + i}\n"
            f"userPassword: {ssha(password)}"
        )
        if name in DISABLED:
            entry += "\npwdAccountLockedTime: 000001010000Z"
        entries.append(entry)
    for group in GROUPS:
        members = [user_dn(u) for u, (_, groups, _) in sorted(USERS.items()) if group in groups]
        members += [group_dn(g) for g in NESTED.get(group, ())]
        entry = f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}"
        # groupOfNames needs at least one member; an empty group names itself harmlessly.
        for member in members or [group_dn(group)]:
            entry += f"\nmember: {member}"
        entries.append(entry)
    return "\n\n".join(entries) + "\n"


@dataclass
class Slapd:
    folder: Path
    port: int
    ldaps_port: int
    tls: Tls
    process: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    def service_auth(self, **overrides: Any) -> AuthConfig:
        """The directory as the portal's service account reads it (StartTLS with the test CA)."""
        config = AuthConfig(
            url=self.url,
            start_tls=True,
            ca_cert=self.tls.ca_cert,
            base_dn=BASE_DN,
            bind_dn=SERVICE_DN,
            bind_password=SERVICE_PASSWORD,
        )
        return dataclasses.replace(config, **overrides)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["slapd", "-d", "0", "-F", str(self.folder / "slapd.d"), "-h", f"{self.url}/ {self.ldaps_url}/"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "slapd.log", "wb"),  # noqa: SIM115  (the child keeps it; closed on exit)
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("slapd exited: " + (self.folder / "slapd.log").read_text(errors="replace")[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start within 15 s")

    def stop(self) -> None:
        stop_server_process(self.process, grace_s=10)


def provision(folder: Path) -> Slapd:
    """Write cn=config and the tree with slapadd; the server is not started yet."""
    if shutil.which("slapd") is None or shutil.which("slapadd") is None:
        raise RuntimeError(
            "slapd is not installed (Debian packages slapd and ldap-utils; scripts/setup.sh installs them)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slapd.d").mkdir()
    (folder / "db").mkdir()
    tls = make_tls(folder)
    (folder / "config.ldif").write_text(config_ldif(folder, tls), encoding="utf-8")
    (folder / "data.ldif").write_text(data_ldif(), encoding="utf-8")
    for args in (
        ["-n0", "-F", str(folder / "slapd.d"), "-l", str(folder / "config.ldif")],
        ["-n1", "-F", str(folder / "slapd.d"), "-l", str(folder / "data.ldif")],
    ):
        result = subprocess.run(["slapadd", *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"slapadd {args[0]} failed: {result.stderr[-2000:]}")
    return Slapd(folder=folder, port=free_port(), ldaps_port=free_port(), tls=tls)
