"""Sizes and counts as German readers write them."""

import datetime as dt

from aktenlotse.text.sizes import counted, decimal, decisions, german_time, grouped, human_size


def test_sizes_use_a_decimal_comma_and_stop_at_gigabytes():
    assert human_size(0) == "0 Byte"
    assert human_size(1536) == "1,5 KB"
    assert human_size(5 * 1024**4) == "5120,0 GB"


def test_counts_agree_in_number_and_group_digits_with_points():
    assert counted(1, "Datei", "Dateien") == "1 Datei"
    assert counted(0, "Datei", "Dateien") == "0 Dateien"
    assert decisions(1) == "1 Entscheidung"
    assert decisions(10_000) == "10.000 Entscheidungen"


def test_plain_numbers_group_digits_with_points_and_use_a_decimal_comma():
    assert grouped(0) == "0" and grouped(999) == "999" and grouped(1_234_567) == "1.234.567"
    assert decimal(42) == "42,0" and decimal(1234.56) == "1.234,6" and decimal(0.5, 2) == "0,50"


def test_times_are_day_and_minute_and_none_is_empty():
    at = dt.datetime(2026, 12, 4, 14, 5, 30).timestamp()
    assert german_time(at) == "04.12.2026 14:05"
    assert german_time(None) == "" and german_time(0) == ""
