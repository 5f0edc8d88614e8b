"""Stopping the servers the tests start themselves (slapd, Samba): a server that hangs on
shutdown is killed, so it never keeps its ports or files for the next test."""

from __future__ import annotations

import subprocess


def stop_server_process(process: subprocess.Popen | None, grace_s: float, reap_s: float | None = None) -> None:
    """SIGTERM, then SIGKILL when `process` has not exited within `grace_s` (waiting
    `reap_s` for the kill to land, None: as long as it takes). A process that has
    already exited, or none at all, is left alone."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(reap_s)
