"""Settings of the hand-over to the DMS and of the reports for the AG Digitalisierung:
the `[dms]` and `[report]` tables of the config file (parsed by `aktenlotse.core.config`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

SMTP_PASSWORD_ENV = "AKTENLOTSE_SMTP_PASSWORD"
DISPOSAL_CODES = ("A", "B", "V")  # archivieren, bewerten, vernichten (xdomea Aussonderungsart)


@dataclass(frozen=True)
class DmsConfig:
    """`[dms]`: who hands over, to whom, and the defaults the Aktenplan travels with."""

    institution: str = "Stadtverwaltung"
    receiver: str = "Dokumentenmanagementsystem"
    xsd_dir: Path | None = None  # default: the schemas bundled with Aktenlotse
    retention_years: int = 10
    disposal: str = "B"
    # Folder (relative to a source root, '/'-separated) -> Fachbereich; longest prefix wins.
    # Without an entry the top folder is the Fachbereich.
    departments: dict[str, str] = field(default_factory=dict)
    weekly_review_hours: float = 10.0  # reviewer-hours per week the AG DMS plans for


@dataclass(frozen=True)
class ReportConfig:
    """`[report]`: mailing the progress report (SMTP with STARTTLS)."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""  # better from $AKTENLOTSE_SMTP_PASSWORD
    smtp_cafile: Path | None = None  # a private CA for the mail server's certificate
    starttls: bool = True
    mail_from: str = ""
    mail_to: tuple[str, ...] = ()


def parse_dms(table: dict[str, Any], base_dir: Path, helpers: ModuleType) -> DmsConfig:
    """Validate `[dms]`; `helpers` is `aktenlotse.core.config` (its small checkers)."""
    prefix = "dms."
    helpers._reject_unknown(
        table,
        {"institution", "receiver", "xsd_dir", "retention_years", "disposal", "departments", "weekly_review_hours"},
        prefix,
    )
    disposal = helpers._string(table, "disposal", "B", prefix)
    if disposal not in DISPOSAL_CODES:
        raise helpers.ConfigError(f"{prefix}disposal: must be one of {', '.join(DISPOSAL_CODES)}")
    departments = table.get("departments", {})
    if not isinstance(departments, dict) or not all(isinstance(v, str) for v in departments.values()):
        raise helpers.ConfigError(f'{prefix}departments: must be a table of folder = "Fachbereich"')
    return DmsConfig(
        institution=helpers._string(table, "institution", "Stadtverwaltung", prefix),
        receiver=helpers._string(table, "receiver", "Dokumentenmanagementsystem", prefix),
        xsd_dir=helpers._path(table["xsd_dir"], prefix + "xsd_dir", base_dir) if "xsd_dir" in table else None,
        retention_years=helpers._number(table, "retention_years", 10, prefix, 0, integer=True),
        disposal=disposal,
        departments={k.strip("/"): v for k, v in departments.items()},
        weekly_review_hours=helpers._number(table, "weekly_review_hours", 10.0, prefix, 0.1),
    )


def parse_report(table: dict[str, Any], base_dir: Path, helpers: ModuleType) -> ReportConfig:
    """Validate `[report]`; the SMTP password may come from the environment."""
    prefix = "report."
    helpers._reject_unknown(
        table,
        {"smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_cafile", "starttls", "mail_from", "mail_to"},
        prefix,
    )
    return ReportConfig(
        smtp_host=helpers._string(table, "smtp_host", "", prefix),
        smtp_port=helpers._number(table, "smtp_port", 587, prefix, 1, integer=True),
        smtp_user=helpers._string(table, "smtp_user", "", prefix),
        smtp_password=os.environ.get(SMTP_PASSWORD_ENV) or helpers._string(table, "smtp_password", "", prefix),
        smtp_cafile=helpers._path(table["smtp_cafile"], prefix + "smtp_cafile", base_dir)
        if "smtp_cafile" in table
        else None,
        starttls=helpers._bool(table, "starttls", True, prefix),
        mail_from=helpers._string(table, "mail_from", "", prefix),
        mail_to=helpers._strings(table, "mail_to", prefix),
    )
