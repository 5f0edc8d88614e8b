"""srvsvc NetShareGetInfo level 502: the NDR and DCE/RPC framing (pure, no server)."""

import struct
import uuid

import pytest

from aktenlotse.crawler.nt_acl import Ace, encode_descriptor, parse_descriptor
from aktenlotse.crawler.smb_share_acl import (
    PTYPE_BIND,
    PTYPE_REQUEST,
    ShareAclError,
    decode_bind_ack,
    decode_get_info_502,
    decode_response,
    encode_bind,
    encode_get_info,
    encode_get_info_502_response,
    encode_request,
)

SD = encode_descriptor("S-1-5-32-544", None, [Ace(0, 0, 0x001200A9, "S-1-5-21-1-2-3-1104")])


def _pdu(ptype: int, body: bytes, flags: int = 3) -> bytes:
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", 16 + len(body), 0, 1) + body


def test_bind_names_srvsvc_and_ndr():
    pdu = encode_bind()
    assert pdu[2] == PTYPE_BIND and struct.unpack_from("<H", pdu, 8)[0] == len(pdu) == 72
    assert uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188").bytes_le in pdu
    assert uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le in pdu


def test_bind_ack_accepted_and_refused():
    address = b"\\PIPE\\srvsvc\0"
    head = struct.pack("<HHIH", 4280, 4280, 0x1234, len(address)) + address
    head += b"\0" * (-(16 + len(head)) % 4)
    accepted = _pdu(12, head + struct.pack("<BBH", 1, 0, 0) + struct.pack("<HH", 0, 0) + b"\0" * 20)
    decode_bind_ack(accepted)
    refused = _pdu(12, head + struct.pack("<BBH", 1, 0, 0) + struct.pack("<HH", 2, 1) + b"\0" * 20)
    with pytest.raises(ShareAclError):
        decode_bind_ack(refused)
    with pytest.raises(ShareAclError):
        decode_bind_ack(_pdu(13, b"\0\0"))  # BIND_NAK


def test_get_info_request_layout():
    stub = encode_get_info("\\\\srv", "daten")
    # unique pointer, then "\\srv\0" as 6 UTF-16 units, then "daten\0", then the level
    assert stub[:4] == struct.pack("<I", 0x20000)
    assert struct.unpack_from("<III", stub, 4) == (6, 0, 6)
    assert stub[16:28].decode("utf-16-le") == "\\\\srv\0"
    assert struct.unpack_from("<III", stub, 28) == (6, 0, 6)
    assert stub[40:52].decode("utf-16-le") == "daten\0"
    assert struct.unpack_from("<I", stub, 52) == (502,) and len(stub) == 56
    request = encode_request(stub, 16)
    assert request[2] == PTYPE_REQUEST and struct.unpack_from("<IHH", request, 16) == (56, 0, 16)


def test_level_502_answer_gives_the_descriptor():
    stub = encode_get_info_502_response("daten", "C:\\daten", SD)
    assert decode_get_info_502(stub) == SD
    assert parse_descriptor(decode_get_info_502(stub)).dacl[0].sid == "S-1-5-21-1-2-3-1104"
    # names of odd length move the descriptor off a 4-byte boundary: alignment is kept
    odd = encode_get_info_502_response("abc", "C:\\x", SD)
    assert decode_get_info_502(odd) == SD


def test_level_502_without_descriptor_and_refusals():
    assert decode_get_info_502(encode_get_info_502_response("daten", "C:\\daten", b"")) == b""
    with pytest.raises(ShareAclError) as denied:
        decode_get_info_502(encode_get_info_502_response("", "", b"", status=5))
    assert denied.value.denied
    with pytest.raises(ShareAclError) as unknown:
        decode_get_info_502(encode_get_info_502_response("", "", b"", status=2310))
    assert not unknown.value.denied
    with pytest.raises(ShareAclError):
        decode_get_info_502(encode_get_info_502_response("daten", "C:\\daten", SD)[:40] + b"\0\0\0\0")


def test_response_fragments_and_faults():
    stub, last = decode_response(_pdu(2, struct.pack("<IHBB", 4, 0, 0, 0) + b"abcd", flags=1))
    assert (stub, last) == (b"abcd", False)
    with pytest.raises(ShareAclError) as fault:
        decode_response(_pdu(3, struct.pack("<IHBB", 0, 0, 0, 0) + struct.pack("<I", 5)))
    assert fault.value.denied
