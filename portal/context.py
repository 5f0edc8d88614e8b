"""What every page needs, built once per server process: config, index, directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.config import Config, load_config
from aktenlotse.search.backend import Backend


@dataclass
class PortalContext:
    config: Config
    backend: Backend
    directory: object  # LdapDirectory or DemoDirectory: authenticate(username, password) -> UserInfo
    wiki: object = None  # WikiStore

    @property
    def demo(self) -> bool:
        return self.config.auth.mode == "demo"


def build_context(config_path: str | Path | None = None) -> PortalContext:
    from aktenlotse.pipeline.app import open_backend
    from aktenlotse.services.documents import check_portal_config

    config = load_config(config_path or os.environ.get("AKTENLOTSE_CONFIG"))
    check_portal_config(config)
    if config.auth.mode == "demo":
        from aktenlotse.identity.demo_directory import DemoDirectory

        directory: object = DemoDirectory(config.auth)
    else:
        from aktenlotse.identity.directory import LdapDirectory

        directory = LdapDirectory(config.auth)
    from aktenlotse.services.wiki import WikiStore

    backend = open_backend(config)
    return PortalContext(config=config, backend=backend, directory=directory, wiki=WikiStore(config.data_dir, backend))
