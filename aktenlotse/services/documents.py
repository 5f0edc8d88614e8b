"""Downloading as a user, with a fresh permission check at the source, and the portal's
configuration check. Searching lives in `aktenlotse.services.search`."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from aktenlotse.core import visibility
from aktenlotse.core.config import Config, ConfigError
from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.crawler.documents import CHILD_SEPARATOR
from aktenlotse.crawler.source import close_all
from aktenlotse.pipeline.app import sources_for
from aktenlotse.search.backend import Backend
from aktenlotse.stores.statedb import StateDB

MSG_NOT_FOUND = "Dieses Dokument gibt es nicht (mehr), oder Sie haben keinen Zugriff darauf."
MSG_ACCESS_CHANGED = (
    "Sie haben keinen Zugriff (mehr) auf diese Datei. Die Berechtigung wurde eben an der Ablage geprüft."
)
MSG_FILE_GONE = "Die Datei liegt nicht mehr an diesem Ort. Der nächste Crawl aktualisiert den Suchindex."
MSG_FILE_UNREADABLE = "Die Datei kann gerade nicht gelesen werden. Bitte später erneut versuchen."


class DownloadDenied(UserFacingError):
    """`message` is for the user (German)."""


def check_portal_config(config: Config) -> None:
    """A production portal needs a directory; demo mode must be chosen explicitly."""
    if config.auth.mode == "ldap" and not (config.auth.url and config.auth.base_dn):
        raise ConfigError(
            "auth.url: the portal needs an LDAP/AD server (auth.url and auth.base_dn); "
            'for a trial only, set auth.mode = "demo"'
        )


@dataclass
class Download:
    """A file ready to hand to the user: its name, its bytes (already read) and their size."""

    file_name: str
    stream: BinaryIO
    size: int


def open_download(config: Config, backend: Backend, doc_id: str, principals: Sequence[str]) -> Download:
    """The file behind a hit, re-checking the user's permission on the file as it is now.

    The id comes from a hit, never a path from the user: a path in the request cannot
    reach anything the index does not hold. The index must show the document to the
    user, and the file's current permissions at the source must still let them read it:
    checked on the very handle the bytes are read from (`Source.open_verified`).
    """
    container_id = doc_id.split(CHILD_SEPARATOR, 1)[0]  # an attachment downloads its mail/archive
    doc = backend.get(container_id, list(principals))
    if doc is None:
        raise DownloadDenied(MSG_NOT_FOUND)
    state = StateDB(config.state_db)
    try:
        item = state.item(container_id)
    finally:
        state.close()
    if item is None:
        raise DownloadDenied(MSG_FILE_GONE)
    try:
        sources = sources_for(config)
    except ConfigError:
        raise DownloadDenied(MSG_FILE_GONE) from None
    try:
        source = next((s for s in sources if s.name == item.source), None)
        if source is None:
            raise DownloadDenied(MSG_FILE_GONE)
        try:
            opened = source.open_verified(item.path)
        except OSError:
            raise DownloadDenied(MSG_FILE_UNREADABLE) from None
        if opened is None:
            raise DownloadDenied(MSG_FILE_GONE)
        current, stream = opened
        with stream:
            # The check is on what was opened; the bytes come from that same handle, read
            # while the source's connection is open (SMB sessions close below).
            if not visibility.may_read(principals, visibility.of_item(current)):
                raise DownloadDenied(MSG_ACCESS_CHANGED)
            try:
                data = stream.read()
            except OSError:
                raise DownloadDenied(MSG_FILE_UNREADABLE) from None
    finally:
        close_all(sources)
    return Download(file_name=os.path.basename(doc.path) or "download", stream=io.BytesIO(data), size=len(data))


__all__ = ["Download", "DownloadDenied", "check_portal_config", "open_download"]
