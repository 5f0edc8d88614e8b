"""A share's own security descriptor (the "Freigabeberechtigungen"), read over SMB with
srvsvc NetShareGetInfo level 502 (MS-SRVS 3.1.4.10) on the \\PIPE\\srvsvc named pipe.

smbprotocol has no DCE/RPC, and one call needs little of it: a BIND to srvsvc and one
REQUEST, NDR-encoded by hand. The encoders and decoders are pure (unit-tested); only
`read_share_descriptor` does I/O.
"""

from __future__ import annotations

import struct
import uuid

from smbprotocol.exceptions import SMBResponseException
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    Open,
    ShareAccess,
)
from smbprotocol.tree import TreeConnect

SRVSVC_UUID = uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188")
SRVSVC_VERSION = (3, 0)
NDR_UUID = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")
NDR_VERSION = 2
OPNUM_NET_SHARE_GET_INFO = 16
LEVEL_502 = 502
MAX_FRAGMENT = 4280
PTYPE_REQUEST, PTYPE_RESPONSE, PTYPE_FAULT, PTYPE_BIND, PTYPE_BIND_ACK, PTYPE_BIND_NAK = 0, 2, 3, 11, 12, 13
PFC_FIRST_FRAG, PFC_LAST_FRAG = 0x01, 0x02
ERROR_ACCESS_DENIED = 5
NERR_NET_NAME_NOT_FOUND = 2310
_HEADER = struct.Struct("<BBBB4sHHI")  # version, minor, type, flags, data representation, frag len, auth len, call id
_LITTLE_ENDIAN_ASCII_IEEE = b"\x10\x00\x00\x00"


class ShareAclError(Exception):
    """The share's descriptor could not be read. `denied`: the server refused it to the
    account (as Windows does for non-administrators), as opposed to a broken answer."""

    def __init__(self, message: str, denied: bool = False):
        super().__init__(message)
        self.denied = denied


# -- DCE/RPC PDUs -----------------------------------------------------------------------------


def _header(ptype: int, body: bytes, call_id: int) -> bytes:
    return (
        _HEADER.pack(
            5, 0, ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, _LITTLE_ENDIAN_ASCII_IEEE, _HEADER.size + len(body), 0, call_id
        )
        + body
    )


def encode_bind(call_id: int = 1) -> bytes:
    """A BIND to srvsvc 3.0 with the NDR transfer syntax (one presentation context, id 0)."""
    body = struct.pack("<HHI", MAX_FRAGMENT, MAX_FRAGMENT, 0)
    body += struct.pack("<BBH", 1, 0, 0)  # one context element
    body += struct.pack("<HBB", 0, 1, 0)  # context id 0, one transfer syntax
    body += SRVSVC_UUID.bytes_le + struct.pack("<HH", *SRVSVC_VERSION)
    body += NDR_UUID.bytes_le + struct.pack("<I", NDR_VERSION)
    return _header(PTYPE_BIND, body, call_id)


def decode_bind_ack(pdu: bytes) -> None:
    """Raise ShareAclError unless `pdu` is a BIND_ACK that accepted our context."""
    ptype = _check_header(pdu)
    if ptype != PTYPE_BIND_ACK:
        raise ShareAclError(f"srvsvc: Bindung abgelehnt (Antworttyp {ptype})")
    pos = _HEADER.size + 8  # max xmit, max recv, assoc group
    (address_length,) = struct.unpack_from("<H", pdu, pos)
    pos += 2 + address_length
    pos += -pos % 4
    count = pdu[pos]
    pos += 4
    if count < 1 or struct.unpack_from("<H", pdu, pos)[0] != 0:  # result 0: acceptance
        raise ShareAclError("srvsvc: Bindung abgelehnt (Kontext nicht angenommen)")


def encode_request(stub: bytes, opnum: int, call_id: int = 2) -> bytes:
    body = struct.pack("<IHH", len(stub), 0, opnum) + stub
    return _header(PTYPE_REQUEST, body, call_id)


def decode_response(pdu: bytes) -> tuple[bytes, bool]:
    """The stub data of one RESPONSE fragment and whether it is the last fragment."""
    ptype = _check_header(pdu)
    if ptype == PTYPE_FAULT:
        (status,) = struct.unpack_from("<I", pdu, _HEADER.size + 8)
        raise ShareAclError(f"srvsvc: Fehler {status:#x} vom Server", denied=status == ERROR_ACCESS_DENIED)
    if ptype != PTYPE_RESPONSE:
        raise ShareAclError(f"srvsvc: unerwartete Antwort (Typ {ptype})")
    (frag_length,) = struct.unpack_from("<H", pdu, 8)
    return pdu[_HEADER.size + 8 : frag_length], bool(pdu[3] & PFC_LAST_FRAG)


def _check_header(pdu: bytes) -> int:
    if len(pdu) < _HEADER.size or pdu[0] != 5:
        raise ShareAclError("srvsvc: keine DCE/RPC-Antwort")
    (frag_length,) = struct.unpack_from("<H", pdu, 8)
    if frag_length > len(pdu):
        raise ShareAclError("srvsvc: Antwort abgeschnitten")
    return pdu[2]


