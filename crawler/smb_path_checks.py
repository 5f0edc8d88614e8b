"""The checks an SMB server makes above a file, read live over a source's session: the share
ACL (over srvsvc), the folders between the share root and the source root, the folders on
the path and the file's own DACL. Used by the walk (the start of every path) and by
downloads and `aktenlotse access explain` (read now, never from the index)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from smbprotocol import exceptions as smb_errors

from aktenlotse.core.access_checks import FOLDER, AccessCheck
from aktenlotse.core.config import SourceConfig
from aktenlotse.crawler.nt_acl import DescriptorError
from aktenlotse.crawler.smb_access import PathChecks, closed_share_check, folder_check, item_check, share_check, start
from aktenlotse.crawler.smb_connection import query_security, read_share_security
from aktenlotse.crawler.smb_session import SmbSession
from aktenlotse.crawler.smb_share_acl import ShareAclError
from aktenlotse.crawler.source import SourceUnavailable, safe_parts


def unc_below(unc_root: str, rel: str) -> str:
    """The UNC path of `rel` ('/'-separated, below the source root)."""
    return unc_root + ("\\" + rel.replace("/", "\\") if rel else "")


class SmbPathChecks:
    """The live checks above the files of one source (see the module docstring)."""

    def __init__(self, config: SourceConfig, session: SmbSession):
        self.config = config
        self.name = config.name
        self.server = config.smb_server
        self.unc_root = config.unc_root
        self._call = session.call
        self._session = session
        # The share ACL's srvsvc call has a connection of its own: when it hangs, that one
        # is dropped and the walk's connection is untouched.
        self._acl_cache: dict[str, Any] = {}
        self._enforce_traverse = config.traverse == "enforced"
        # How the share ACL was taken into account at the last look (one German line).
        self.share_acl_state = ""

    def _unc(self, rel: str) -> str:
        return unc_below(self.unc_root, rel)

    def share_start(self) -> PathChecks:
        """The share ACL's check (read now), as the start of every path's checks."""
        if self.config.share_acl == "ignore":
            self.share_acl_state = (
                'Freigabeberechtigungen nicht berücksichtigt (share_acl = "ignore": laut '
                "Administrator schränken sie das Lesen nicht ein)"
            )
            return start(None, b"ignore")
        try:
            raw = self._read_share_acl()
            if not raw:
                raise ShareAclError("der Server gab keine heraus")
            check = share_check(raw)
        except (ShareAclError, DescriptorError) as exc:
            self.share_acl_state = (
                f"Freigabeberechtigungen nicht lesbar ({exc}): die Freigabe bleibt für alle "
                f'verborgen (share_acl = "ignore" nur, wenn sie das Lesen nicht einschränken)'
            )
            return start(closed_share_check(str(exc)), b"unreadable")
        self.share_acl_state = "Freigabeberechtigungen gelesen und berücksichtigt"
        return start(check, raw)

    def _read_share_acl(self) -> bytes:
        """The share's descriptor over srvsvc within `share_acl_timeout_s`. A server that
        accepts the call and never answers would hold the walk (and a download) forever:
        past the limit the call's connection is dropped and ShareAclError says so."""
        limit = self.config.share_acl_timeout_s
        answer: dict[str, Any] = {}

        cancelled = threading.Event()

        def ask() -> None:
            try:
                raw = self._ask_share_acl(cancelled)
                if not raw:
                    # The Samba DC's RPC server answered the first question after a change of
                    # its share store without a descriptor, the next one with it: ask once more.
                    raw = self._ask_share_acl(cancelled)
                answer["raw"] = raw
            except BaseException as exc:  # handed to the caller's thread, raised there
                answer["error"] = exc

        # A daemon thread: one stuck on a dead socket must not hold up the process's exit.
        worker = threading.Thread(target=ask, name=f"share-acl-{self.name}", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            cancelled.set()  # the worker must not open a new connection once it wakes
            self._drop()  # closing the socket ends the waiting call
            raise ShareAclError(f"keine Antwort des Servers innerhalb von {limit:g} s")
        if "error" in answer:
            raise answer["error"]
        return answer["raw"]

    def _ask_share_acl(self, cancelled: threading.Event) -> bytes:
        """One srvsvc call on the share ACL's own connection (same account as the walk). A
        connection the server has closed since (idle, restarted) is opened anew once, not
        after the caller gave up waiting."""
        for attempt in (1, 2):
            if cancelled.is_set():
                raise ShareAclError("abgebrochen")
            kwargs = {**self._session.session_kwargs(), "connection_cache": self._acl_cache}
            try:
                return read_share_security(self.server, self.config.smb_share, **kwargs)
            except smb_errors.SMBAuthenticationError as exc:
                raise SourceUnavailable(self._session.auth_message(str(exc))) from None
            except smb_errors.SMBResponseException as exc:  # an answer: IPC$ or the pipe refused
                raise ShareAclError(f"IPC$: Fehler {exc.status:#x}") from None
            except (ValueError, OSError, smb_errors.SMBException) as exc:
                if cancelled.is_set():
                    raise ShareAclError("abgebrochen") from None
                self._drop()
                if attempt == 2:
                    raise SourceUnavailable(
                        f"source {self.name!r}: Dateiserver {self.server} nicht erreichbar "
                        f"(share ACL: server unreachable on port {self.config.smb_port}: {exc})"
                    ) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    def _drop(self) -> None:
        """Close the share ACL's connection without logging off: a log-off waits for an
        answer that a stalled server never sends."""
        cache, self._acl_cache = self._acl_cache, {}
        for connection in cache.values():
            with contextlib.suppress(Exception):
                connection.disconnect(close=False)

    def close(self) -> None:
        """Close the share ACL's connection (without a log-off, see `_drop`)."""
        self._drop()

    def share_acl_status(self) -> tuple[bool, str]:
        """(counted or deliberately ignored, one German line) for `aktenlotse check`;
        False when the share ACL cannot be read and the share is hidden from everyone."""
        try:
            checks = self.share_start()
        except SourceUnavailable as exc:
            return False, str(exc)
        closed = bool(checks.checks) and not checks.checks[0].allow
        return not closed, self.share_acl_state

    def root_parent_checks(self) -> PathChecks:
        """The share's check and, with traverse enforced, those of the folders between the
        share root and the source's root (the root itself is checked by its listing). A
        folder there that cannot be read makes the source unavailable (nothing deleted,
        everything hidden)."""
        checks = self.share_start()
        if not self._enforce_traverse:
            return checks
        parts = [p for p in self.config.smb_path.split("/") if p]
        share_unc = f"\\\\{self.server}\\{self.config.smb_share}"
        for depth in range(len(parts)):
            unc = share_unc + "".join("\\" + p for p in parts[:depth])
            try:
                raw = self._call(query_security, unc)
                checks = checks.below(folder_check(unc, raw), raw)
            except (smb_errors.SMBOSError, DescriptorError) as exc:
                raise SourceUnavailable(
                    f"source {self.name!r}: Berechtigungen des Ordners {unc} nicht lesbar "
                    f"({exc}), alles darunter bleibt verborgen"
                ) from None
        return checks

    def live_checks(self, rel_dir: str) -> PathChecks:
        """The checks before the inside of `rel_dir`, read now (downloads, explanations). A
        folder whose descriptor cannot be read is a check nobody passes."""
        checks = self.root_parent_checks()
        if not self._enforce_traverse:
            return checks
        parts = [p for p in rel_dir.split("/") if p]
        for depth in range(len(parts) + 1):
            rel = "/".join(parts[:depth])
            try:
                raw = self._call(query_security, self._unc(rel))
                checks = checks.below(folder_check(rel, raw), raw)
            except (smb_errors.SMBOSError, DescriptorError) as exc:
                closed = AccessCheck(FOLDER, rel, (), (), (f"niemand  Berechtigungen nicht lesbar: {exc}",))
                checks = checks.below(closed, b"unreadable")
        return checks

    def access_checks(self, rel_path: str) -> list[AccessCheck]:
        """Every check the server makes before `rel_path` (a file, or a folder: '' is the
        source root) is read, live: the share
        ACL, the folders on the path (traverse enforced), the file's own DACL (last). An
        unreadable descriptor is a check nobody passes."""
        parts = [] if rel_path.strip("/") == "" else safe_parts(rel_path)
        if parts is None:
            raise ValueError(f"kein Pfad unterhalb der Quelle: {rel_path!r}")
        rel = "/".join(parts)
        # The source root itself (a folder): the checks above it, then its own DACL.
        checks = self.live_checks("/".join(parts[:-1])) if parts else self.root_parent_checks()
        try:
            item = item_check(rel, self._call(query_security, self._unc(rel)))
        except (smb_errors.SMBOSError, DescriptorError) as exc:
            item = AccessCheck("item", rel, (), (), (f"niemand  Berechtigungen nicht lesbar: {exc}",))
        return [*checks.checks, item]
