"""The query side of semantic search: embed the user's query once, with the configured
encoder (loaded once per process and kept), for the CLI and the portal."""

from __future__ import annotations

from aktenlotse.core.config import Config, EnrichConfig
from aktenlotse.enrich.embeddings import encode_queries, load_encoder


def embed_query(config: Config | EnrichConfig, text: str) -> tuple[float, ...]:
    """The query vector for `Query.vector` (L2-normalised), with the model of `enrich.model`.
    Accepts the whole Config or its `enrich` section."""
    enrich = config.enrich if isinstance(config, Config) else config
    encoder = load_encoder(enrich.model, enrich.threads)
    vector = encode_queries(encoder, [text])[0]
    return tuple(float(x) for x in vector)
