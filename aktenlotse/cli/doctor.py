"""`aktenlotse doctor`: one screen that checks what a new installation gets wrong.

Each line is a check with OK/FEHLER/HINWEIS and, when something is wrong, a German
sentence that says how to fix it. Exit code 1 on any FEHLER. Run it as the service
user (`sudo -u aktenlotse …`), since that is whose rights count. It builds on the
service checks of `aktenlotse check` (index, Tika, Tesseract), which stays as it is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ldap3.core import exceptions as ldap_errors

from aktenlotse.cli import check as cli_check
from aktenlotse.core.config import Config, ConfigError, SourceConfig, load_config
from aktenlotse.identity.ldap_connection import is_tls_problem, new_connection, open_and_bind, unbind_quietly, uses_tls
from aktenlotse.portal.launch import port_problem

MIN_FREE_BYTES = 2 * 1024**3


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""  # German: what to do
    warning_only: bool = False  # shown, but no failure (e.g. the portal's port used by the portal)

    def line(self) -> str:
        state = "OK     " if self.ok else ("HINWEIS" if self.warning_only else "FEHLER ")
        text = f"[{state}] {self.name}" + (f": {self.detail}" if self.detail else "")
        return text + (f"\n          → {self.fix}" if self.fix and not self.ok else "")

    @property
    def failed(self) -> bool:
        return not self.ok and not self.warning_only


def check_config(config: Config) -> Finding:
    if config.path is None:
        return Finding(
            "Konfiguration",
            False,
            "keine Datei gefunden",
            "AKTENLOTSE_CONFIG setzen oder --config angeben (Server: /etc/aktenlotse/aktenlotse.toml).",
        )
    return Finding("Konfiguration lesbar", True, str(config.path))


def check_data_dir(config: Config) -> Finding:
    data = config.data_dir
    fix = f"Ordner anlegen und dem Dienstkonto geben: install -d -o aktenlotse -g aktenlotse -m 750 {data}"
    if not data.is_dir():
        return Finding("Datenverzeichnis", False, f"{data} fehlt", fix)
    try:
        with tempfile.NamedTemporaryFile(dir=data, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Finding("Datenverzeichnis beschreibbar", False, f"{data}: {exc.strerror}", fix)
    return Finding("Datenverzeichnis beschreibbar", True, str(data))


def check_services(config: Config) -> list[Finding]:
    """Index (with its schema version), Tika and Java, Tesseract with the OCR language."""
    findings = []
    if config.index.backend == "embedded" and not config.data_dir.is_dir():
        # Opening the index would create the data directory: report instead.
        findings.append(Finding("Index (eingebettet)", False, "Datenverzeichnis fehlt", _service_fix("Index")))
        checks = cli_check.check_tika(config)
    else:
        checks = [cli_check.check_index(config), *cli_check.check_tika(config)]
    for check in checks:
        detail = ", ".join(p for p in (check.target, check.version, check.problem) if p)
        findings.append(Finding(check.service, check.ok, detail, _service_fix(check.service)))
    version = index_schema_version(config)
    if version:
        findings.append(Finding("Index-Schema", True, f"Version {version}"))
    if not any(s.ocr for s in config.sources) and config.extractor.kind == "managed":
        tess = cli_check.check_tesseract(config.extractor.ocr_language)
        findings.append(
            Finding(
                tess.service,
                tess.ok,
                ", ".join(p for p in (tess.version, tess.problem) if p),
                _service_fix(tess.service),
            )
        )
    return findings


def index_schema_version(config: Config) -> str:
    """The embedded index's schema version as stored in its meta table ('' if none)."""
    if config.index.backend != "embedded" or not config.index_db.exists():
        return ""
    try:
        with closing(sqlite3.connect(f"file:{config.index_db}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return ""
    return row[0] if row else ""


def _service_fix(service: str) -> str:
    if service.startswith("Tika (verwaltet)"):
        return (
            "Java installieren (apt-get install default-jre-headless) und den Tika-Server laden: "
            "AKTENLOTSE_CACHE_DIR=/var/cache/aktenlotse aktenlotse setup"
        )
    if service.startswith("Tesseract"):
        return "OCR-Pakete installieren: apt-get install tesseract-ocr tesseract-ocr-deu"
    if service.startswith("Index"):
        return "Datenverzeichnis und Rechte prüfen; ein beschädigter Index lässt sich aus der Sicherung zurückspielen."
    if service.startswith("Elasticsearch"):
        return "URL, Zugangsdaten (AKTENLOTSE_ES_PASSWORD) und Erreichbarkeit des Clusters prüfen."
    if service.startswith("OpenSearch"):
        return (
            "URL, Zugangsdaten (AKTENLOTSE_OPENSEARCH_PASSWORD), Erreichbarkeit des Clusters und das "
            "k-NN-Plugin (opensearch-knn) prüfen."
        )
    return "Die Adressen in [extractor] urls prüfen und die Tika-Server starten."


def check_ldap(config: Config) -> Finding:
    """Connect, TLS with certificate check, bind as the service account."""
    auth = config.auth
    if auth.mode != "ldap":
        return Finding("LDAP", True, f"nicht benutzt (auth.mode = {auth.mode})")
    if not auth.url:
        return Finding("LDAP", False, "auth.url fehlt", 'In [auth] url = "ldaps://dc.rathaus.local" eintragen.')
    who = auth.bind_dn or "anonym"
    connection = new_connection(auth, auth.bind_dn, auth.bind_password)
    try:
        open_and_bind(connection, auth)
    except ldap_errors.LDAPInvalidCredentialsResult:
        return Finding(
            "LDAP-Anmeldung des Dienstkontos",
            False,
            f"{auth.url} lehnt {who} ab (falsches Passwort?)",
            "auth.bind_dn und AKTENLOTSE_LDAP_BIND_PASSWORD (in /etc/aktenlotse/secrets) prüfen.",
        )
    except ldap_errors.LDAPException as exc:
        if is_tls_problem(exc):
            return Finding(
                "LDAP-TLS-Zertifikat",
                False,
                f"{auth.url}: Zertifikat nicht gültig ({exc})",
                "auth.ca_cert auf die CA des Domänencontrollers setzen (PEM-Datei).",
            )
        return Finding(
            "LDAP erreichbar",
            False,
            f"{auth.url}: {exc}",
            "Adresse, Port (636/389) und Firewall zum Domänencontroller prüfen.",
        )
    finally:
        unbind_quietly(connection)
    secured = "TLS-Zertifikat gültig" if uses_tls(auth) else "ohne TLS"
    return Finding("LDAP", True, f"{auth.url}, angemeldet als {who}, {secured}")


def check_smb(source: SourceConfig) -> Finding:
    """The service account opens the share and lists its root."""
    import smbclient  # only for SMB sources: loads smbprotocol and its crypto, which a local setup never needs

    name = f"SMB-Quelle {source.name}"
    try:
        smbclient.register_session(
            source.smb_server,
            username=source.smb_username or None,
            password=source.smb_password or None,
            port=source.smb_port,
            auth_protocol="ntlm",
            encrypt=source.smb_encrypt or None,
        )
        with smbclient.scandir(source.unc_root, port=source.smb_port) as entries:
            next(iter(entries), None)
    except Exception as exc:  # smbprotocol raises many unrelated types; each is a finding here
        return Finding(
            name,
            False,
            f"{source.unc_root}: {exc}",
            "Server, Freigabe und Dienstkonto (AKTENLOTSE_SMB_USER/-PASSWORD) prüfen; "
            "das Konto braucht Leserechte auf der Freigabe.",
        )
    return Finding(name, True, f"{source.unc_root} lesbar")


def check_share_acl(source: SourceConfig) -> Finding:
    """The share's own ACL ("Freigabeberechtigungen") as the crawl reads it: counted,
    deliberately ignored, or unreadable (then the crawl hides the whole share)."""
    name = f"Freigabe-ACL {source.name}"
    ok, line = cli_check.share_acl_status(source)
    if ok:
        return Finding(name, True, line)
    return Finding(
        name,
        False,
        line,
        "Dem Dienstkonto das Lesen der Freigabeberechtigungen erlauben (Windows: Mitglied der "
        'lokalen Gruppe "Administratoren" oder "Server-Operatoren" des Dateiservers), '
        'oder share_acl = "ignore" setzen, wenn die Freigabe das Lesen nicht einschränkt.',
    )


def check_local_source(source: SourceConfig) -> Finding:
    root = Path(source.root)
    if root.is_dir() and os.access(root, os.R_OK | os.X_OK):
        return Finding(f"Quelle {source.name}", True, str(root))
    return Finding(
        f"Quelle {source.name}",
        False,
        f"{root} fehlt oder ist nicht lesbar",
        "Freigabe einhängen bzw. dem Dienstkonto Leserechte geben.",
    )


def check_disk(config: Config) -> Finding:
    path = config.data_dir if config.data_dir.exists() else config.data_dir.parent
    try:
        free = shutil.disk_usage(path).free
    except OSError as exc:
        return Finding("Speicherplatz", False, f"{path}: {exc.strerror}", "Datenverzeichnis prüfen.")
    detail = f"{free / 1024**3:.1f} GB frei in {path}"
    return Finding(
        "Speicherplatz",
        free >= MIN_FREE_BYTES,
        detail,
        "Mindestens 2 GB frei halten (Index und Sicherungen wachsen mit den Dateien).",
    )


def check_port(config: Config) -> Finding:
    problem = port_problem(config.portal.host, config.portal.port)
    where = f"{config.portal.host}:{config.portal.port}"
    if problem is None:
        return Finding("Portal-Port frei", True, where)
    return Finding("Portal-Port", False, problem, warning_only="belegt" in problem)


def run_doctor(config: Config) -> list[Finding]:
    findings = [check_config(config), check_data_dir(config), *check_services(config), check_ldap(config)]
    for source in config.sources:
        if source.is_smb:
            reachable = check_smb(source)
            # The share ACL is read over the same session: on an unreachable share it would
            # only repeat the failure after another timeout.
            findings += [reachable, check_share_acl(source)] if reachable.ok else [reachable]
        else:
            findings.append(check_local_source(source))
    return findings + [check_disk(config), check_port(config)]


def cmd_doctor(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(Finding("Konfiguration", False, str(exc), "Die genannte Einstellung in der Datei korrigieren.").line())
        return 1
    findings = run_doctor(config)
    for finding in findings:
        print(finding.line())
    failed = sum(f.failed for f in findings)
    print(f"\n{failed} Fehler." if failed else "\nAlles in Ordnung.")
    return 1 if failed else 0


def configure(p: argparse.ArgumentParser) -> None:
    """Arguments of `doctor` (none)."""
    p.set_defaults(func=cmd_doctor)
