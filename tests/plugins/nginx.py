"""Session fixtures: a TLS + basic-auth reverse proxy (Debian nginx) in front of the test
Elasticsearch (`tls_proxy`) and one in front of the test OpenSearch
(`opensearch_tls_proxy`), for the credential and TLS cases. The test distribution's security module
is not configured (no TLS keystore); a real proxy gives the same failures a client meets
with a secured cluster: HTTP 401 for wrong credentials, certificate errors for a wrong CA.

The CA and server certificate come from tests/certificates.py (IP SAN 127.0.0.1).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.certificates import free_port, make_tls

USER = "aktenlotse"
PASSWORD = "Geheim-123"


@dataclass
class TlsProxy:
    url: str
    ca_cert: Path
    other_ca_cert: Path  # a CA that did not sign the server certificate
    username: str
    password: str


@pytest.fixture(scope="session")
def tls_proxy(elasticsearch_url: str) -> Iterator[TlsProxy]:
    """nginx on loopback: https + basic auth -> the plain test Elasticsearch."""
    with proxy_in_front_of(elasticsearch_url) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def opensearch_tls_proxy(opensearch_url: str) -> Iterator[TlsProxy]:
    """nginx on loopback: https + basic auth -> the plain test OpenSearch."""
    with proxy_in_front_of(opensearch_url) as proxy:
        yield proxy


@contextlib.contextmanager
def proxy_in_front_of(upstream_url: str) -> Iterator[TlsProxy]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.fail("nginx is missing (Debian package nginx-light; scripts/setup.sh installs it)")
    folder = Path(tempfile.mkdtemp(prefix="aktenlotse-nginx-"))
    tls = make_tls(folder, "Aktenlotse Test CA")
    digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    (folder / "htpasswd").write_text(f"{USER}:{{SHA}}{digest}\n")
    port = free_port()
    upstream = upstream_url.removeprefix("http://")
    user_line = "user root;" if os.getuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""
{user_line}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 200m;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {tls.cert};
        ssl_certificate_key {tls.key};
        location / {{
            auth_basic "Suchserver";
            auth_basic_user_file {folder}/htpasswd;
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
        }}
    }}
}}
""")
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(folder / 'error.log').read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    try:
        yield TlsProxy(f"https://127.0.0.1:{port}", tls.ca_cert, tls.other_ca, USER, PASSWORD)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)
