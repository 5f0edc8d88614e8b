"""Security descriptors of many files read over several SMB connections at once.

smbprotocol does its framing, signing and parsing in Python, so one connection is bound
to one CPU core (~1,000 descriptors/s on the test machine). A no-change crawl reads every
file's descriptor (see smb_source), so the reads of a folder are split over
`smb_connections` reader processes, each with its own SMB session to the server: the same
as several Windows clients, and the server serves each connection in its own process.

The readers are plain child processes (`python -m` this module) talking pickles over
their stdin/stdout: unlike multiprocessing's spawn they never re-import the caller's main
script, and they end by themselves when the crawler dies (their stdin closes).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import smbclient
from smbprotocol.exceptions import SMBOSError

from aktenlotse.crawler.smb_compound_reads import RatePacer, query_securities


class _Reader:
    """One reader process."""

    def __init__(self, session: dict[str, Any]):
        self.process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # Both pipes exist: they were asked for above (Popen types them as optional).
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        # The session (with the password) goes through the pipe, never the command line.
        self.send(session)

    def send(self, message: object) -> None:
        """Pickle one message to the reader."""
        pickle.dump(message, self.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.stdin.flush()

    def receive(self) -> Any:
        """The reader's next answer (unpickled)."""
        return pickle.load(self.stdout)

    def stop(self) -> None:
        try:
            self.stdin.close()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stdout.close()


@dataclass
class DescriptorBatch:
    """One folder's request to the readers: `parts` answers to collect under `ticket`."""

    ticket: int
    size: int
    parts: int
    generation: int
    failure: str = ""


class DescriptorReaders:
    """`connections` reader processes; the rate limit is shared out among them. Started on
    first use, stopped by `close`."""

    # Below this many files a folder goes to one reader only (splitting costs more).
    MIN_SPLIT = 16

    def __init__(self, session: dict, connections: int, in_flight: int, per_second: float):
        self._session = session
        self._connections = connections
        self._in_flight = in_flight
        self._per_second = per_second / connections if per_second > 0 else 0.0
        self._readers: list[_Reader] = []
        self._generation = 0  # counts restarts: a batch sent before one cannot be collected
        self._tickets = 0

    def submit(self, folder_unc: str, names: Sequence[str]) -> DescriptorBatch:
        """Send the folder's names to the readers (split when there are many); the answer
        is picked up with `collect`, in the order of submission."""
        self._tickets += 1
        parts = self._connections if len(names) >= self.MIN_SPLIT else 1
        batch = DescriptorBatch(self._tickets, len(names), parts, self._generation)
        try:
            if not self._readers:
                self._readers = [_Reader(self._session) for _ in range(self._connections)]
            # Interleaved slices keep the parts equally long.
            for i in range(parts):
                self._readers[i].send(
                    (batch.ticket, folder_unc, list(names[i::parts]), self._in_flight, self._per_second)
                )
        except OSError as exc:
            self.close()
            batch.failure = f"descriptor reader process failed: {exc!r}"
        return batch

    def collect(self, batch: DescriptorBatch) -> list[bytes | int]:
        """Descriptor bytes or refusing NTSTATUS per name, in order. Raises ConnectionError
        when a connection or reader failed; the readers are then restarted on the next
        submit and batches still outstanding fail too (their caller reads them elsewhere).
        Every answer carries its request's ticket: a descriptor can never be attributed to
        another file."""
        if batch.failure:
            raise ConnectionError(batch.failure)
        if batch.generation != self._generation:
            raise ConnectionError("descriptor readers were restarted")
        try:
            results: list[bytes | int] = [0] * batch.size
            for i in range(batch.parts):
                try:
                    ticket, ok, value = self._readers[i].receive()
                except (OSError, EOFError, pickle.UnpicklingError) as exc:
                    raise ConnectionError(f"descriptor reader process failed: {exc!r}") from None
                if not ok:
                    raise ConnectionError(value)
                if ticket != batch.ticket or len(value) != len(range(i, batch.size, batch.parts)):
                    raise ConnectionError("descriptor reader answered out of order")
                results[i :: batch.parts] = value
            return results
        except ConnectionError:
            self.close()
            raise

    def close(self) -> None:
        for reader in self._readers:
            reader.stop()
        self._readers = []
        self._generation += 1


# --- the reader process ---------------------------------------------------------------------


def _serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer (ticket, folder, names, in_flight, per_second) requests with (ticket, True,
    descriptors) or (ticket, False, reason) until stdin closes. After a failure the session is dropped, so the next
    request connects afresh."""
    session = pickle.load(requests)
    cache: dict = {}
    pacers: dict[float, RatePacer] = {}  # one per rate, kept across folders
    while True:
        try:
            ticket, folder_unc, names, in_flight, per_second = pickle.load(requests)
        except EOFError:
            return
        try:
            pace = pacers.setdefault(per_second, RatePacer(per_second)).pace
            answer: tuple[int, bool, list[bytes | int] | str] = (
                ticket,
                True,
                query_securities(folder_unc, names, in_flight, pace, connection_cache=cache, **session),
            )
        except SMBOSError as exc:  # the folder itself: the caller retries file by file
            answer = (ticket, True, [exc.ntstatus] * len(names))
        except Exception as exc:  # smbprotocol's exceptions do not all survive pickling
            answer = (ticket, False, f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):  # a dead connection may fail to close; it is replaced either way
                smbclient.reset_connection_cache(connection_cache=cache)
            cache = {}
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    # Answers get their own copy of stdout; anything a library prints goes to stderr and
    # cannot corrupt the pickle stream.
    answer_stream = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(sys.stdin.buffer, answer_stream)
