"""The base of the backend conformance suite's parts (tests/backend_conformance.py): the
backend under test, the corpus loaded into it, and a search as the tests write it."""

from __future__ import annotations

import pytest

from aktenlotse.search.backend import Hits, Query
from tests.conformance_corpus import BAUAMT, CORPUS


class ConformanceBase:
    """Subclasses provide an empty `backend` fixture."""

    @pytest.fixture
    def backend(self):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.fixture
    def loaded(self, backend):
        backend.upsert(list(CORPUS))
        return backend

    def search(self, backend, text: str, principals=BAUAMT, **kwargs) -> Hits:
        return backend.search(Query(text=text, limit=kwargs.pop("limit", 50), **kwargs), principals)
