"""NT security descriptors → read principals (pure, no server)."""

import pytest

from aktenlotse.crawler.nt_acl import (
    FILE_ALL_ACCESS, GENERIC_READ, INHERIT_ONLY, INHERITED, Ace, DescriptorError, encode_descriptor, encode_sid,
    parse_descriptor, parse_sid, read_principals,
)

DOM = "S-1-5-21-1-2-3"
READ = 0x001200A9


def principals(aces, **kw):
    return read_principals(parse_descriptor(encode_descriptor(f"{DOM}-500", f"{DOM}-513", aces, **kw)))


def test_sid_round_trip():
    raw = encode_sid(f"{DOM}-1104")
    assert parse_sid(raw) == (f"{DOM}-1104", len(raw))


def test_well_known_sids_map_to_principals():
    allow, deny = principals([Ace(0, 0, READ, "S-1-1-0"), Ace(0, 0, READ, "S-1-5-11"), Ace(0, 0, READ, "S-1-5-32-545"),
                              Ace(0, 0, READ, f"{DOM}-513")])
    assert allow == ("authenticated", "everyone", f"sid:{DOM}-513") and deny == ()


@pytest.mark.parametrize("mask,readable", [(READ, True), (GENERIC_READ, True), (0x10000000, True),
                                           (FILE_ALL_ACCESS, True), (0x1, True), (0x00020080, False), (0x2, False)])
def test_read_rights(mask, readable):
    allow, _ = principals([Ace(0, 0, mask, f"{DOM}-1102")])
    assert (f"sid:{DOM}-1102" in allow) == readable


def test_deny_is_kept_whatever_its_position_and_inherit_only_is_skipped():
    allow, deny = principals([Ace(0, 0, READ, f"{DOM}-1107"), Ace(1, INHERITED, READ, f"{DOM}-1104"),
                              Ace(0, INHERIT_ONLY | 0x3, READ, f"{DOM}-1105"), Ace(1, 0, 0x2, f"{DOM}-1106"),
                              Ace(0, 0, READ, "S-1-3-0")])
    assert allow == (f"sid:{DOM}-1107",)
    assert deny == (f"sid:{DOM}-1104",)  # a write-only deny does not hide


def test_null_and_empty_dacl():
    assert principals(None) == (("everyone",), ())
    assert principals([]) == ((), ())


def test_garbage_raises():
    with pytest.raises(DescriptorError):
        parse_descriptor(b"\x01\x00")
    good = encode_descriptor(f"{DOM}-500", None, [Ace(0, 0, READ, f"{DOM}-1102")])
    with pytest.raises(DescriptorError):
        parse_descriptor(good[:-3])
