"""What every page needs, built once per server process: config, index, directory, wiki,
sessions, saved searches, the search log and the best bets."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.config import Config, load_config
from aktenlotse.identity.configured import configured_directory
from aktenlotse.identity.users import Directory
from aktenlotse.pipeline.app import open_backend
from aktenlotse.portal.session_registry import SessionRegistry
from aktenlotse.search.backend import Backend
from aktenlotse.services.best_bets import BestBets
from aktenlotse.services.documents import check_portal_config
from aktenlotse.services.saved_searches import SavedSearches
from aktenlotse.services.search_analytics import SearchLog
from aktenlotse.services.wiki import WikiStore


@dataclass
class PortalContext:
    """The long-lived objects the pages share (Streamlit keeps one per server process)."""

    config: Config
    backend: Backend
    directory: Directory
    wiki: WikiStore
    sessions: SessionRegistry
    saved_searches: SavedSearches
    search_log: SearchLog
    best_bets: BestBets

    @property
    def demo(self) -> bool:
        """Whether the portal logs in against the built-in demo users."""
        return self.config.auth.mode == "demo"


def build_context(config_path: str | Path | None = None) -> PortalContext:
    """The context from the config file (argument, else $AKTENLOTSE_CONFIG); ConfigError
    when the portal is not set up for production or demo use."""
    config = load_config(config_path or os.environ.get("AKTENLOTSE_CONFIG"))
    check_portal_config(config)
    directory = configured_directory(config.auth)
    backend = open_backend(config)
    sessions = SessionRegistry(config.data_dir, config.auth.session_timeout_min)
    return PortalContext(
        config=config,
        backend=backend,
        directory=directory,
        wiki=WikiStore(config.data_dir, backend),
        sessions=sessions,
        saved_searches=SavedSearches(config.data_dir),
        search_log=SearchLog(config.data_dir, config.portal.search_log_days),
        best_bets=BestBets(config.data_dir),
    )


_shared: dict[str, PortalContext] = {}
_shared_lock = threading.Lock()


def shared_context() -> PortalContext:
    """The context of this server process for $AKTENLOTSE_CONFIG, built on first use: the
    pages, the cookie route and the warm-up at start all use it (the warm-up is only worth
    it if the pages then search with the very objects it loaded). A ConfigError is raised
    again on every call, so a fixed config takes effect without a restart."""
    key = os.environ.get("AKTENLOTSE_CONFIG", "")
    with _shared_lock:
        if key not in _shared:
            _shared[key] = build_context(key or None)
        return _shared[key]
