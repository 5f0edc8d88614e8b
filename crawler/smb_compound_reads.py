"""Descriptor reads of all files of a folder, pipelined: compound SMB2 requests (CREATE,
QUERY_INFO, CLOSE per file) packed once and several kept in flight on one connection, paced
by `RatePacer` so a file server is never flooded."""

from __future__ import annotations

import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import smbclient
from smbclient._pool import get_smb_tree
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.header import Commands
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    ImpersonationLevel,
    SMB2CloseRequest,
)

from aktenlotse.crawler.smb_connection import ALL_SHARES, READ_SECURITY, descriptor_from, query_security_request

# --- pipelined descriptor reads --------------------------------------------------------------
# smbprotocol builds every request field by field in Python, which made descriptor reads of a
# no-change crawl CPU-bound at ~600 files/s. The three requests per file differ only in the
# file name, so they are packed once (QUERY_INFO and CLOSE refer to the handle of the CREATE
# just before them); several files go into one compound request (a related chain of
# CREATE, QUERY_INFO, CLOSE per file: a CREATE needs no handle, so a failed file does not
# fail the next one), and several requests are kept in flight on the one connection.
# smbprotocol still does the framing, message ids, credits, signing and encryption.

FILES_PER_REQUEST = 8

RELATED_FILE_ID = b"\xff" * 16  # MS-SMB2 3.2.4.1.4: the handle of the CREATE in the same compound
FILE_NON_DIRECTORY_FILE = 0x40


class _Packed:
    """A request body packed in advance (Connection.send_compound needs COMMAND, pack, len)."""

    __slots__ = ("COMMAND", "_body")

    def __init__(self, command: int, body: bytes):
        self.COMMAND = command
        self._body = body

    def pack(self) -> bytes:
        return self._body

    def __len__(self) -> int:
        return len(self._body)


def _close_request() -> SMB2CloseRequest:
    close = SMB2CloseRequest()
    close["file_id"] = RELATED_FILE_ID
    return close


_QUERY_SECURITY = _Packed(Commands.SMB2_QUERY_INFO, query_security_request(RELATED_FILE_ID).pack())
_CLOSE = _Packed(Commands.SMB2_CLOSE, _close_request().pack())
# MS-SMB2 2.2.13 SMB2 CREATE request: the fixed 56 bytes, then the UTF-16 name at offset
# 120 from the header start (64-byte header + 56); no create contexts.
_CREATE_LAYOUT = struct.Struct("<HBBIQQIIIIIHHII")


def _create_request(name: str) -> _Packed:
    encoded = name.encode("utf-16-le")
    fixed = _CREATE_LAYOUT.pack(
        57,
        0,
        0,
        ImpersonationLevel.Impersonation,
        0,
        0,
        READ_SECURITY,
        0,
        int(ALL_SHARES),
        CreateDisposition.FILE_OPEN,
        CreateOptions.FILE_OPEN_REPARSE_POINT | FILE_NON_DIRECTORY_FILE,
        120,
        len(encoded),
        0,
        0,
    )
    return _Packed(Commands.SMB2_CREATE, fixed + encoded)


class RatePacer:
    """Spaces request starts at least 1/`per_second` apart (0: no limit); thread-safe."""

    def __init__(self, per_second: float):
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def pace(self) -> None:
        """Wait until the next request may start."""
        if self._interval:
            with self._lock:
                now = time.monotonic()
                wait = self._next - now
                self._next = max(now, self._next) + self._interval
            if wait > 0:
                time.sleep(wait)


def query_securities(
    folder_unc: str, names: Sequence[str], in_flight: int, pace: Callable[[], None] = lambda: None, **kwargs: Any
) -> list[bytes | int]:
    """The descriptors of the files `names` in the folder `folder_unc`, in order: the
    descriptor bytes, or the NTSTATUS that refused it (the caller can retry that one file
    with `query_security`, which also follows DFS links). At most `in_flight` compound
    requests of up to FILES_PER_REQUEST files each are outstanding at once; `pace` is
    called before each file is sent (rate limit). Connection errors propagate."""
    tree, folder = get_smb_tree(folder_unc, **kwargs)
    if tree.is_dfs_share:
        # Opening the folder through smbclient follows its DFS referral and caches it; the
        # tree asked for again is then the link target's (the raw compounds below do not
        # follow referrals themselves).
        smbclient.stat(folder_unc, **kwargs)
        tree, folder = get_smb_tree(folder_unc, **kwargs)
    connection = tree.session.connection
    session_id, tree_id = tree.session.session_id, tree.tree_connect_id
    per_request, in_flight = _credits_for(connection, session_id, in_flight)
    prefix = folder + "\\" if folder else ""
    results: list[bytes | int] = []
    pending: deque = deque()

    def settle() -> None:
        requests = pending.popleft()
        # Every response is received, even after a failure, so the connection's
        # outstanding-request table stays clean.
        for first in range(0, len(requests), 3):
            create, query, close = requests[first : first + 3]
            outcome: bytes | int | None = None
            for request in (create, query, close):
                try:
                    response = connection.receive(request)
                except SMBResponseException as exc:
                    outcome = exc.status if outcome is None else outcome
                else:
                    if request is query:
                        outcome = descriptor_from(response)
            assert outcome is not None  # the query's answer, or the first refusal of the three
            results.append(outcome)

    for start in range(0, len(names), per_request):
        chain = []
        for name in names[start : start + per_request]:
            pace()
            chain += [_create_request(prefix + name), _QUERY_SECURITY, _CLOSE]
        pending.append(connection.send_compound(chain, session_id, tree_id, related=True))
        if len(pending) >= in_flight:
            settle()
    while pending:
        settle()
    return results


def _credits_for(connection: Any, session_id: int, in_flight: int) -> tuple[int, int]:
    """(files per compound request, requests in flight) within the connection's credits:
    each file needs 3. More credits are asked for once (an ECHO with a credit request);
    what the server grants is what is used, with shorter chains if it grants few."""
    wanted = 3 * FILES_PER_REQUEST * in_flight + 8
    with connection.sequence_lock:
        available = connection.sequence_window["high"] - connection.sequence_window["low"]
    if available < wanted:
        connection.echo(sid=session_id, credit_request=wanted - available)
        with connection.sequence_lock:
            available = connection.sequence_window["high"] - connection.sequence_window["low"]
    usable = max(3, available - 4)  # a few stay free for other requests on the connection
    files = max(1, min(FILES_PER_REQUEST, usable // 3))
    return files, max(1, min(in_flight, usable // (3 * files)))
