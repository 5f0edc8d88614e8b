"""Which names a crawl skips: Office lock files and OS droppings always, plus the
source's include/exclude globs (`*` also crosses folders). Shared by every Source."""

from __future__ import annotations

import fnmatch
import re

from aktenlotse.core.config import SourceConfig

# Files that are never documents: Office lock files, thumbnail caches, OS droppings.
ALWAYS_SKIPPED = ("~$*", ".~lock.*#", "Thumbs.db", "thumbs.db", ".DS_Store", "desktop.ini", "*.tmp", "*.TMP")
_ALWAYS_SKIPPED_RE = re.compile("|".join(fnmatch.translate(p) for p in ALWAYS_SKIPPED))


def is_excluded(config: SourceConfig, rel: str, name: str, is_dir: bool) -> bool:
    if not is_dir and _ALWAYS_SKIPPED_RE.match(name):
        return True
    if config.exclude and any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in config.exclude):
        return True
    if config.include and not is_dir:
        return not any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in config.include)
    return False
