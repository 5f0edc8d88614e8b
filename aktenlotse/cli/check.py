"""`aktenlotse check`: are the configured services reachable?

One line per service (index backend, Tika): reachable yes/no, its version, and what is
wrong if not. Exit code 1 when anything is wrong, so a timer or monitoring can use it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from dataclasses import asdict, dataclass

import requests

from aktenlotse.core.config import Config, SourceConfig, load_config
from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.tika_jar import TikaSetupError, require_tika_jar, tika_jar_path
from aktenlotse.pipeline.app import open_backend
from aktenlotse.search.backend import BackendError
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend


@dataclass
class ServiceCheck:
    service: str
    target: str
    ok: bool
    version: str = ""
    problem: str = ""

    def line(self) -> str:
        state = "erreichbar: ja" if self.ok else "erreichbar: nein"
        version = f", Version {self.version}" if self.version else ""
        problem = f" – {self.problem}" if self.problem else ""
        return f"{self.service} ({self.target}): {state}{version}{problem}"


def check_index(config: Config) -> ServiceCheck:
    """The configured index backend: open it (creates/migrates the index on a search server,
    which also refuses an engine that does not fit) and count."""
    if config.index.backend in ("elasticsearch", "opensearch"):
        server = config.index.server
        target = ", ".join(server.urls) + f", Index {server.index}"
        try:
            server_backend = ElasticsearchBackend(server)
        except BackendError as exc:
            return ServiceCheck(server.engine_name, target, False, problem=str(exc))
        try:
            version = server_backend.server_version()
            documents = server_backend.stats()["documents"]
        except BackendError as exc:
            return ServiceCheck(server.engine_name, target, False, problem=str(exc))
        finally:
            server_backend.close()
        return ServiceCheck(server.engine_name, target, True, version, f"{documents} Dokumente, Version passt")

    try:
        backend = open_backend(config)
        try:
            documents = backend.stats()["documents"]
        finally:
            backend.close()
    except BackendError as exc:
        return ServiceCheck("Index (eingebettet)", str(config.index_db), False, problem=str(exc))
    return ServiceCheck("Index (eingebettet)", str(config.index_db), True, "SQLite", f"{documents} Dokumente")


def tika_version(url: str, timeout_s: float = 5.0) -> str:
    """The version a Tika server reports at /version; raises requests exceptions."""
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(f"{url.rstrip('/')}/version", timeout=timeout_s)
        response.raise_for_status()
        return response.text.strip()


def check_tika(config: Config) -> list[ServiceCheck]:
    """External Tika URLs (reachable, version) or the managed server's prerequisites."""
    extractor = config.extractor
    if extractor.kind == "inprocess":
        try:
            import iscc_tika  # noqa: F401  (the check itself: does the optional extractor load?)
        except ImportError as exc:
            return [ServiceCheck("Tika (im Prozess)", "iscc-tika", False, problem=f"nicht installiert ({exc})")]
        return [ServiceCheck("Tika (im Prozess)", "iscc-tika", True)]
    if extractor.kind == "external":
        checks = []
        for url in extractor.urls:
            try:
                checks.append(ServiceCheck("Tika-Server", url, True, tika_version(url)))
            except requests.ConnectionError as exc:
                cause = "Verbindung abgelehnt" if "refused" in str(exc).lower() else "keine Verbindung"
                checks.append(ServiceCheck("Tika-Server", url, False, problem=cause))
            except requests.Timeout:
                checks.append(ServiceCheck("Tika-Server", url, False, problem="Zeitüberschreitung"))
            except requests.RequestException as exc:
                checks.append(
                    ServiceCheck("Tika-Server", url, False, problem=f"antwortet nicht wie ein Tika-Server ({exc})")
                )
        return checks

    problems = []
    try:
        jar = str(require_tika_jar(extractor.tika_jar or tika_jar_path(config.cache_dir)))
    except TikaSetupError as exc:
        jar = str(extractor.tika_jar or "Tika-Jar")
        problems.append(str(exc))
    java = shutil.which(extractor.java)
    version = ""
    if java is None:
        problems.append(f"Java nicht gefunden ({extractor.java!r}); Debian: openjdk-17-jre-headless")
    else:
        try:
            out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=20)
            version = (out.stderr or out.stdout).strip().splitlines()[0] if (out.stderr or out.stdout).strip() else ""
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"Java startet nicht ({exc})")
    checks = [ServiceCheck("Tika (verwaltet)", jar, not problems, version, "; ".join(problems))]
    if any(source.ocr for source in config.sources):
        checks.append(check_tesseract(extractor.ocr_language))
    return checks


def check_tesseract(language: str) -> ServiceCheck:
    """Tesseract on PATH with the OCR language (for the managed Tika server's OCR)."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return ServiceCheck(
            "Tesseract (OCR)", "tesseract", False, problem="nicht gefunden; Debian: tesseract-ocr tesseract-ocr-deu"
        )
    try:
        langs = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=20).stdout.split()
        version = subprocess.run([tesseract, "--version"], capture_output=True, text=True, timeout=20).stdout.split(
            "\n"
        )[0]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ServiceCheck("Tesseract (OCR)", tesseract, False, problem=str(exc))
    missing = [lang for lang in language.split("+") if lang not in langs]
    if missing:
        return ServiceCheck(
            "Tesseract (OCR)",
            tesseract,
            False,
            version,
            f"Sprache {', '.join(missing)} fehlt (Debian: tesseract-ocr-{missing[0]})",
        )
    return ServiceCheck("Tesseract (OCR)", tesseract, True, version)


def check_share_acls(config: Config) -> list[ServiceCheck]:
    """Per SMB source: whether its share's own ACL is read and counted, ignored by
    setting, or unreadable (then nobody sees the share: fail closed)."""
    checks = []
    for source_config in config.sources:
        if source_config.is_smb:
            ok, line = share_acl_status(source_config)
            checks.append(ServiceCheck(f"Freigabe {source_config.name}", source_config.unc_root, ok, problem=line))
    return checks


def share_acl_status(source_config: SourceConfig) -> tuple[bool, str]:
    """(counted or deliberately ignored, one German line), read now over SMB with the
    service account, exactly as the crawl reads it (also used by `aktenlotse doctor`)."""
    source = SmbSource(source_config)
    try:
        return source.share_acl_status()
    finally:
        source.close()


def run_checks(config: Config) -> list[ServiceCheck]:
    return [check_index(config), *check_tika(config), *check_share_acls(config)]


def cmd_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    checks = run_checks(config)
    if getattr(args, "json", False):
        print(json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check.line())
    return 0 if all(c.ok for c in checks) else 1


def configure(p: argparse.ArgumentParser) -> None:
    """Arguments of `check`."""
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_check)
