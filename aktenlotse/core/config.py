"""Configuration: one TOML file, environment overrides for secrets, validated into dataclasses.

A wrong or missing setting raises `ConfigError` whose message is one line naming the key;
the CLI prints it and exits, never a traceback.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aktenlotse.core.cache_dir import CACHE_DIR_ENV, default_cache_dir
from aktenlotse.core.config_dms import DmsConfig, ReportConfig, parse_dms, parse_report
from aktenlotse.core.records import ExtractLimits

CONFIG_ENV = "AKTENLOTSE_CONFIG"
DEFAULT_CONFIG_NAME = "aktenlotse.toml"
EXTRACTOR_KINDS = ("managed", "external", "inprocess")
BACKEND_KINDS = ("embedded", "elasticsearch")
# Source names of folders crawled by path (`aktenlotse crawl PATH`); never a configured name.
ADHOC_PREFIX = "adhoc:"


class ConfigError(Exception):
    """A setting is wrong or missing. The message names the key."""


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
        path = _path(item["credentials_file"], prefix + "credentials_file", base_dir)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{prefix}credentials_file: {path} cannot be read ({exc.strerror})") from None
        values = {}
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                values[key.strip().lower()] = value.strip()
        user = user or values.get("username", "")
        password = password or values.get("password", "")
        if values.get("domain") and user and "\\" not in user and "@" not in user:
            user = f"{values['domain']}\\{user}"
        if not user or not password:
            raise ConfigError(f"{prefix}credentials_file: needs lines 'username = …' and 'password = …'")
    return user, password


@dataclass(frozen=True)
class ExtractorConfig:
    kind: str = "managed"
    java: str = "java"
    tika_jar: Path | None = None  # None: the cached jar fetched by `aktenlotse setup`
    urls: tuple[str, ...] = ()
    heap_mb: int = 1024
    timeout_s: float = 120.0
    max_text_chars: int = 2_000_000
    max_members: int = 1000
    max_total_chars: int = 50_000_000
    ocr_language: str = "deu"
    ocr_timeout_s: float = 300.0

    def limits(self, timeout_s: float | None = None) -> ExtractLimits:
        """The per-file bounds for an extractor (`timeout_s` overrides the configured one)."""
        return ExtractLimits(
            timeout_s=timeout_s or self.timeout_s,
            max_text_chars=self.max_text_chars,
            max_members=self.max_members,
            max_total_chars=self.max_total_chars,
        )


@dataclass(frozen=True)
class EnrichConfig:
    """Enrichment. `model`: "use-static" (offline default: USE multilingual v3 as a per-piece
    table, ~70× faster at equal quality), "use-multilingual" (the full USE network, numpy),
    "minilm" (offline, needs the `transformers` extra), or any sentence-transformers model
    name or local path."""

    enabled: bool = True
    embeddings: bool = True
    model: str = "use-static"
    # 100-word chunks with 20 words overlap measured best for German legal/administrative
    # texts (docs/evaluation.md).
    chunk_words: int = 100
    chunk_overlap: int = 20
    # Bounds that keep one file from filling memory or stalling a pass: characters per
    # chunk and chunks per document (the rest stays found by full text).
    chunk_chars: int = 2000
    max_chunks: int = 500
    batch_size: int = 32
    threads: int = 2


@dataclass(frozen=True)
class ElasticsearchConfig:
    """Connection to Elasticsearch. Secrets come from the environment:
    AKTENLOTSE_ES_PASSWORD, AKTENLOTSE_ES_API_KEY."""

    urls: tuple[str, ...] = ("http://127.0.0.1:9200",)
    index: str = "aktenlotse"
    username: str = ""
    password: str = ""  # only from env AKTENLOTSE_ES_PASSWORD
    api_key: str = ""  # only from env AKTENLOTSE_ES_API_KEY
    ca_cert: Path | None = None
    verify_certs: bool = True
    timeout_s: float = 30.0
    max_retries: int = 5
    bulk_size: int = 500


@dataclass(frozen=True)
class AuthConfig:
    """Portal login against LDAP / Active Directory. The service account's password comes
    from the environment (AKTENLOTSE_LDAP_BIND_PASSWORD), never from the file."""

    mode: str = "ldap"  # ldap | demo (a small built-in directory, with a banner)
    url: str = ""
    start_tls: bool = False
    allow_plain: bool = False  # plain ldap:// without TLS only when set explicitly
    ca_cert: Path | None = None
    base_dn: str = ""
    user_filter: str = "(&(objectClass=person)(|(sAMAccountName={username})(uid={username})))"
    bind_dn: str = ""
    bind_password: str = ""  # only from env AKTENLOTSE_LDAP_BIND_PASSWORD
    nested_groups: str = "auto"  # auto | in_chain | token_groups | member_of | recursive
    timeout_s: float = 5.0
    session_timeout_min: int = 30
    max_failures: int = 5
    lockout_min: int = 15
    roles: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"digitallotse": ("digitallotsen",), "ag_dms": ("ag-dms",), "admin": ("portal-admins",)}
    )


@dataclass(frozen=True)
class PortalConfig:
    host: str = "127.0.0.1"
    port: int = 8501
    title: str = "Aktenlotse"
    page_size: int = 10


@dataclass(frozen=True)
class CrawlConfig:
    workers: int = 4
    batch_size: int = 200


@dataclass(frozen=True)
class IndexConfig:
    backend: str = "embedded"
    elasticsearch: ElasticsearchConfig = ElasticsearchConfig()


@dataclass(frozen=True)
class Config:
    data_dir: Path
    sources: tuple[SourceConfig, ...] = ()
    extractor: ExtractorConfig = ExtractorConfig()
    crawl: CrawlConfig = CrawlConfig()
    index: IndexConfig = IndexConfig()
    enrich: EnrichConfig = EnrichConfig()
    auth: AuthConfig = AuthConfig()
    portal: PortalConfig = PortalConfig()
    dms: DmsConfig = DmsConfig()
    report: ReportConfig = ReportConfig()
    path: Path | None = None  # the file it came from
    # Downloads and derived caches (Tika jar, models): `cache_dir`, env AKTENLOTSE_CACHE_DIR.
    cache_dir: Path = field(default_factory=default_cache_dir)

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.sqlite"

    @property
    def index_db(self) -> Path:
        return self.data_dir / "index.sqlite"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"sources: no source named {name!r}")


def find_config_file(explicit: str | Path | None) -> Path | None:
    """--config, then $AKTENLOTSE_CONFIG, then ./aktenlotse.toml; None if none exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.exists() else None


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the configuration. Without any file: defaults with ./data."""
    path = find_config_file(explicit)
    if path is None:
        return parse_config({}, base_dir=Path.cwd())
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    config = parse_config(data, base_dir=path.resolve().parent)
    return Config(**{**config.__dict__, "path": path})


def parse_config(data: dict[str, Any], base_dir: Path) -> Config:
    """Validate a parsed TOML document; relative paths are taken relative to `base_dir`."""
    data = _with_env_overrides(data)
    _reject_unknown(
        data,
        {
            "data_dir",
            "cache_dir",
            "sources",
            "extractor",
            "crawl",
            "index",
            "enrich",
            "auth",
            "portal",
            "dms",
            "report",
        },
        "",
    )
    data_dir = _path(data.get("data_dir", "data"), "data_dir", base_dir)
    cache_dir = _path(data["cache_dir"], "cache_dir", base_dir) if "cache_dir" in data else default_cache_dir()
    sources_raw = data.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError("sources: must be a list of [[sources]] tables")
    sources = tuple(_source(item, i, base_dir) for i, item in enumerate(sources_raw))
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"sources: name {name!r} is used twice")
    return Config(
        data_dir=data_dir,
        cache_dir=cache_dir,
        sources=sources,
        extractor=_extractor(_table(data, "extractor"), base_dir),
        crawl=_crawl(_table(data, "crawl")),
        index=_index(_table(data, "index"), base_dir),
        enrich=_enrich(_table(data, "enrich")),
        auth=_auth(_table(data, "auth"), base_dir),
        portal=_portal(_table(data, "portal")),
        dms=parse_dms(_table(data, "dms"), base_dir, sys.modules[__name__]),
        report=parse_report(_table(data, "report"), base_dir, sys.modules[__name__]),
    )


def _with_env_overrides(data: dict[str, Any]) -> dict[str, Any]:
    """Environment wins over the file for what admins keep out of files."""
    data = dict(data)
    if os.environ.get("AKTENLOTSE_DATA_DIR"):
        data["data_dir"] = os.environ["AKTENLOTSE_DATA_DIR"]
    if os.environ.get(CACHE_DIR_ENV):
        data["cache_dir"] = os.environ[CACHE_DIR_ENV]
    if os.environ.get("AKTENLOTSE_TIKA_URLS"):
        extractor = dict(data.get("extractor", {}))
        extractor["urls"] = [u.strip() for u in os.environ["AKTENLOTSE_TIKA_URLS"].split(",") if u.strip()]
        extractor.setdefault("kind", "external")
        data["extractor"] = extractor
    return data


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a table ([{key}])")
    return value


def _reject_unknown(table: dict[str, Any], known: set[str], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown setting (known: {', '.join(sorted(known))})")


def _path(value: Any, key: str, base_dir: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key}: must be a non-empty path string")
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base_dir / path


def _number(table: dict[str, Any], key: str, default: float, prefix: str, minimum: float, integer: bool = False) -> Any:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{prefix}{key}: must be {kind}")
    if value < minimum:
        raise ConfigError(f"{prefix}{key}: must be at least {minimum}")
    return value


def _strings(table: dict[str, Any], key: str, prefix: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{prefix}{key}: must be a list of strings")
    return tuple(value)


def _source(item: Any, index: int, base_dir: Path) -> SourceConfig:
    prefix = f"sources[{index}]."
    if not isinstance(item, dict):
        raise ConfigError(f"sources[{index}]: must be a table")
    _reject_unknown(
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
            "credentials_file",
            "smb_port",
            "smb_encrypt",
            "smb_connections",
            "smb_requests_in_flight",
            "smb_requests_per_second",
            "smb_max_path",
            "traverse",
            "share_acl",
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
            smb_port=_number(item, "smb_port", 445, prefix, 1, integer=True),
            smb_encrypt=_bool(item, "smb_encrypt", False, prefix),
            smb_connections=_number(item, "smb_connections", 2, prefix, 1, integer=True),
            smb_requests_in_flight=_number(item, "smb_requests_in_flight", 4, prefix, 1, integer=True),
            smb_requests_per_second=_number(item, "smb_requests_per_second", 2000.0, prefix, 0),
            smb_max_path=_number(item, "smb_max_path", 32000, prefix, 10, integer=True),
            share_acl=_choice(item, "share_acl", ("enforced", "ignore"), prefix),
        )
        default_name = smb_path.rsplit("/", 1)[-1] if smb_path else share
    else:
        for key in (
            "credentials_file",
            "smb_port",
            "smb_encrypt",
            "smb_connections",
            "smb_requests_in_flight",
            "smb_requests_per_second",
            "smb_max_path",
            "share_acl",
        ):
            if key in item:
                raise ConfigError(f"{prefix}{key}: only for SMB roots (smb://server/share/folder)")
        root = _path(item["root"], prefix + "root", base_dir)
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
        include=_strings(item, "include", prefix),
        exclude=_strings(item, "exclude", prefix),
        max_file_size_mb=_number(item, "max_file_size_mb", 100.0, prefix, 0.001),
        principal_map=dict(principal_map),
        enrich=_bool(item, "enrich", True, prefix),
        embeddings=_bool(item, "embeddings", True, prefix),
        ocr=_bool(item, "ocr", False, prefix),
        traverse=_choice(item, "traverse", ("enforced", "bypass"), prefix),
        **smb_settings,
    )


def _extractor(table: dict[str, Any], base_dir: Path) -> ExtractorConfig:
    prefix = "extractor."
    _reject_unknown(
        table,
        {
            "kind",
            "java",
            "tika_jar",
            "urls",
            "heap_mb",
            "timeout_s",
            "max_text_chars",
            "max_members",
            "max_total_chars",
            "ocr_language",
            "ocr_timeout_s",
        },
        prefix,
    )
    kind = table.get("kind", "managed")
    if kind not in EXTRACTOR_KINDS:
        raise ConfigError(f"{prefix}kind: must be one of {', '.join(EXTRACTOR_KINDS)}, not {kind!r}")
    urls = _strings(table, "urls", prefix)
    if kind == "external" and not urls:
        raise ConfigError(f'{prefix}urls: needs at least one Tika server URL when kind = "external"')
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{prefix}urls: {url!r} is not an http(s) URL")
    java = table.get("java", "java")
    if not isinstance(java, str) or not java:
        raise ConfigError(f"{prefix}java: must be a command or path")
    jar = _path(table["tika_jar"], prefix + "tika_jar", base_dir) if table.get("tika_jar") else None
    return ExtractorConfig(
        kind=kind,
        java=java,
        tika_jar=jar,
        urls=urls,
        heap_mb=_number(table, "heap_mb", 1024, prefix, 128, integer=True),
        timeout_s=_number(table, "timeout_s", 120.0, prefix, 1),
        max_text_chars=_number(table, "max_text_chars", 2_000_000, prefix, 1000, integer=True),
        max_members=_number(table, "max_members", 1000, prefix, 1, integer=True),
        max_total_chars=_number(table, "max_total_chars", 50_000_000, prefix, 1000, integer=True),
        ocr_language=_string(table, "ocr_language", "deu", prefix),
        ocr_timeout_s=_number(table, "ocr_timeout_s", 300.0, prefix, 1),
    )


def _crawl(table: dict[str, Any]) -> CrawlConfig:
    prefix = "crawl."
    _reject_unknown(table, {"workers", "batch_size"}, prefix)
    return CrawlConfig(
        workers=_number(table, "workers", 4, prefix, 1, integer=True),
        batch_size=_number(table, "batch_size", 200, prefix, 1, integer=True),
    )


def _index(table: dict[str, Any], base_dir: Path) -> IndexConfig:
    prefix = "index."
    _reject_unknown(table, {"backend", "elasticsearch"}, prefix)
    backend = table.get("backend", "embedded")
    if backend not in BACKEND_KINDS:
        raise ConfigError(f"{prefix}backend: must be one of {', '.join(BACKEND_KINDS)}, not {backend!r}")
    return IndexConfig(backend=backend, elasticsearch=_elasticsearch(_table(table, "elasticsearch"), base_dir))


def _elasticsearch(table: dict[str, Any], base_dir: Path) -> ElasticsearchConfig:
    prefix = "index.elasticsearch."
    _reject_unknown(
        table, {"urls", "index", "username", "ca_cert", "verify_certs", "timeout_s", "max_retries", "bulk_size"}, prefix
    )
    urls = _strings(table, "urls", prefix) or ElasticsearchConfig.urls
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{prefix}urls: {url!r} is not an http(s) URL")
    index = _string(table, "index", "aktenlotse", prefix)
    if not index or index != index.lower() or any(c in index for c in ' "*\\<|,>/?'):
        raise ConfigError(f"{prefix}index: {index!r} is not a valid index name (lower case, no spaces or */?\\)")
    ca_cert = _path(table["ca_cert"], prefix + "ca_cert", base_dir) if table.get("ca_cert") else None
    return ElasticsearchConfig(
        urls=urls,
        index=index,
        username=_string(table, "username", "", prefix),
        password=os.environ.get("AKTENLOTSE_ES_PASSWORD", ""),
        api_key=os.environ.get("AKTENLOTSE_ES_API_KEY", ""),
        ca_cert=ca_cert,
        verify_certs=_bool(table, "verify_certs", True, prefix),
        timeout_s=_number(table, "timeout_s", 30.0, prefix, 0.1),
        max_retries=_number(table, "max_retries", 5, prefix, 0, integer=True),
        bulk_size=_number(table, "bulk_size", 500, prefix, 1, integer=True),
    )


def _enrich(table: dict[str, Any]) -> EnrichConfig:
    prefix = "enrich."
    _reject_unknown(
        table,
        {
            "enabled",
            "embeddings",
            "model",
            "chunk_words",
            "chunk_overlap",
            "chunk_chars",
            "max_chunks",
            "batch_size",
            "threads",
        },
        prefix,
    )
    chunk_words = _number(table, "chunk_words", EnrichConfig.chunk_words, prefix, 10, integer=True)
    overlap = _number(table, "chunk_overlap", EnrichConfig.chunk_overlap, prefix, 0, integer=True)
    if overlap >= chunk_words:
        raise ConfigError(f"{prefix}chunk_overlap: must be smaller than enrich.chunk_words ({chunk_words})")
    model = _string(table, "model", EnrichConfig.model, prefix)
    if not model:
        raise ConfigError(f"{prefix}model: must name a model or a local path")
    return EnrichConfig(
        enabled=_bool(table, "enabled", True, prefix),
        embeddings=_bool(table, "embeddings", True, prefix),
        model=model,
        chunk_words=chunk_words,
        chunk_overlap=overlap,
        chunk_chars=_number(table, "chunk_chars", EnrichConfig.chunk_chars, prefix, 200, integer=True),
        max_chunks=_number(table, "max_chunks", EnrichConfig.max_chunks, prefix, 1, integer=True),
        batch_size=_number(table, "batch_size", 32, prefix, 1, integer=True),
        threads=_number(table, "threads", 2, prefix, 1, integer=True),
    )


def _portal(table: dict[str, Any]) -> PortalConfig:
    prefix = "portal."
    _reject_unknown(table, {"host", "port", "title", "page_size"}, prefix)
    return PortalConfig(
        host=_string(table, "host", "127.0.0.1", prefix),
        port=_port(table, prefix),
        title=_string(table, "title", "Aktenlotse", prefix),
        page_size=_number(table, "page_size", 10, prefix, 1, integer=True),
    )


def _port(table: dict[str, Any], prefix: str) -> int:
    port = _number(table, "port", 8501, prefix, 1, integer=True)
    if port > 65535:
        raise ConfigError(f"{prefix}port: {port} ist kein Port (erlaubt: 1 bis 65535)")
    return port


AUTH_MODES = ("ldap", "demo")
NESTED_GROUP_STRATEGIES = ("auto", "in_chain", "token_groups", "member_of", "recursive")
ROLE_NAMES = ("digitallotse", "ag_dms", "admin")


def _auth(table: dict[str, Any], base_dir: Path) -> AuthConfig:
    prefix = "auth."
    _reject_unknown(
        table,
        {
            "mode",
            "url",
            "start_tls",
            "allow_plain",
            "ca_cert",
            "base_dn",
            "user_filter",
            "bind_dn",
            "nested_groups",
            "timeout_s",
            "session_timeout_min",
            "max_failures",
            "lockout_min",
            "roles",
        },
        prefix,
    )
    mode = _string(table, "mode", "ldap", prefix)
    if mode not in AUTH_MODES:
        raise ConfigError(f"{prefix}mode: must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    url = _string(table, "url", "", prefix)
    start_tls = _bool(table, "start_tls", False, prefix)
    allow_plain = _bool(table, "allow_plain", False, prefix)
    if url and not url.startswith(("ldap://", "ldaps://")):
        raise ConfigError(f"{prefix}url: {url!r} is not an ldap:// or ldaps:// URL")
    if url.startswith("ldap://") and not (start_tls or allow_plain):
        raise ConfigError(
            f"{prefix}url: ldap:// sends passwords in clear text; set auth.start_tls = true, "
            "use ldaps://, or set auth.allow_plain = true explicitly"
        )
    user_filter = _string(table, "user_filter", AuthConfig.user_filter, prefix)
    if "{username}" not in user_filter:
        raise ConfigError(f"{prefix}user_filter: must contain {{username}}")
    nested = _string(table, "nested_groups", "auto", prefix)
    if nested not in NESTED_GROUP_STRATEGIES:
        raise ConfigError(f"{prefix}nested_groups: must be one of {', '.join(NESTED_GROUP_STRATEGIES)}")
    roles_raw = table.get("roles")
    roles = dict(AuthConfig().roles)
    if roles_raw is not None:
        if not isinstance(roles_raw, dict):
            raise ConfigError(f"{prefix}roles: must be a table of role = [group names]")
        for role, groups in roles_raw.items():
            if role not in ROLE_NAMES:
                raise ConfigError(f"{prefix}roles.{role}: unknown role (known: {', '.join(ROLE_NAMES)})")
            if isinstance(groups, str):
                groups = [groups]
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                raise ConfigError(f"{prefix}roles.{role}: must be a list of group names")
            roles[role] = tuple(g.lower() for g in groups)
    return AuthConfig(
        mode=mode,
        url=url,
        start_tls=start_tls,
        allow_plain=allow_plain,
        ca_cert=_path(table["ca_cert"], prefix + "ca_cert", base_dir) if table.get("ca_cert") else None,
        base_dn=_string(table, "base_dn", "", prefix),
        user_filter=user_filter,
        bind_dn=_string(table, "bind_dn", "", prefix),
        bind_password=os.environ.get("AKTENLOTSE_LDAP_BIND_PASSWORD", ""),
        nested_groups=nested,
        timeout_s=_number(table, "timeout_s", 5.0, prefix, 0.1),
        session_timeout_min=_number(table, "session_timeout_min", 30, prefix, 1, integer=True),
        max_failures=_number(table, "max_failures", 5, prefix, 1, integer=True),
        lockout_min=_number(table, "lockout_min", 15, prefix, 1, integer=True),
        roles=roles,
    )


def _bool(table: dict[str, Any], key: str, default: bool, prefix: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{prefix}{key}: must be true or false")
    return value


def _choice(table: dict[str, Any], key: str, allowed: tuple[str, ...], prefix: str) -> str:
    """One of `allowed` (the first is the default)."""
    value = table.get(key, allowed[0])
    if value not in allowed:
        spelled = " oder ".join(f'"{a}"' for a in allowed)
        raise ConfigError(f"{prefix}{key}: muss {spelled} sein, nicht {value!r}")
    return value


def _string(table: dict[str, Any], key: str, default: str, prefix: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{prefix}{key}: must be a string")
    return value
