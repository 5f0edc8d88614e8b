"""The conformance suite every Backend must pass with the same results.

Use it by subclassing `BackendConformance` in a test module and providing a `backend`
fixture that yields an empty backend (closed afterwards):

    class TestMyBackend(BackendConformance):
        @pytest.fixture
        def backend(self, tmp_path):
            b = MyBackend(...)
            yield b
            b.close()
"""

from __future__ import annotations

from tests.conformance_analysis import AnalysisConformance
from tests.conformance_filters import FilterConformance
from tests.conformance_permissions import PermissionConformance
from tests.conformance_suggestions import SuggestionConformance
from tests.conformance_vectors import VectorConformance
from tests.conformance_writes import WriteConformance


class BackendConformance(
    AnalysisConformance,
    PermissionConformance,
    FilterConformance,
    WriteConformance,
    SuggestionConformance,
    VectorConformance,
):
    """Behaviour every Backend shares, by topic in the parts it is made of (the corpus they
    search is in tests/conformance_corpus.py). Subclasses provide an empty `backend` fixture."""
