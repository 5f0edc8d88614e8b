"""Child process groups of the crawler (the Tika servers): started from one long-lived launcher
thread with a parent-death signal, stopped and waited for as a whole group."""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_has_live_members(pgid: int) -> bool:
    """True while a non-zombie process of the group exists (zombies of reparented
    children may never be reaped when PID 1 does not reap, so they do not count)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return True
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may contain spaces): state ppid pgrp ...
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def wait_group_gone(pgid: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and group_has_live_members(pgid):
        time.sleep(0.05)


# -- launching with a parent-death signal ------------------------------------------
#
# A crawler killed with kill -9 runs no atexit handler; without help its Tika server would
# live on. Linux's PR_SET_PDEATHSIG kills the server when its parent goes away. The signal
# fires when the *thread* that forked exits, so every server is forked from one long-lived
# launcher thread rather than from whichever worker thread noticed a dead server.

_PR_SET_PDEATHSIG = 1
_launch_requests: queue.Queue[tuple[list[str], dict, queue.Queue]] = queue.Queue()
_launcher_started = threading.Lock()
_launcher: threading.Thread | None = None


def _set_parent_death_signal() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the atexit handler is all we have


def _launcher_loop() -> None:
    while True:
        cmd, kwargs, reply = _launch_requests.get()
        try:
            reply.put(subprocess.Popen(cmd, preexec_fn=_set_parent_death_signal, **kwargs))
        except BaseException as exc:  # handed to the caller's thread
            reply.put(exc)


def launch(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    global _launcher
    with _launcher_started:
        if _launcher is None or not _launcher.is_alive():
            _launcher = threading.Thread(target=_launcher_loop, name="tika-launcher", daemon=True)
            _launcher.start()
    reply: queue.Queue = queue.Queue(maxsize=1)
    _launch_requests.put((cmd, kwargs, reply))
    result = reply.get()
    if isinstance(result, BaseException):
        raise result
    return result
