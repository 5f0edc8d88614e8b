"""The Source object for a configured source: SMB roots get an SmbSource, folders a LocalSource.

One place that knows the concrete sources, for the crawl (`app.sources_for`) and for the
second passes that read files again (the OCR pass), so an SMB source is never read as a
local folder."""

from __future__ import annotations

from aktenlotse.core.config import SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.source import Source


def open_source(config: SourceConfig) -> Source:
    """The Source for `config` (not connected yet: an SmbSource connects on first use)."""
    if config.is_smb:
        # smbprotocol takes about half a second to import: only installs with SMB pay it.
        from aktenlotse.crawler.smb_source import SmbSource

        return SmbSource(config)
    return LocalSource(config)
