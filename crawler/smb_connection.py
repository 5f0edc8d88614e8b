"""Low-level SMB calls that `smbclient` has no public function for: reading and writing a
file's security descriptor (SMB2 QUERY_INFO / SET_INFO with SMB2_0_INFO_SECURITY)."""

from __future__ import annotations

import smbclient
from smbclient._io import SMBFileTransaction, SMBRawIO
from smbprotocol.open import (
    CreateOptions, FilePipePrinterAccessMask, InfoType, SMB2QueryInfoRequest, SMB2QueryInfoResponse,
    SMB2SetInfoRequest, SMB2SetInfoResponse, ShareAccess,
)

OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4
SECURITY_INFO = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
SD_BUFFER = 65536
ALL_SHARES = ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE


def _open_raw(path: str, access: int, **kwargs) -> SMBRawIO:
    # READ_CONTROL alone does not conflict with share modes: a file open in Word (locked
    # for writing) still gives its descriptor.
    raw = SMBRawIO(path, mode="rb", share_access="rwd", desired_access=access,
                   create_options=CreateOptions.FILE_OPEN_REPARSE_POINT, **kwargs)
    raw.open()
    return raw


def query_security(path: str, **kwargs) -> bytes:
    """The self-relative security descriptor (owner, group, DACL) of a file or folder."""
    raw = _open_raw(path, FilePipePrinterAccessMask.READ_CONTROL | FilePipePrinterAccessMask.FILE_READ_ATTRIBUTES,
                    **kwargs)
    try:
        request = SMB2QueryInfoRequest()
        request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        request["output_buffer_length"] = SD_BUFFER
        request["additional_information"] = SECURITY_INFO
        request["file_id"] = raw.fd.file_id

        def receive(req):
            response = raw.fd.connection.receive(req)
            query = SMB2QueryInfoResponse()
            query.unpack(response["data"].get_value())
            return query["buffer"].get_value()

        with SMBFileTransaction(raw) as transaction:
            transaction += (request, receive)
        return transaction.results[0]
    finally:
        raw.close()


def set_security(path: str, descriptor: bytes, **kwargs) -> None:
    """Replace owner, group and DACL (admin tooling and tests; the crawler never writes)."""
    access = (FilePipePrinterAccessMask.WRITE_DAC | FilePipePrinterAccessMask.WRITE_OWNER
              | FilePipePrinterAccessMask.READ_CONTROL)
    raw = _open_raw(path, access, **kwargs)
    try:
        request = SMB2SetInfoRequest()
        request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        request["file_info_class"] = 0
        request["additional_information"] = SECURITY_INFO
        request["file_id"] = raw.fd.file_id
        request["buffer"] = descriptor

        def receive(req):
            response = raw.fd.connection.receive(req)
            result = SMB2SetInfoResponse()
            result.unpack(response["data"].get_value())
            return result

        with SMBFileTransaction(raw) as transaction:
            transaction += (request, receive)
    finally:
        raw.close()


__all__ = ["query_security", "set_security", "smbclient"]