# -- NDR for NetrShareGetInfo -----------------------------------------------------------------


def _ndr_string(text: str) -> bytes:
    """A conformant varying UTF-16 string with its terminating NUL, padded to 4 bytes."""
    raw = (text + "\0").encode("utf-16-le")
    count = len(raw) // 2
    data = struct.pack("<III", count, 0, count) + raw
    return data + b"\0" * (-len(data) % 4)


def encode_get_info(server: str, share: str, level: int = LEVEL_502) -> bytes:
    """The NDR stub of NetrShareGetInfo(ServerName [unique], NetName [ref], Level)."""
    return struct.pack("<I", 0x00020000) + _ndr_string(server) + _ndr_string(share) + struct.pack("<I", level)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def u32(self) -> int:
        self.pos += -self.pos % 4
        if self.pos + 4 > len(self.data):
            raise ShareAclError("srvsvc: Antwort zu kurz")
        (value,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return value

    def raw(self, length: int) -> bytes:
        if self.pos + length > len(self.data):
            raise ShareAclError("srvsvc: Antwort zu kurz")
        value = self.data[self.pos : self.pos + length]
        self.pos += length
        return value

    def string(self) -> str:
        _max, _offset, count = self.u32(), self.u32(), self.u32()
        return self.raw(2 * count).decode("utf-16-le", "replace").rstrip("\0")


def decode_get_info_502(stub: bytes) -> bytes:
    """The share's self-relative security descriptor from a NetrShareGetInfo level-502
    answer (b"" when the share has none). ShareAclError for a refusal or a bad answer."""
    reader = _Reader(stub)
    if len(stub) < 8:
        raise ShareAclError("srvsvc: Antwort zu kurz")
    (status,) = struct.unpack_from("<I", stub, len(stub) - 4)
    if status == ERROR_ACCESS_DENIED:
        raise ShareAclError("Freigabeberechtigungen: Zugriff verweigert", denied=True)
    if status == NERR_NET_NAME_NOT_FOUND:
        raise ShareAclError("Freigabeberechtigungen: Freigabe unbekannt")
    if status:
        raise ShareAclError(f"Freigabeberechtigungen: Fehler {status} vom Server")
    if reader.u32() != LEVEL_502 or not reader.u32():
        raise ShareAclError("srvsvc: Antwort ohne Level-502-Daten")
    name_ref, _type, remark_ref, _perms, _max_uses, _uses, path_ref, password_ref, _size, sd_ref = (
        reader.u32() for _ in range(10)
    )
    for ref in (name_ref, remark_ref, path_ref, password_ref):
        if ref:
            reader.string()
    if not sd_ref:
        return b""
    length = reader.u32()
    return reader.raw(length)


def encode_get_info_502_response(name: str, path: str, descriptor: bytes, status: int = 0) -> bytes:
    """The server's side of `decode_get_info_502` (for tests: the layout MS-SRVS gives)."""
    if status:
        return struct.pack("<II", LEVEL_502, 0) + struct.pack("<I", status)
    head = struct.pack("<II", LEVEL_502, 0x00020000)
    refs = [0x00020004, 0, 0x00020008, 0, 0x0002000C, 0, 0x00020010 if descriptor else 0]
    fixed = struct.pack(
        "<IIIIIIIIII", refs[0], 0, refs[1], 0, 0xFFFFFFFF, 1, refs[2], refs[3], len(descriptor), refs[6]
    )
    deferred = _ndr_string(name) + _ndr_string(path)
    if descriptor:
        deferred += struct.pack("<I", len(descriptor)) + descriptor
        deferred += b"\0" * (-len(deferred) % 4)
    return head + fixed + deferred + struct.pack("<I", 0)


# -- the call ---------------------------------------------------------------------------------


def read_share_descriptor(tree: TreeConnect, server: str, share: str) -> bytes:
    """The security descriptor of `share`, asked on the IPC$ tree `tree` (a
    smbprotocol TreeConnect of the account). ShareAclError when it cannot be had."""
    pipe = Open(tree, "srvsvc")
    try:
        pipe.create(
            ImpersonationLevel.Impersonation,
            FilePipePrinterAccessMask.FILE_READ_DATA | FilePipePrinterAccessMask.FILE_WRITE_DATA,
            0,
            ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE,
            CreateDisposition.FILE_OPEN,
            CreateOptions.FILE_NON_DIRECTORY_FILE,
        )
    except SMBResponseException as exc:
        raise ShareAclError(f"srvsvc nicht erreichbar ({exc.status:#x})", denied=exc.status == 0xC0000022) from None
    try:
        pipe.write(encode_bind())
        decode_bind_ack(pipe.read(0, MAX_FRAGMENT))
        pipe.write(encode_request(encode_get_info("\\\\" + server, share), OPNUM_NET_SHARE_GET_INFO))
        stub = b""
        while True:
            part, last = decode_response(pipe.read(0, MAX_FRAGMENT))
            stub += part
            if last:
                return decode_get_info_502(stub)
    except SMBResponseException as exc:
        raise ShareAclError(f"srvsvc: Fehler {exc.status:#x}") from None
    finally:
        pipe.close()
