"""`aktenlotse serve`: start the Streamlit portal for the configured index."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

from aktenlotse.config import Config


def portal_command(config: Config) -> list[str]:
    app = Path(str(resources.files("aktenlotse.portal").joinpath("streamlit_app.py")))
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", config.portal.host, "--server.port", str(config.portal.port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
    ]


def portal_environment(config: Config) -> dict[str, str]:
    env = dict(os.environ)
    if config.path is not None:
        env["AKTENLOTSE_CONFIG"] = str(Path(config.path).resolve())
    return env


def serve(config: Config) -> int:
    """Runs the portal in the foreground: this process becomes the Streamlit server (so a
    service manager's stop signal reaches it directly and no child is left behind)."""
    from aktenlotse.portal.services import check_portal_config

    check_portal_config(config)
    url = f"http://{config.portal.host}:{config.portal.port}/"
    print(f"Portal: {url}  (Strg+C beendet)", flush=True)
    command = portal_command(config)
    os.execve(command[0], command, portal_environment(config))
    return 0  # not reached
