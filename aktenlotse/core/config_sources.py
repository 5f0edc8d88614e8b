"""The `[[sources]]` tables: one crawl root each (a local folder or an SMB share), with the
SMB address and the credentials parsed and checked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aktenlotse.core import config_values as values
from aktenlotse.core.config_values import ConfigError

# Source names of folders crawled by path (`aktenlotse crawl PATH`); never a configured name.
ADHOC_PREFIX = "adhoc:"


@dataclass(frozen=True)
class SourceConfig:
    """One crawl root (a local folder or a mounted share)."""

    name: str
    root: Path
    display_root: str = ""  # shown to users instead of `root`, e.g. \\rathaus\daten
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size_mb: float = 100.0
    # Local ids seen on the mount -> directory principals, e.g. "group:61002" -> "group:personal".
    principal_map: dict[str, str] = field(default_factory=dict)
    # Per-source switches: NLP enrichment (keywords, entities, Aktenplan suggestions),
    # embeddings (second pass), OCR of scans (second pass).
    enrich: bool = True
    embeddings: bool = True
    ocr: bool = False
    # Whether the server checks traverse on every folder of a path ("enforced": a folder
    # that refuses a user hides everything below it from them) or lets everyone pass
    # ("bypass": Windows' "Bypass traverse checking" granted to all users).
    traverse: str = "enforced"
    # SMB share crawled directly (root `smb://server/share/path` or `\\server\share\path`).
    # Credentials: env AKTENLOTSE_SMB_USER / AKTENLOTSE_SMB_PASSWORD, else `credentials_file`
    # (lines `username = …`, `password = …`, optional `domain = …`, as smbclient -A reads).
    smb_server: str = ""
    smb_share: str = ""
    smb_path: str = ""  # below the share, '/'-separated, '' for the share root
    smb_port: int = 445
    smb_username: str = ""
    smb_password: str = field(default="", repr=False)
    smb_encrypt: bool = False  # require encryption; otherwise signing/encryption as the server demands
    smb_connections: int = 2  # parallel SMB connections for reading security descriptors
    smb_requests_in_flight: int = 4  # requests (of up to 8 files each) outstanding per connection
    smb_requests_per_second: float = 2000.0  # file operations, all connections together; 0: no limit
    smb_max_path: int = 32000  # longer UNC paths become error records
    # "enforced": the share's own ACL counts (unreadable for the account: nobody sees the
    # share); "ignore": the admin asserts that the share ACL does not restrict reading.
    share_acl: str = "enforced"
    # How long the share ACL's srvsvc call may take: a server that accepts and never answers
    # leaves the share unverified (hidden) instead of holding up the crawl.
    share_acl_timeout_s: float = 10.0

    @property
    def is_smb(self) -> bool:
        return bool(self.smb_server)

    @property
    def unc_root(self) -> str:
        """\\\\server\\share\\path"""
        tail = "\\" + self.smb_path.replace("/", "\\") if self.smb_path else ""
        return f"\\\\{self.smb_server}\\{self.smb_share}{tail}"


def parse_smb_root(value: str) -> tuple[str, str, str] | None:
    """(server, share, path) of `smb://server/share/path`, `\\\\server\\share\\path` or
    `//server/share/path`; None for anything else (a local folder)."""
    if value.lower().startswith("smb://"):
        rest = value[6:]
    elif value.startswith("\\\\") or value.startswith("//"):
        rest = value[2:]
    else:
        return None
    parts = [p for p in rest.replace("\\", "/").split("/") if p]
    if len(parts) < 2 or any(p in (".", "..") for p in parts):
        raise ConfigError(f"root: {value!r} must name a server and a share (smb://server/share/folder)")
    return parts[0], parts[1], "/".join(parts[2:])


def _smb_credentials(item: dict[str, Any], prefix: str, base_dir: Path) -> tuple[str, str]:
    user = os.environ.get("AKTENLOTSE_SMB_USER", "")
    password = os.environ.get("AKTENLOTSE_SMB_PASSWORD", "")
    if item.get("credentials_file") and not (user and password):
        path = values.path(item["credentials_file"], prefix + "credentials_file", base_dir)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{prefix}credentials_file: {path} cannot be read ({exc.strerror})") from None
        entries = {}
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                entries[key.strip().lower()] = value.strip()
        user = user or entries.get("username", "")
        password = password or entries.get("password", "")
        if entries.get("domain") and user and "\\" not in user and "@" not in user:
            user = f"{entries['domain']}\\{user}"
        if not user or not password:
            raise ConfigError(f"{prefix}credentials_file: needs lines 'username = …' and 'password = …'")
    return user, password


# Settings that only mean something for an SMB root; on a local root they are refused
# rather than ignored (a typo in the root must not silently drop the credentials).
SMB_ONLY_KEYS = (
    "credentials_file",
    "smb_port",
    "smb_encrypt",
    "smb_connections",
    "smb_requests_in_flight",
    "smb_requests_per_second",
    "smb_max_path",
    "share_acl",
    "share_acl_timeout_s",
)


def parse_source(item: Any, index: int, base_dir: Path) -> SourceConfig:
    prefix = f"sources[{index}]."
    if not isinstance(item, dict):
        raise ConfigError(f"sources[{index}]: must be a table")
    values.reject_unknown(
        item,
        {
            "name",
            "root",
            "display_root",
            "include",
            "exclude",
            "max_file_size_mb",
            "principal_map",
            "enrich",
            "embeddings",
            "ocr",
            "traverse",
            *SMB_ONLY_KEYS,
        },
        prefix,
    )
    if "root" not in item:
        raise ConfigError(f"{prefix}root: missing (the folder or mounted share to crawl)")
    if not isinstance(item["root"], str):
        raise ConfigError(f"{prefix}root: must be a non-empty path string")
    try:
        smb = parse_smb_root(item["root"])
    except ConfigError as exc:
        raise ConfigError(prefix + str(exc)) from None
    smb_settings: dict[str, Any] = {}
    if smb:
        server, share, smb_path = smb
        user, password = _smb_credentials(item, prefix, base_dir)
        root = Path("//" + "/".join(p for p in (server, share, smb_path) if p))
        smb_settings = dict(
            smb_server=server,
            smb_share=share,
            smb_path=smb_path,
            smb_username=user,
            smb_password=password,
            smb_port=values.number(item, "smb_port", 445, prefix, 1, integer=True),
            smb_encrypt=values.flag(item, "smb_encrypt", False, prefix),
            smb_connections=values.number(item, "smb_connections", 2, prefix, 1, integer=True),
            smb_requests_in_flight=values.number(item, "smb_requests_in_flight", 4, prefix, 1, integer=True),
            smb_requests_per_second=values.number(item, "smb_requests_per_second", 2000.0, prefix, 0),
            smb_max_path=values.number(item, "smb_max_path", 32000, prefix, 10, integer=True),
            share_acl=values.choice(item, "share_acl", ("enforced", "ignore"), prefix),
            share_acl_timeout_s=values.number(item, "share_acl_timeout_s", 10.0, prefix, 0.1),
        )
        default_name = smb_path.rsplit("/", 1)[-1] if smb_path else share
    else:
        for key in SMB_ONLY_KEYS:
            if key in item:
                raise ConfigError(f"{prefix}{key}: only for SMB roots (smb://server/share/folder)")
        root = values.path(item["root"], prefix + "root", base_dir)
        default_name = root.name or "share"
    name = item.get("name", default_name)
    if not isinstance(name, str) or not name or "/" in name:
        raise ConfigError(f"{prefix}name: must be a non-empty name without '/'")
    if name.startswith(ADHOC_PREFIX):
        raise ConfigError(f"{prefix}name: {ADHOC_PREFIX!r} is reserved for folders crawled by path")
    display_root = item.get("display_root", "")
    if not isinstance(display_root, str):
        raise ConfigError(f"{prefix}display_root: must be a string")
    principal_map = item.get("principal_map", {})
    if not isinstance(principal_map, dict) or not all(isinstance(v, str) for v in principal_map.values()):
        raise ConfigError(f"{prefix}principal_map: must be a table of strings")
    return SourceConfig(
        name=name,
        root=root,
        display_root=display_root,
        include=values.strings(item, "include", prefix),
        exclude=values.strings(item, "exclude", prefix),
        max_file_size_mb=values.number(item, "max_file_size_mb", 100.0, prefix, 0.001),
        principal_map=dict(principal_map),
        enrich=values.flag(item, "enrich", True, prefix),
        embeddings=values.flag(item, "embeddings", True, prefix),
        ocr=values.flag(item, "ocr", False, prefix),
        traverse=values.choice(item, "traverse", ("enforced", "bypass"), prefix),
        **smb_settings,
    )
