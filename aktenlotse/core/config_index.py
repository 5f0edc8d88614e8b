"""The `[index]` table: which index backend, and the connection of each search server
(`[index.elasticsearch]`, `[index.opensearch]`: the same keys, secrets from the environment)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aktenlotse.core import config_values as values
from aktenlotse.core.config_values import ConfigError

BACKEND_KINDS = ("embedded", "elasticsearch", "opensearch")
SERVER_ENGINES = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch"}


@dataclass(frozen=True)
class ElasticsearchConfig:
    """Connection to a search server: Elasticsearch (`[index.elasticsearch]`) or OpenSearch
    (`[index.opensearch]`, same keys). Secrets come from the environment:
    AKTENLOTSE_ES_PASSWORD and AKTENLOTSE_ES_API_KEY, AKTENLOTSE_OPENSEARCH_PASSWORD
    (OpenSearch has no API keys)."""

    urls: tuple[str, ...] = ("http://127.0.0.1:9200",)
    index: str = "aktenlotse"
    username: str = ""
    password: str = ""  # only from the environment (PASSWORD_ENV)
    api_key: str = ""  # only from env AKTENLOTSE_ES_API_KEY
    ca_cert: Path | None = None
    verify_certs: bool = True
    timeout_s: float = 30.0
    max_retries: int = 5
    bulk_size: int = 500
    engine: str = "elasticsearch"  # a key of SERVER_ENGINES

    @property
    def engine_name(self) -> str:
        return SERVER_ENGINES[self.engine]

    @property
    def section(self) -> str:
        """The config table, for messages that name a key."""
        return f"index.{self.engine}"

    @property
    def password_env(self) -> str:
        return PASSWORD_ENV[self.engine]


PASSWORD_ENV = {"elasticsearch": "AKTENLOTSE_ES_PASSWORD", "opensearch": "AKTENLOTSE_OPENSEARCH_PASSWORD"}


@dataclass(frozen=True)
class IndexConfig:
    backend: str = "embedded"
    elasticsearch: ElasticsearchConfig = ElasticsearchConfig()
    opensearch: ElasticsearchConfig = ElasticsearchConfig(engine="opensearch")

    @property
    def server(self) -> ElasticsearchConfig:
        """The connection of the chosen search server (backend elasticsearch or opensearch)."""
        return self.opensearch if self.backend == "opensearch" else self.elasticsearch


def parse_index(table: dict[str, Any], base_dir: Path) -> IndexConfig:
    prefix = "index."
    values.reject_unknown(table, {"backend", *SERVER_ENGINES}, prefix)
    backend = table.get("backend", "embedded")
    if backend not in BACKEND_KINDS:
        raise ConfigError(f"{prefix}backend: must be one of {', '.join(BACKEND_KINDS)}, not {backend!r}")
    return IndexConfig(
        backend=backend,
        elasticsearch=_search_server(values.table(table, "elasticsearch"), base_dir, "elasticsearch"),
        opensearch=_search_server(values.table(table, "opensearch"), base_dir, "opensearch"),
    )


def _search_server(table: dict[str, Any], base_dir: Path, engine: str) -> ElasticsearchConfig:
    prefix = f"index.{engine}."
    values.reject_unknown(
        table, {"urls", "index", "username", "ca_cert", "verify_certs", "timeout_s", "max_retries", "bulk_size"}, prefix
    )
    urls = values.strings(table, "urls", prefix) or ElasticsearchConfig.urls
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{prefix}urls: {url!r} is not an http(s) URL")
    index = values.string(table, "index", "aktenlotse", prefix)
    if not index or index != index.lower() or any(c in index for c in ' "*\\<|,>/?'):
        raise ConfigError(f"{prefix}index: {index!r} is not a valid index name (lower case, no spaces or */?\\)")
    ca_cert = values.path(table["ca_cert"], prefix + "ca_cert", base_dir) if table.get("ca_cert") else None
    return ElasticsearchConfig(
        urls=urls,
        index=index,
        username=values.string(table, "username", "", prefix),
        password=os.environ.get(PASSWORD_ENV[engine], ""),
        api_key=os.environ.get("AKTENLOTSE_ES_API_KEY", "") if engine == "elasticsearch" else "",
        ca_cert=ca_cert,
        verify_certs=values.flag(table, "verify_certs", True, prefix),
        timeout_s=values.number(table, "timeout_s", 30.0, prefix, 0.1),
        max_retries=values.number(table, "max_retries", 5, prefix, 0, integer=True),
        bulk_size=values.number(table, "bulk_size", 500, prefix, 1, integer=True),
        engine=engine,
    )
