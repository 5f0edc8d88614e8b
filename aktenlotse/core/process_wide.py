"""Values made once per process on first use (the lexicon, the analyzer, the spaCy
pipeline): loading them is slow, so threads that ask at the same time wait for the one
that loads instead of loading again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessWide(Generic[T]):
    """The value `make()` returns, made on the first `get()` and shared afterwards."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value; the first call makes it (once, also when threads call at the same time)."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._make()
        return self._value
