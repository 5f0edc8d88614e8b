"""What the crawl passes from its worker threads to its main thread, and what a run reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from aktenlotse.core.records import Document
from aktenlotse.pipeline.change_detector import Change
from aktenlotse.stores.statedb import ItemRow


@dataclass
class WorkResult:
    """What a worker made of one `Change`: the documents to index, or why there are none
    (same content, a move of `moved_from`, an error, or the file vanished)."""

    job: Change
    content_hash: str | None = None
    docs: list[Document] = field(default_factory=list)
    same_content: bool = False
    moved_from: ItemRow | None = None
    error_kind: str | None = None
    error: str | None = None
    vanished: bool = False


@dataclass
class CrawlSummary:
    """The counts and outcome of one crawl run (what `crawl` prints and the run record keeps)."""

    new: int = 0
    changed: int = 0
    moved: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: int = 0
    permissions: int = 0  # items re-indexed only because their principals changed
    hidden: int = 0  # items hidden because their folder could not be verified
    extracted: int = 0
    bytes_extracted: int = 0
    seconds: float = 0.0
    status: str = "done"
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The counts with the derived rates, for the run record and `--json`."""
        data = dict(self.__dict__)
        data["docs_per_s"] = round(self.extracted / self.seconds, 1) if self.seconds else 0.0
        data["mb_per_s"] = round(self.bytes_extracted / 1e6 / self.seconds, 2) if self.seconds else 0.0
        data["files_per_s"] = round(self.files_seen / self.seconds, 1) if self.seconds else 0.0
        return data

    @property
    def files_seen(self) -> int:
        """Files listed and looked at (deleted ones and errors not counted)."""
        return self.new + self.changed + self.moved + self.unchanged + self.permissions
