"""German month and weekday names: for stop lists and for generated dates in benchmarks."""

from __future__ import annotations

MONTHS: tuple[str, ...] = ("Januar", "Februar", "März", "April", "Mai", "Juni")
MONTHS += ("Juli", "August", "September", "Oktober", "November", "Dezember")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
