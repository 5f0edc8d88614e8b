"""Session fixture: a real single-node Elasticsearch on loopback, from the official test
distribution on Maven Central (downloaded once into ~/.cache/aktenlotse, sha512 checked).

Elasticsearch refuses to run as root. When the tests run as root (CI), the server runs as
the unprivileged user `aktenlotse-es`, created here if it is missing; its copy of the
distribution, data and logs live in a temp dir owned by that user. Security is off on
this instance: credential and TLS cases go through the nginx proxy (tests/plugins/nginx.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.plugins.search_server import (
    Pinned,
    SearchServer,
    fetch,
    java_home,
    launch,
    session_fixtures,
    unzip,
)

ES_VERSION = "8.19.4"
ES_ZIP = Pinned(
    "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/"
    f"{ES_VERSION}/elasticsearch-{ES_VERSION}.zip",
    "51d6666aff2064bd50ec02a6aaf2f14d09366a8ec27adb474b3f555dbc99f8d7"
    "1361c81ae09de5216b64aefe9c8cfc687dd5d7768490905f39f53cc6e28c79d7",
)


def start_elasticsearch(workdir: Path, extra_settings: dict[str, str] | None = None) -> SearchServer:
    """Unpack the cached distribution into `workdir` and start it; returns once healthy."""
    unzip(fetch(ES_ZIP, "elasticsearch"), workdir)
    home = workdir / f"elasticsearch-{ES_VERSION}"
    settings = {"xpack.security.enabled": "false", **(extra_settings or {})}
    env = {
        "ES_JAVA_HOME": java_home(),
        "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
        "ES_TMPDIR": str(workdir / "tmp"),
    }
    return launch("Elasticsearch", workdir, home, "elasticsearch", settings, env)


# With AKTENLOTSE_TEST_ES_URL set, that running server is used instead of a fresh one.
elasticsearch_server, elasticsearch_url = session_fixtures(
    "Elasticsearch", "AKTENLOTSE_TEST_ES_URL", start_elasticsearch
)
