"""Starting a real search server (Elasticsearch or OpenSearch) for the tests and benchmarks:
pinned downloads from Maven Central into ~/.cache/aktenlotse (sha512 checked), an
unprivileged account when the tests run as root (both servers refuse to run as root),
one process on loopback that dies with the test session.

What differs between the engines (distribution, plugins, settings, environment) lives in
tests/plugins/elasticsearch.py and tests/plugins/opensearch.py. The `engine` fixture runs
a test once per engine; `server_url` is that engine's session server.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from aktenlotse.core.config import ElasticsearchConfig
from tests.certificates import free_port

SERVER_USER = "aktenlotse-es"
STARTUP_TIMEOUT_S = 180


@dataclass(frozen=True)
class Pinned:
    """One download: where it comes from and the sha512 it must have."""

    url: str
    sha512: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass
class SearchServer:
    name: str  # "Elasticsearch" or "OpenSearch", for messages
    url: str
    port: int
    home: Path
    process: subprocess.Popen | None
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def cache_dir(engine: str) -> Path:
    env = os.environ.get("AKTENLOTSE_CACHE")
    return (Path(env).expanduser() if env else Path.home() / ".cache" / "aktenlotse") / engine


def fetch(pinned: Pinned, engine: str) -> Path:
    """The pinned file in the cache; downloaded (to a .part file, checksum checked) if missing."""
    target = cache_dir(engine) / pinned.name
    if target.is_file() and sha512_of(target) == pinned.sha512:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha512()
    with requests.get(pinned.url, stream=True, timeout=60) as response:
        response.raise_for_status()
        with part.open("wb") as out:
            for block in response.iter_content(1 << 20):
                out.write(block)
                digest.update(block)
    if digest.hexdigest() != pinned.sha512:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"checksum mismatch for {pinned.url}")
    os.replace(part, target)
    return target


def sha512_of(path: Path) -> str:
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
        raise RuntimeError("no Java found for the search server (ES_JAVA_HOME)")
    return str(Path(os.path.realpath(java)).parent.parent)


def server_account() -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as when we are root (None when we are not root)."""
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"]
            + ["--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_USER)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def unzip(zip_path: Path, into: Path) -> None:
    """Extract keeping the file modes (zipfile drops them; bin/ scripts must stay executable)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, into)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(into / info.filename, mode & 0o777)


def launch(
    name: str, workdir: Path, home: Path, program: str, settings: Mapping[str, str], env: Mapping[str, str]
) -> SearchServer:
    """Start `home/bin/<program>` with `settings` (-E) on a free loopback port, as the
    unprivileged account when root; returns once the cluster is green or yellow."""
    account = server_account()
    data, logs, tmp = workdir / "data", workdir / "logs", workdir / "tmp"
    for folder in (data, logs, tmp):
        folder.mkdir()
    if account is not None:
        chown_tree(workdir, account.pw_uid, account.pw_gid)
    port, transport_port = free_port(), free_port()
    all_settings = {
        "discovery.type": "single-node",
        "http.host": "127.0.0.1",
        "http.port": str(port),
        "transport.host": "127.0.0.1",
        "transport.port": str(transport_port),
        "path.data": str(data),
        "path.logs": str(logs),
        # A nearly full test disk must not turn the index read-only.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",  # tests clean up with wildcards
        **settings,
    }
    cmd = [str(home / "bin" / program)]
    for key, value in all_settings.items():
        cmd += ["-E", f"{key}={value}"]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "LANG": "C.UTF-8", **env}
    log_path = workdir / "console.log"
    log_file = log_path.open("wb")

    def demote() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # die with the test session
        if account is not None:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)

    process = subprocess.Popen(
        cmd,
        env=full_env,
        cwd=workdir,
        stdin=subprocess.PIPE,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=demote,
        start_new_session=True,
    )
    log_file.close()
    server = SearchServer(name, f"http://127.0.0.1:{port}", port, home, process, log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            health = requests.get(f"{server.url}/_cluster/health", timeout=2)
            if health.status_code == 200 and health.json().get("status") in ("green", "yellow"):
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"{name} not healthy after {STARTUP_TIMEOUT_S} s:\n{server.log_tail()}")


def stop(server: SearchServer) -> None:
    if server.process is None:
        return
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


def given_server(name: str, env_var: str) -> SearchServer | None:
    """A running server named by `env_var` (e.g. to debug against one), else None."""
    url = os.environ.get(env_var)
    if not url:
        return None
    return SearchServer(name, url.rstrip("/"), 0, Path("."), None, Path("/dev/null"))


@contextlib.contextmanager
def temporary_server(start: Callable[[Path], SearchServer], prefix: str) -> Iterator[SearchServer]:
    """A server started by `start` in a fresh temp dir, stopped and removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(workdir, 0o755)  # the unprivileged account must reach its copy
    try:
        server = start(workdir)
        try:
            yield server
        finally:
            stop(server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def session_fixtures(name: str, env_var: str, start: Callable[[Path], SearchServer]) -> tuple[Any, Any]:
    """The two session fixtures of an engine, `<engine>_server` and `<engine>_url`: one
    server for the whole session (loopback, free port), or the running one `env_var` names."""
    engine = name.lower()

    @pytest.fixture(scope="session", name=f"{engine}_server")
    def server() -> Iterator[SearchServer]:
        given = given_server(name, env_var)
        if given is not None:
            yield given
            return
        with temporary_server(start, f"aktenlotse-{engine}-") as started:
            yield started

    @pytest.fixture(scope="session", name=f"{engine}_url")
    def url(request: pytest.FixtureRequest) -> str:
        return str(request.getfixturevalue(f"{engine}_server").url)

    return server, url


ENGINES = [
    pytest.param("elasticsearch", marks=pytest.mark.elasticsearch),
    pytest.param("opensearch", marks=pytest.mark.opensearch),
]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn (a test asking for it runs once per engine)."""
    return str(request.param)


@pytest.fixture(scope="module")
def server_url(engine: str, request: pytest.FixtureRequest) -> str:
    """The session server of `engine`."""
    return str(request.getfixturevalue(f"{engine}_url"))


def server_config(engine: str, url: str, index: str | None = None, **kwargs: Any) -> ElasticsearchConfig:
    """A connection to `url` with a fresh index name (tests never share an index)."""
    return ElasticsearchConfig(urls=(url,), index=index or f"t-{uuid.uuid4().hex[:12]}", engine=engine, **kwargs)
