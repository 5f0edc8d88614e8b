"""An Apache Tika server that Aktenlotse starts and watches itself, on loopback.

Tika 3.x server runs in fork mode by default: the `java -jar` process we start is a
watchdog that forks the JVM doing the parsing and restarts it when it crashes, runs out
of memory or exceeds the task timeout. So a bad file kills a Tika child, never the crawl.
The whole tree runs in its own process group, so `stop()` leaves no orphans even when the
watchdog itself was killed.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import requests

from aktenlotse.crawler.process_group import kill_group, launch, wait_group_gone
from aktenlotse.crawler.tika_jar import TikaSetupError, require_tika_jar

# Tika's own defaults: a client may not ask for less than 30 s per task. We lower the
# floor so that the crawl's per-file limit (`X-Tika-Timeout-Millis`) is what applies.
MIN_CLIENT_TIMEOUT_MS = 1000
# How often the watchdog checks running tasks against their timeout.
_TASK_PULSE_MS = 500


class TikaServerError(TikaSetupError):
    """The managed Tika server could not be started or does not answer."""


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


# Logging of the forked parser JVM. At Tika's default (INFO) it writes a line per request
# and PDFBox a warning per page that uses a substituted font: ~150 bytes per file, i.e.
# gigabytes over a town's shares. Warnings and errors (timeouts, crashes) stay.
_CHILD_LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="Console" target="SYSTEM_ERR">
      <PatternLayout pattern="%-5p [%t] %d{yyyy-MM-dd HH:mm:ss,SSS} %c %m%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.pdfbox" level="error"/>
    <Logger name="org.apache.fontbox" level="error"/>
    <Root level="warn"><AppenderRef ref="Console"/></Root>
  </Loggers>
</Configuration>
"""


def server_config_xml(task_timeout_s: float, heap_mb: int, log_config: Path | None = None) -> str:
    """The tika-server config: task timeout, client timeout floor, forked JVM heap/logging."""
    args = [f"-Xmx{int(heap_mb)}m", "-Djava.awt.headless=true"]
    if log_config is not None:
        args.append(f"-Dlog4j2.configurationFile={log_config}")
    arg_xml = "".join(f"<arg>{escape(a)}</arg>" for a in args)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<properties><server><params>"
        f"<taskTimeoutMillis>{int(task_timeout_s * 1000)}</taskTimeoutMillis>"
        f"<minimumTimeoutMillis>{MIN_CLIENT_TIMEOUT_MS}</minimumTimeoutMillis>"
        f"<taskPulseMillis>{_TASK_PULSE_MS}</taskPulseMillis>"
        # The stack trace in an error response is how a client tells an encrypted
        # document from a broken one when Tika answers with an HTTP error.
        "<returnStackTrace>true</returnStackTrace>"
        f"<forkedJvmArgs>{arg_xml}</forkedJvmArgs>"
        "</params></server></properties>\n"
    )


