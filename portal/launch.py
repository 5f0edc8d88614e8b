"""Starting the Streamlit portal: its command line and environment, a check that the
address is usable (with the German fix), and the exec into the server. Used by
`aktenlotse serve` and by the demo."""

from __future__ import annotations

import errno
import os
import socket
import sys
from importlib import resources
from pathlib import Path

from aktenlotse.core.config import Config
from aktenlotse.services.documents import check_portal_config
from aktenlotse.services.wiki import MAX_IMAGE_MB


class PortalStartError(Exception):
    """The portal cannot start (port taken, address unusable); a one-line German message."""


def portal_command(config: Config) -> list[str]:
    """The command line that runs the Streamlit portal for `config`."""
    app = Path(str(resources.files("aktenlotse.portal").joinpath("web_app.py")))
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        config.portal.host,
        "--server.port",
        str(config.portal.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        # The only upload is a wiki image: the server refuses more than the wiki accepts.
        "--server.maxUploadSize",
        str(MAX_IMAGE_MB),
    ]


def portal_environment(config: Config) -> dict[str, str]:
    """The portal's environment: ours, with the config file's absolute path."""
    env = dict(os.environ)
    if config.path is not None:
        env["AKTENLOTSE_CONFIG"] = str(Path(config.path).resolve())
    return env


def port_problem(host: str, port: int) -> str | None:
    """Why the portal could not listen on host:port (German, with the fix), or None.
    Streamlit would otherwise print a traceback or quietly take another port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OverflowError):
        return f"Adresse {host!r} ist unbekannt; portal.host in der Konfiguration prüfen."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit's server does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} auf {host} ist schon belegt (läuft das Portal schon?); "
                    "anderen portal.port in der Konfiguration wählen oder das andere Programm beenden."
                )
            if exc.errno == errno.EACCES:
                return (
                    f"Port {port} braucht Root-Rechte; einen Port ab 1024 wählen "
                    "(davor nginx als TLS-Proxy, siehe deploy/nginx-aktenlotse.conf)."
                )
            return f"Portal kann nicht auf {host}:{port} lauschen: {exc.strerror}; portal.host/portal.port prüfen."
    return None


def serve(config: Config) -> int:
    """Runs the portal in the foreground: this process becomes the Streamlit server (so a
    service manager's stop signal reaches it directly and no child is left behind)."""
    check_portal_config(config)
    problem = port_problem(config.portal.host, config.portal.port)
    if problem:
        raise PortalStartError(problem)
    url = f"http://{config.portal.host}:{config.portal.port}/"
    print(f"Portal: {url}  (Strg+C beendet)", flush=True)
    command = portal_command(config)
    os.execve(command[0], command, portal_environment(config))
    return 0  # not reached
