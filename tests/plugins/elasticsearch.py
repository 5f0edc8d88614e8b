"""Session fixture: a real single-node Elasticsearch on loopback, from the official test
distribution on Maven Central (downloaded once into ~/.cache/aktenlotse, sha512 checked).

Elasticsearch refuses to run as root. When the tests run as root (CI), the server runs as
the unprivileged user `aktenlotse-es`, created here if it is missing; its copy of the
distribution, data and logs live in a temp dir owned by that user. Security is off on
this instance: credential and TLS cases go through the nginx proxy (tests/plugins/nginx.py).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ES_VERSION = "8.19.4"
ES_ZIP_URL = (
    "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/"
    f"{ES_VERSION}/elasticsearch-{ES_VERSION}.zip"
)
ES_ZIP_SHA512 = (
    "51d6666aff2064bd50ec02a6aaf2f14d09366a8ec27adb474b3f555dbc99f8d7"
    "1361c81ae09de5216b64aefe9c8cfc687dd5d7768490905f39f53cc6e28c79d7"
)
ES_USER = "aktenlotse-es"
STARTUP_TIMEOUT_S = 180


def cache_dir() -> Path:
    env = os.environ.get("AKTENLOTSE_CACHE")
    return (Path(env).expanduser() if env else Path.home() / ".cache" / "aktenlotse") / "elasticsearch"


def fetch_es_zip() -> Path:
    """The pinned zip in the cache; downloaded (to a .part file, checksum checked) if missing."""
    target = cache_dir() / f"elasticsearch-{ES_VERSION}.zip"
    if target.is_file() and _sha512(target) == ES_ZIP_SHA512:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".zip.part")
    digest = hashlib.sha512()
    with requests.get(ES_ZIP_URL, stream=True, timeout=60) as response:
        response.raise_for_status()
        with part.open("wb") as out:
            for block in response.iter_content(1 << 20):
                out.write(block)
                digest.update(block)
    if digest.hexdigest() != ES_ZIP_SHA512:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"checksum mismatch for {ES_ZIP_URL}")
    os.replace(part, target)
    return target


def _sha512(path: Path) -> str:
    digest = hashlib.sha512()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def java_home() -> str:
    for candidate in (
        os.environ.get("ES_JAVA_HOME"),
        "/usr/lib/jvm/java-17-openjdk-amd64",
        os.environ.get("JAVA_HOME"),
    ):
        if candidate and (Path(candidate) / "bin" / "java").exists():
            return candidate
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("no Java found for Elasticsearch (ES_JAVA_HOME)")
    return str(Path(os.path.realpath(java)).parent.parent)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_user() -> pwd.struct_passwd | None:
    """The unprivileged account ES runs as when we are root (None when we are not root)."""
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                ES_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(ES_USER)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def _extract(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, into)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(into / info.filename, mode & 0o777)
    return into / f"elasticsearch-{ES_VERSION}"


@dataclass
class ElasticsearchServer:
    url: str
    port: int
    home: Path
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_elasticsearch(workdir: Path, extra_settings: dict[str, str] | None = None) -> ElasticsearchServer:
    """Unpack the cached distribution into `workdir` and start it; returns once healthy."""
    zip_path = fetch_es_zip()
    user = _ensure_user()
    home = _extract(zip_path, workdir)
    data, logs = workdir / "data", workdir / "logs"
    data.mkdir()
    logs.mkdir()
    if user is not None:
        _chown_tree(workdir, user.pw_uid, user.pw_gid)
    port, transport_port = free_port(), free_port()
    settings = {
        "discovery.type": "single-node",
        "http.host": "127.0.0.1",
        "http.port": str(port),
        "transport.host": "127.0.0.1",
        "transport.port": str(transport_port),
        "path.data": str(data),
        "path.logs": str(logs),
        "xpack.security.enabled": "false",
        # A nearly full test disk must not turn the index read-only.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",  # tests clean up with wildcards
        **(extra_settings or {}),
    }
    cmd = [str(home / "bin" / "elasticsearch")]
    for key, value in settings.items():
        cmd += ["-E", f"{key}={value}"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_JAVA_HOME": java_home(),
        "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
        "HOME": str(workdir),
        "ES_TMPDIR": str(workdir / "tmp"),
        "LANG": "C.UTF-8",
    }
    (workdir / "tmp").mkdir()
    if user is not None:
        os.chown(workdir / "tmp", user.pw_uid, user.pw_gid)
    log_path = workdir / "console.log"
    log_file = log_path.open("wb")

    def demote() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # die with the test session
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    process = subprocess.Popen(
        cmd,
        env=env,
        cwd=workdir,
        stdin=subprocess.PIPE,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=demote,
        start_new_session=True,
    )
    log_file.close()
    server = ElasticsearchServer(f"http://127.0.0.1:{port}", port, home, process, log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Elasticsearch exited with {process.returncode}:\n{server.log_tail()}")
        try:
            health = requests.get(f"{server.url}/_cluster/health", timeout=2)
            if health.status_code == 200 and health.json().get("status") in ("green", "yellow"):
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_elasticsearch(server)
    raise RuntimeError(f"Elasticsearch not healthy after {STARTUP_TIMEOUT_S} s:\n{server.log_tail()}")


def stop_elasticsearch(server: ElasticsearchServer) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            server.process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def elasticsearch_server():
    """One Elasticsearch for the whole session (security off, loopback, free port).
    With AKTENLOTSE_TEST_ES_URL set, that running server is used instead."""
    if os.environ.get("AKTENLOTSE_TEST_ES_URL"):
        yield ElasticsearchServer(
            os.environ["AKTENLOTSE_TEST_ES_URL"].rstrip("/"), 0, Path("."), None, Path("/dev/null")
        )  # type: ignore[arg-type]
        return
    workdir = Path(tempfile.mkdtemp(prefix="aktenlotse-es-"))
    os.chmod(workdir, 0o755)
    try:
        server = start_elasticsearch(workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    yield server
    stop_elasticsearch(server)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def elasticsearch_url(elasticsearch_server) -> str:
    return elasticsearch_server.url
