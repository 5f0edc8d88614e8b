"""What every page needs, built once per server process: config, index, directory, wiki."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.config import Config, load_config
from aktenlotse.identity.configured import configured_directory
from aktenlotse.identity.users import Directory
from aktenlotse.pipeline.app import open_backend
from aktenlotse.search.backend import Backend
from aktenlotse.services.documents import check_portal_config
from aktenlotse.services.wiki import WikiStore


@dataclass
class PortalContext:
    """The long-lived objects the pages share (Streamlit keeps one per server process)."""

    config: Config
    backend: Backend
    directory: Directory
    wiki: WikiStore

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
    return PortalContext(config=config, backend=backend, directory=directory, wiki=WikiStore(config.data_dir, backend))
