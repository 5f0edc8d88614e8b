"""NT security descriptors → read principals (pure, no server)."""

import struct

import pytest

from aktenlotse.crawler.nt_acl import (
    FILE_ALL_ACCESS,
    GENERIC_EXECUTE,
    GENERIC_READ,
    INHERIT_ONLY,
    INHERITED,
    Ace,
    DescriptorError,
    encode_descriptor,
    encode_sid,
    parse_descriptor,
    parse_sid,
    read_principals,
    traverse_principals,
)

DOM = "S-1-5-21-1-2-3"
READ = 0x001200A9


def principals(aces, **kw):
    return read_principals(parse_descriptor(encode_descriptor(f"{DOM}-500", f"{DOM}-513", aces, **kw)))


def test_sid_round_trip():
    raw = encode_sid(f"{DOM}-1104")
    assert parse_sid(raw) == (f"{DOM}-1104", len(raw))


def test_well_known_sids_map_to_principals():
    allow, deny = principals(
        [
            Ace(0, 0, READ, "S-1-1-0"),
            Ace(0, 0, READ, "S-1-5-11"),
            Ace(0, 0, READ, "S-1-5-32-545"),
            Ace(0, 0, READ, f"{DOM}-513"),
        ]
    )
    assert allow == ("authenticated", "everyone", f"sid:{DOM}-513") and deny == ()


@pytest.mark.parametrize(
    "mask,readable",
    [
        (READ, True),
        (GENERIC_READ, True),
        (0x10000000, True),
        (FILE_ALL_ACCESS, True),
        (0x1, True),
        (0x00020080, False),
        (0x2, False),
    ],
)
def test_read_rights(mask, readable):
    allow, _ = principals([Ace(0, 0, mask, f"{DOM}-1102")])
    assert (f"sid:{DOM}-1102" in allow) == readable


def test_deny_is_kept_whatever_its_position_and_inherit_only_is_skipped():
    allow, deny = principals(
        [
            Ace(0, 0, READ, f"{DOM}-1107"),
            Ace(1, INHERITED, READ, f"{DOM}-1104"),
            Ace(0, INHERIT_ONLY | 0x3, READ, f"{DOM}-1105"),
            Ace(1, 0, 0x2, f"{DOM}-1106"),
            Ace(0, 0, READ, "S-1-3-0"),
        ]
    )
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


# --- every ACE type handled explicitly ----------------------------------------------------


def _condition(attribute: str, value: str) -> bytes:
    """A conditional-ACE expression `(@User.<attribute> == "<value>")` in its binary form
    (MS-DTYP 2.4.4.17: "artx", then the tokens in postfix order)."""

    def utf16(text: str) -> bytes:
        raw = text.encode("utf-16-le")
        return struct.pack("<I", len(raw)) + raw

    expression = b"artx" + b"\xf9" + utf16(attribute) + b"\x10" + utf16(value) + b"\x80"
    return expression + b"\0" * (-len(expression) % 4)


def _raw_descriptor(aces: list[bytes]) -> bytes:
    """A self-relative descriptor with the given raw ACEs as its DACL (no owner/group)."""
    body = b"".join(aces)
    acl = struct.pack("<BBHHH", 4, 0, 8 + len(body), len(aces), 0) + body
    return struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 20) + acl


def _raw_ace(ace_type: int, mask: int, sid: str, before_sid: bytes = b"", after_sid: bytes = b"") -> bytes:
    body = before_sid + encode_sid(sid) + after_sid
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<BBHI", ace_type, 0, 8 + len(body), mask) + body


def test_callback_allow_with_condition_parses_and_grants_nothing():
    condition = _condition("department", "Bauamt")
    sd = parse_descriptor(
        _raw_descriptor([_raw_ace(0x09, READ, f"{DOM}-1102", after_sid=condition), _raw_ace(0x00, READ, f"{DOM}-1103")])
    )
    callback = sd.dacl[0]
    assert (callback.type, callback.sid) == (0x09, f"{DOM}-1102")
    assert callback.data.startswith(b"artx") and "Bauamt".encode("utf-16-le") in callback.data
    assert sd.dacl[1].sid == f"{DOM}-1103"  # the ACE after the condition is found where it is
    assert read_principals(sd) == ((f"sid:{DOM}-1103",), ())


