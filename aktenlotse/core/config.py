"""Configuration: one TOML file, environment overrides for secrets, validated into dataclasses.

A wrong or missing setting raises `ConfigError` whose message is one line naming the key;
the CLI prints it and exits, never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aktenlotse.core import config_values as values
from aktenlotse.core.cache_dir import CACHE_DIR_ENV, default_cache_dir
from aktenlotse.core.config_auth import AuthConfig, parse_auth
from aktenlotse.core.config_dms import DmsConfig, ReportConfig, parse_dms, parse_report
from aktenlotse.core.config_index import BACKEND_KINDS, ElasticsearchConfig, IndexConfig, parse_index
from aktenlotse.core.config_settings import read_settings, setting
from aktenlotse.core.config_sources import ADHOC_PREFIX, SourceConfig, parse_smb_root, parse_source
from aktenlotse.core.config_values import ConfigError
from aktenlotse.core.records import ExtractLimits

# The settings' types live in one module per table; callers import them all from here.
__all__ = [
    "ADHOC_PREFIX",
    "BACKEND_KINDS",
    "CONFIG_ENV",
    "DEFAULT_CONFIG_NAME",
    "EXTRACTOR_KINDS",
    "AuthConfig",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "DmsConfig",
    "ElasticsearchConfig",
    "EnrichConfig",
    "ExtractorConfig",
    "IndexConfig",
    "PortalConfig",
    "ReportConfig",
    "SourceConfig",
    "find_config_file",
    "load_config",
    "parse_config",
    "parse_smb_root",
]

CONFIG_ENV = "AKTENLOTSE_CONFIG"
DEFAULT_CONFIG_NAME = "aktenlotse.toml"
EXTRACTOR_KINDS = ("managed", "external", "inprocess")


@dataclass(frozen=True)
class ExtractorConfig:
    kind: str = "managed"
    java: str = "java"
    tika_jar: Path | None = None  # None: the cached jar fetched by `aktenlotse setup`
    urls: tuple[str, ...] = ()
    heap_mb: int = setting(1024, at_least=128)
    timeout_s: float = setting(120.0, at_least=1)
    max_text_chars: int = setting(2_000_000, at_least=1000)
    max_members: int = setting(1000, at_least=1)
    max_total_chars: int = setting(50_000_000, at_least=1000)
    ocr_language: str = setting("deu")
    ocr_timeout_s: float = setting(300.0, at_least=1)

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

    enabled: bool = setting(True)
    embeddings: bool = setting(True)
    model: str = setting("use-static")
    # 100-word chunks with 20 words overlap measured best for German legal/administrative
    # texts (docs/evaluation.md).
    chunk_words: int = setting(100, at_least=10)
    chunk_overlap: int = setting(20, at_least=0)
    # Bounds that keep one file from filling memory or stalling a pass: characters per
    # chunk and chunks per document (the rest stays found by full text).
    chunk_chars: int = setting(2000, at_least=200)
    max_chunks: int = setting(500, at_least=1)
    batch_size: int = setting(32, at_least=1)
    threads: int = setting(2, at_least=1)


@dataclass(frozen=True)
class PortalConfig:
    host: str = setting("127.0.0.1")
    port: int = 8501  # read by `values.port` (it also has an upper bound)
    title: str = setting("Aktenlotse")
    page_size: int = setting(10, at_least=1)
    # Days the search analytics keep a search (without user names); 0 logs no searches.
    search_log_days: int = setting(90, at_least=0)


@dataclass(frozen=True)
class CrawlConfig:
    workers: int = setting(4, at_least=1)
    batch_size: int = setting(200, at_least=1)


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
    values.reject_unknown(data, values.settings_of(Config, besides=("path",)), "")
    data_dir = values.path(data.get("data_dir", "data"), "data_dir", base_dir)
    cache_dir = values.path(data["cache_dir"], "cache_dir", base_dir) if "cache_dir" in data else default_cache_dir()
    sources_raw = data.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError("sources: must be a list of [[sources]] tables")
    sources = tuple(parse_source(item, i, base_dir) for i, item in enumerate(sources_raw))
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"sources: name {name!r} is used twice")
    return Config(
        data_dir=data_dir,
        cache_dir=cache_dir,
        sources=sources,
        extractor=_extractor(values.table(data, "extractor"), base_dir),
        crawl=_crawl(values.table(data, "crawl")),
        index=parse_index(values.table(data, "index"), base_dir),
        enrich=_enrich(values.table(data, "enrich")),
        auth=parse_auth(values.table(data, "auth"), base_dir),
        portal=_portal(values.table(data, "portal")),
        dms=parse_dms(values.table(data, "dms"), base_dir),
        report=parse_report(values.table(data, "report"), base_dir),
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


def _extractor(table: dict[str, Any], base_dir: Path) -> ExtractorConfig:
    prefix = "extractor."
    values.reject_unknown(table, values.settings_of(ExtractorConfig), prefix)
    kind = table.get("kind", "managed")
    if kind not in EXTRACTOR_KINDS:
        raise ConfigError(f"{prefix}kind: must be one of {', '.join(EXTRACTOR_KINDS)}, not {kind!r}")
    urls = values.strings(table, "urls", prefix)
    if kind == "external" and not urls:
        raise ConfigError(f'{prefix}urls: needs at least one Tika server URL when kind = "external"')
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{prefix}urls: {url!r} is not an http(s) URL")
    java = table.get("java", "java")
    if not isinstance(java, str) or not java:
        raise ConfigError(f"{prefix}java: must be a command or path")
    jar = values.path(table["tika_jar"], prefix + "tika_jar", base_dir) if table.get("tika_jar") else None
    return ExtractorConfig(
        kind=kind, java=java, tika_jar=jar, urls=urls, **read_settings(table, ExtractorConfig, prefix)
    )


def _crawl(table: dict[str, Any]) -> CrawlConfig:
    prefix = "crawl."
    values.reject_unknown(table, values.settings_of(CrawlConfig), prefix)
    return CrawlConfig(**read_settings(table, CrawlConfig, prefix))


def _enrich(table: dict[str, Any]) -> EnrichConfig:
    prefix = "enrich."
    values.reject_unknown(table, values.settings_of(EnrichConfig), prefix)
    read = read_settings(table, EnrichConfig, prefix)
    if read["chunk_overlap"] >= read["chunk_words"]:
        raise ConfigError(f"{prefix}chunk_overlap: must be smaller than enrich.chunk_words ({read['chunk_words']})")
    if not read["model"]:
        raise ConfigError(f"{prefix}model: must name a model or a local path")
    return EnrichConfig(**read)


def _portal(table: dict[str, Any]) -> PortalConfig:
    prefix = "portal."
    values.reject_unknown(table, values.settings_of(PortalConfig), prefix)
    return PortalConfig(port=values.port(table, prefix), **read_settings(table, PortalConfig, prefix))
