"""Warm-up at `aktenlotse serve` start: open the index and load the query encoder once, in
the background, so that the portal answers at once and its first search is fast.

Without it the first search after a start paid for everything (encoder model, index
files, search server connection): about 15 s. The warm-up runs one real search with the
very context the pages use (`context.shared_context`), as a user who may read nothing
but what everyone may read; its hits go nowhere.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aktenlotse.core.records import EVERYONE
from aktenlotse.portal.context import PortalContext, shared_context
from aktenlotse.services.search import default_mode, query_from_filters, search_as

WARM_UP_QUERY = "Antrag"  # any common word: what is warmed is the path, not the hits
log = logging.getLogger(__name__)


def warm_up(ctx: PortalContext) -> float:
    """One search as the pages run it (default mode, facets), and one in hybrid mode when
    embeddings are configured (that loads the query encoder, also before any vectors are
    stored: the first hybrid search embeds the query all the same); the popular queries
    read into memory. Returns the seconds. Nothing of it is counted in the search log."""
    start = time.perf_counter()
    mode = default_mode(ctx.backend)
    modes = (
        [mode]
        if mode == "hybrid" or not (ctx.config.enrich.enabled and ctx.config.enrich.embeddings)
        else [mode, "hybrid"]
    )
    for each in modes:
        query = query_from_filters(WARM_UP_QUERY, each, "relevance", {}, 0, ctx.config.portal.page_size)
        search_as(ctx.config, ctx.backend, query, (EVERYONE,))
    ctx.search_log.popular_queries(WARM_UP_QUERY)  # reads the popular queries for autocomplete
    return time.perf_counter() - start


def _warm_up_in_background() -> None:
    try:
        seconds = warm_up(shared_context())
    except Exception as error:  # noqa: BLE001 - the pages show the same problem to the user, in German
        # On the console next to "Portal: …", where whoever started the portal looks.
        print(f"Vorbereitung der Suche fehlgeschlagen ({error}); die erste Suche lädt alles selbst.", flush=True)
        log.warning("warm-up failed", exc_info=True)
        return
    print(f"Suche vorbereitet ({seconds:.1f} s).", flush=True)


@asynccontextmanager
async def warm_up_at_start(_app: Any) -> AsyncIterator[None]:
    """The portal server's lifespan: start the warm-up thread, serve at once."""
    threading.Thread(target=_warm_up_in_background, name="aktenlotse-warm-up", daemon=True).start()
    yield None