def test_callback_deny_denies_whatever_its_condition():
    sd = parse_descriptor(
        _raw_descriptor(
            [_raw_ace(0x0A, READ, f"{DOM}-1102", after_sid=_condition("x", "y")), _raw_ace(0x00, READ, f"{DOM}-1102")]
        )
    )
    assert read_principals(sd) == ((f"sid:{DOM}-1102",), (f"sid:{DOM}-1102",))


@pytest.mark.parametrize("object_flags,guids", [(0, b""), (1, b"\x11" * 16), (3, b"\x22" * 32)])
def test_object_aces_allow_nothing_and_deny(object_flags, guids):
    head = struct.pack("<I", object_flags) + guids
    sd = parse_descriptor(
        _raw_descriptor(
            [
                _raw_ace(0x05, READ, f"{DOM}-1102", before_sid=head),  # object allow
                _raw_ace(
                    0x0B, READ, f"{DOM}-1103", before_sid=head, after_sid=_condition("a", "b")
                ),  # callback object allow
                _raw_ace(0x06, READ, f"{DOM}-1104", before_sid=head),  # object deny
                _raw_ace(
                    0x0C, READ, f"{DOM}-1105", before_sid=head, after_sid=_condition("a", "b")
                ),  # callback object deny
            ]
        )
    )
    assert [a.sid for a in sd.dacl] == [f"{DOM}-110{i}" for i in (2, 3, 4, 5)]
    assert read_principals(sd) == ((), (f"sid:{DOM}-1104", f"sid:{DOM}-1105"))


def test_unknown_ace_type_grants_nothing_and_does_not_hide_the_rest():
    sd = parse_descriptor(
        _raw_descriptor(
            [
                _raw_ace(0x42, READ, f"{DOM}-1102"),
                _raw_ace(0x00, READ, f"{DOM}-1103"),
                _raw_ace(0x04, READ, f"{DOM}-1106"),
            ]
        )
    )  # 0x04: compound allow
    assert [a.type for a in sd.dacl] == [0x42, 0x00, 0x04]
    assert read_principals(sd) == ((f"sid:{DOM}-1103",), ())


def test_audit_ace_in_the_dacl_is_skipped():
    sd = parse_descriptor(_raw_descriptor([_raw_ace(0x02, READ, f"{DOM}-1102"), _raw_ace(0x00, READ, f"{DOM}-1103")]))
    assert read_principals(sd) == ((f"sid:{DOM}-1103",), ())


@pytest.mark.parametrize("deny_type", [0x01, 0x06, 0x0A, 0x0C])
def test_every_deny_type_covering_read_denies(deny_type):
    head = struct.pack("<I", 0) if deny_type in (0x06, 0x0C) else b""
    sd = parse_descriptor(
        _raw_descriptor(
            [
                _raw_ace(deny_type, GENERIC_READ, f"{DOM}-1102", before_sid=head),
                _raw_ace(deny_type, 0x2, f"{DOM}-1103", before_sid=head),
            ]
        )
    )
    assert read_principals(sd)[1] == (f"sid:{DOM}-1102",)  # a write-only deny does not hide


@pytest.mark.parametrize(
    "mask,traverses",
    [
        (0x20, True),
        (GENERIC_EXECUTE, True),
        (0x10000000, True),
        (FILE_ALL_ACCESS, True),
        (READ, True),
        (0x1, False),
        (GENERIC_READ, False),
    ],
)
def test_traverse_rights(mask, traverses):
    sd = parse_descriptor(encode_descriptor(None, None, [Ace(0, 0, mask, f"{DOM}-1102")]))
    assert (f"sid:{DOM}-1102" in traverse_principals(sd)[0]) == traverses


def test_encoded_callback_ace_round_trips():
    condition = _condition("department", "Bauamt")
    raw = encode_descriptor(None, None, [Ace(0x09, 0, READ, f"{DOM}-1102", condition), Ace(0, 0, READ, f"{DOM}-1103")])
    sd = parse_descriptor(raw)
    assert sd.dacl[0].data == condition
    assert read_principals(sd) == ((f"sid:{DOM}-1103",), ())