class ManagedTikaServer:
    """`java -jar tika-server-standard.jar` on loopback, started and watched by us.

    `port=0` picks a free port at the first start; restarts keep that port if it is
    still free. `ensure_running()` is safe to call from many threads at once: only one
    restart happens, the others wait for it.
    """

    def __init__(
        self,
        jar: Path,
        java: str = "java",
        host: str = "127.0.0.1",
        port: int = 0,
        heap_mb: int = 1024,
        task_timeout_s: float = 120,
        log_dir: Path | None = None,
        startup_timeout_s: float = 120,
    ) -> None:
        self.jar = Path(jar)
        self.java = java
        self.host = host
        self._requested_port = int(port)
        self.port: int | None = None
        self.heap_mb = heap_mb
        self.task_timeout_s = task_timeout_s
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._pgid: int | None = None
        self._workdir: Path | None = None
        self._log_file: BinaryIO | None = None
        self._log_path: Path | None = None
        self._lock = threading.RLock()
        self.restarts = 0
        _live_servers.add(self)

    # ------------------------------------------------------------------ public

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:41234 (valid once started)."""
        if self.port is None:
            raise TikaServerError("Tika-Server ist nicht gestartet.")
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start the server and wait until it answers. No-op if it already runs."""
        with self._lock:
            if self.is_alive():
                return
            self._start_locked()

    def is_alive(self) -> bool:
        """True while the watchdog process we started is running."""
        proc = self._proc
        return proc is not None and proc.poll() is None

    def ensure_running(self) -> None:
        """After a failed request: make sure the server answers again.

        A dead watchdog (crash, kill -9) is replaced by a fresh server. A live one may be
        restarting its forked child (after a parser timeout or crash): then we wait until
        it answers, and restart it ourselves if it does not within the startup timeout.
        """
        with self._lock:
            if self.is_alive() and self._wait_ready(self.startup_timeout_s, raise_on_exit=False):
                return
            self._stop_locked()
            self.restarts += 1
            self._start_locked()

    def stop(self) -> None:
        """Stop the watchdog and its forked children (the whole process group)."""
        with self._lock:
            self._stop_locked()

    def __enter__(self) -> ManagedTikaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """Process id of the watchdog (for diagnostics and tests)."""
        return self._proc.pid if self._proc is not None else None

    # ------------------------------------------------------------------ internals

    def _resolve_java(self) -> str:
        found = shutil.which(self.java)
        if found is None:
            raise TikaServerError(
                f"Java nicht gefunden ({self.java!r}). Der Tika-Server braucht Java 17 "
                "(Debian: `apt-get install openjdk-17-jre-headless`); oder `extractor.java` "
                'auf das java-Programm setzen, oder `extractor.kind = "inprocess"` wählen.'
            )
        return found

    def _pick_port(self) -> int:
        if self.port is not None and _port_is_free(self.host, self.port):
            return self.port
        if self._requested_port:
            if not _port_is_free(self.host, self._requested_port):
                raise TikaServerError(
                    f"Port {self._requested_port} auf {self.host} ist belegt; "
                    "`extractor.port` ändern oder 0 (frei wählen) setzen."
                )
            return self._requested_port
        return _free_port(self.host)

    def _start_locked(self) -> None:
        jar = require_tika_jar(self.jar)
        java = self._resolve_java()
        self.port = self._pick_port()
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="aktenlotse-tika-"))
        log_config = self._workdir / "log4j2-forked.xml"
        log_config.write_text(_CHILD_LOG4J2, encoding="utf-8")
        config = self._workdir / "tika-config.xml"
        config.write_text(server_config_xml(self.task_timeout_s, self.heap_mb, log_config), encoding="utf-8")
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / "tika-server.log"
        else:
            log_path = self._workdir / "tika-server.log"
        # Never a pipe: Tika logs a line per PDF font fallback, an undrained pipe would
        # block the server once it is full.
        self._log_file = open(log_path, "ab")  # noqa: SIM115 - open for the server's life, closed in _close_log
        self._log_path = log_path
        cmd = [
            java,
            # The watchdog only supervises; the parsing JVM gets `heap_mb` via forkedJvmArgs.
            "-Xmx128m",
            "-jar",
            str(jar),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-c",
            str(config),
        ]
        try:
            self._proc = launch(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                start_new_session=True,  # own process group: stop() reaches forked children
            )
        except OSError as exc:
            self._close_log()
            raise TikaServerError(f"Tika-Server konnte nicht gestartet werden ({java}): {exc}") from exc
        self._pgid = self._proc.pid
        try:
            self._wait_ready(self.startup_timeout_s, raise_on_exit=True)
        except BaseException:
            self._stop_locked()
            raise

    def _wait_ready(self, timeout_s: float, *, raise_on_exit: bool) -> bool:
        deadline = time.monotonic() + timeout_s
        url = f"{self.url}/version"
        with requests.Session() as s:
            s.trust_env = False
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    if raise_on_exit:
                        raise TikaServerError(
                            f"Tika-Server hat sich beim Start beendet (Exit-Code "
                            f"{self._proc.returncode if self._proc else '?'}). "
                            f"Log: {self._log_path}\n{self._log_tail()}"
                        )
                    return False
                try:
                    if s.get(url, timeout=2).status_code == 200:
                        return True
                except requests.RequestException:
                    pass
                time.sleep(0.2)
        if raise_on_exit:
            raise TikaServerError(
                f"Tika-Server antwortet nicht nach {timeout_s:.0f} s. Log: {self._log_path}\n{self._log_tail()}"
            )
        return False

    def _log_tail(self, lines: int = 15) -> str:
        if self._log_path is None:
            return ""
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _stop_locked(self) -> None:
        proc, pgid = self._proc, self._pgid
        self._proc = None
        self._pgid = None
        if proc is not None and pgid is not None:
            kill_group(pgid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            # The forked child may outlive a killed watchdog: kill whatever is left.
            kill_group(pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            wait_group_gone(pgid, 5.0)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _cleanup_at_exit(self) -> None:
        try:
            self.stop()
        finally:
            # Config files (and the log, when no log_dir was given) are ours alone.
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)


_live_servers: weakref.WeakSet[ManagedTikaServer] = weakref.WeakSet()


@atexit.register
def _stop_all_at_exit() -> None:
    # A crawl that ends with an exception must not leave a Java process behind.
    for server in list(_live_servers):
        server._cleanup_at_exit()
