"""The composition root: the index, the extractor, the sources and the enrichment built
from config, and the crawl and second passes run with them. Searching as a user is in
`aktenlotse.services.search`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aktenlotse.core.config import ADHOC_PREFIX, Config, ConfigError, SourceConfig
from aktenlotse.core.records import Document
from aktenlotse.crawler.extractor import Extractor
from aktenlotse.crawler.source import Source, close_all
from aktenlotse.crawler.source_factory import open_source
from aktenlotse.pipeline.crawl import CrawlSummary
from aktenlotse.pipeline.passes import Pass, run_passes
from aktenlotse.search.backend import Backend, BackendError
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.statedb import StateDB


def open_backend(config: Config) -> Backend:
    """The configured index backend (the rest of the code never names a concrete one)."""
    if config.index.backend == "embedded":
        from aktenlotse.search.embedded import EmbeddedBackend

        config.data_dir.mkdir(parents=True, exist_ok=True)
        return EmbeddedBackend(config.index_db)
    if config.index.backend in ("elasticsearch", "opensearch"):
        from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend

        return ElasticsearchBackend(config.index.server)
    raise ConfigError(f"index.backend: unknown backend {config.index.backend!r}")


def make_configured_extractor(config: Config) -> Extractor:
    """The text extractor the config asks for (in-process Tika, a managed server, or URLs)."""
    from aktenlotse.crawler.extractors import make_extractor
    from aktenlotse.crawler.tika_jar import tika_jar_path

    ext = config.extractor
    return make_extractor(
        ext.kind,
        jar=ext.tika_jar or tika_jar_path(config.cache_dir),
        java=ext.java,
        urls=list(ext.urls),
        heap_mb=ext.heap_mb,
        task_timeout_s=ext.timeout_s,
        log_dir=config.log_dir,
    )


def sources_for(config: Config, paths: Sequence[str] = ()) -> list[Source]:
    """Configured sources, or ad-hoc sources for folders (or smb:// roots) given on the command line."""
    from aktenlotse.core.config import parse_smb_root

    make = open_source
    if not paths:
        if not config.sources:
            raise ConfigError("sources: no source configured (add a [[sources]] table or pass a folder)")
        return [make(s) for s in config.sources]
    chosen: list[Source] = []
    for raw in paths:
        smb = parse_smb_root(raw)
        if smb:
            match = next(
                (
                    s
                    for s in config.sources
                    if s.is_smb
                    and (s.smb_server.lower(), s.smb_share.lower(), s.smb_path.lower())
                    == (smb[0].lower(), smb[1].lower(), smb[2].lower())
                ),
                None,
            )
            if match is None:
                from dataclasses import replace

                from aktenlotse.core.config import parse_config

                name = adhoc_source_name(
                    smb[2].rsplit("/", 1)[-1] or smb[1], "//" + "/".join(part.lower() for part in smb if part)
                )
                match = replace(parse_config({"sources": [{"root": raw}]}, base_dir=Path.cwd()).sources[0], name=name)
            chosen.append(make(match))
            continue
        path = Path(raw).resolve()
        match = next((s for s in config.sources if not s.is_smb and Path(s.root).resolve() == path), None)
        chosen.append(make(match or SourceConfig(name=adhoc_source_name(path.name or "root", str(path)), root=path)))
    return chosen


def adhoc_source_name(folder: str, location: str) -> str:
    """The source name of a folder crawled by path that is no configured source's root.

    Crawl state, deletions and index documents are kept per source name, so an ad-hoc
    folder named like a configured source (".../akten" beside the source "akten") must never
    get that name: it would share the source's state and delete its documents. The prefix
    is reserved (config.py refuses it for configured sources); the hash of the absolute
    location keeps two folders of the same name apart and gives a re-crawl of the same
    folder the same name, so it stays incremental."""
    digest = hashlib.sha256(location.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{ADHOC_PREFIX}{folder}-{digest}"


def text_analyzer() -> Callable[[str], str]:
    """The German analysis that turns text into the indexed token stream."""
    from aktenlotse.enrich.nlp import analyzer

    return analyzer().terms


def make_enricher(config: Config) -> Callable[[Document], None] | None:
    """The inline enrichment step (keywords, entities, sensitive data, Aktenplan), or None."""
    if not config.enrich.enabled:
        return None
    from aktenlotse.enrich.enricher import Enricher

    return Enricher(config.enrich, config.data_dir, load_plan=load_current_plan).enrich


def run_crawl(
    config: Config,
    paths: Sequence[str] = (),
    progress: Callable[[str, int], None] | None = None,
    retry_kinds: Sequence[str | None] | None = None,
) -> CrawlSummary:
    """Crawl the configured (or given) sources once; returns the CrawlSummary.
    Refuses (CrawlRunning) while another crawl works on the same data directory."""
    from aktenlotse.pipeline.crawl_lock import crawl_lock

    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.log_dir.mkdir(parents=True, exist_ok=True)
    sources = sources_for(config, paths)
    with crawl_lock(config.data_dir):
        try:
            return _crawl_locked(config, sources, progress, retry_kinds)
        finally:
            close_all(sources)  # SMB sources hold sessions to the file server


def _crawl_locked(
    config: Config,
    sources: list[Source],
    progress: Callable[[str, int], None] | None,
    retry_kinds: Sequence[str | None] | None = None,
) -> CrawlSummary:
    from aktenlotse.pipeline.crawl import Crawler

    state = StateDB(config.state_db)
    try:
        backend = open_backend(config)
    except BackendError as error:
        # The index cannot be opened (locked, corrupt, unwritable): the run is recorded as
        # failed with the reason; the index file itself stays as found.
        try:
            state.finish_run(state.start_run([s.name for s in sources]), "failed", {}, 0.0, str(error))
        finally:
            state.close()
        raise
    extractor = make_configured_extractor(config)
    try:
        extractor.start()
        crawler = Crawler(
            state,
            backend,
            extractor,
            limits=config.extractor.limits(),
            workers=config.crawl.workers,
            batch_size=config.crawl.batch_size,
            analyze=text_analyzer(),
            enrich=make_enricher(config),
            progress=progress,
            retry_kinds=retry_kinds,
        )
        return crawler.run(sources)
    finally:
        extractor.close()
        backend.close()
        state.close()


def run_second_pass(
    config: Config,
    limit: int | None = None,
    progress: Callable[[Any], None] | None = None,
    rebuild_vector_index: bool = False,
    vector_index_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """What the crawl leaves for later, resumable: chunk embeddings (with the Aktenplan
    suggestion refined by them) and OCR of scans, each a Pass (`pipeline.passes`) that
    writes only its own fields; then the index's approximate vector index where it is due
    (`rebuild_vector_index`: always). `progress(EmbedStats)` follows the embedding pass,
    `vector_index_progress(done, total)` the vector index. Returns the figures by name."""
    results: dict = {}
    backend = open_backend(config)
    try:
        if config.enrich.enabled and config.enrich.embeddings:
            embeddings = _embedding_pass(config, backend)
            progress_of = {embeddings.name: progress} if progress is not None else None
            results.update(run_passes([embeddings], limit, progress_of))
            built = backend.refresh_vector_index(
                results[embeddings.name]["model"], force=rebuild_vector_index, progress=vector_index_progress
            )
            if built is not None:
                results["vector_index"] = built
        if any(s.ocr for s in config.sources):
            results.update(_ocr_pass(config, backend, limit))
    finally:
        backend.close()
    return results


def _embedding_pass(config: Config, backend: Backend) -> Pass:
    # numpy, scipy and the encoders take seconds to import: only when the pass runs.
    from aktenlotse.enrich.embeddings import load_encoder
    from aktenlotse.enrich.enricher import Enricher
    from aktenlotse.pipeline.embed_pass import EmbeddingPass

    encoder = load_encoder(config.enrich.model, config.enrich.threads)
    enricher = Enricher(config.enrich, config.data_dir, load_plan=load_current_plan)
    refine = enricher.suggest_with_vectors if enricher.suggester is not None else None
    skip = [s.name for s in config.sources if not s.embeddings]
    return EmbeddingPass(backend, encoder, config.enrich, skip_sources=skip, on_vectors=refine)


def _ocr_pass(config: Config, backend: Backend, limit: int | None) -> dict:
    # numpy (content keys) takes a second to import: only when the pass runs.
    from aktenlotse.pipeline.ocr_pass import OcrPass

    # The pass opens the configured sources with ocr = true itself (SMB or local).
    state = StateDB(config.state_db)
    extractor = make_configured_extractor(config)
    try:
        extractor.start()
        return run_passes([OcrPass(config, state, backend, extractor, analyze=text_analyzer())], limit)
    finally:
        extractor.close()
        state.close()
