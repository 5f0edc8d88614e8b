"""The SMB rate limit: request starts spaced at least 1/rate apart, none for rate 0."""

import time

from aktenlotse.crawler.smb_compound_reads import RatePacer


def test_starts_are_spaced_by_the_rate():
    pacer = RatePacer(50.0)
    started = time.monotonic()
    for _ in range(11):
        pacer.pace()
    assert time.monotonic() - started >= 10 / 50.0 - 0.005  # ten gaps of 20 ms


def test_rate_zero_never_waits():
    pacer = RatePacer(0)
    started = time.monotonic()
    for _ in range(10_000):
        pacer.pace()
    assert time.monotonic() - started < 1.0
