"""Low-level SMB calls that `smbclient` has no public function for: reading and writing a
file's security descriptor (SMB2 QUERY_INFO / SET_INFO with SMB2_0_INFO_SECURITY) one at a
time, and folder listings with the folder's own descriptor (the pipelined reads of all files
of a folder are in `smb_compound_reads`)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any, NamedTuple

import smbclient
from smbclient._io import SMBFileIO, SMBFileTransaction, SMBRawIO
from smbclient._pool import get_smb_tree
from smbprotocol.exceptions import NoMoreFiles, SMBOSError, SMBResponseException
from smbprotocol.file_info import FileInformationClass
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    DirectoryAccessMask,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    InfoType,
    Open,
    ShareAccess,
    SMB2QueryDirectoryResponse,
    SMB2QueryInfoRequest,
    SMB2QueryInfoResponse,
    SMB2SetInfoRequest,
    SMB2SetInfoResponse,
)

from aktenlotse.crawler.smb_share_acl import read_share_descriptor

OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4
SECURITY_INFO = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
SD_BUFFER = 65536
ALL_SHARES = ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE
# READ_CONTROL alone does not conflict with share modes: a file open in Word (locked for
# writing) still gives its descriptor.
READ_SECURITY = FilePipePrinterAccessMask.READ_CONTROL | FilePipePrinterAccessMask.FILE_READ_ATTRIBUTES
READ_DATA_AND_SECURITY = (
    READ_SECURITY | FilePipePrinterAccessMask.FILE_READ_DATA | FilePipePrinterAccessMask.SYNCHRONIZE
)


def _handle(path: str, access: int, io_class: type[SMBRawIO] = SMBRawIO, **kwargs: Any) -> SMBRawIO:
    """A handle on `path` itself (never what a reparse point points to), not opened yet."""
    return io_class(
        path,
        mode="rb",
        share_access="rwd",
        desired_access=access,
        create_options=CreateOptions.FILE_OPEN_REPARSE_POINT,
        **kwargs,
    )


def _open_raw(path: str, access: int, io_class: type[SMBRawIO] = SMBRawIO, **kwargs: Any) -> SMBRawIO:
    """An open handle on `path` itself (never what a reparse point points to)."""
    raw = _handle(path, access, io_class, **kwargs)
    raw.open()
    return raw


def query_security_request(file_id: bytes) -> SMB2QueryInfoRequest:
    request = SMB2QueryInfoRequest()
    request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
    request["output_buffer_length"] = SD_BUFFER
    request["additional_information"] = SECURITY_INFO
    request["file_id"] = file_id
    return request


def _read_security(raw: Any) -> bytes:
    """The security descriptor by one QUERY_INFO on `raw`'s handle. A handle that is not open
    yet is opened and closed in the same compounded request; on an open one the transaction
    sends only the QUERY_INFO on its file id."""

    def receive(req: Any) -> Any:
        response = raw.fd.connection.receive(req)
        query = SMB2QueryInfoResponse()
        query.unpack(response["data"].get_value())
        return query["buffer"].get_value()

    with SMBFileTransaction(raw) as transaction:
        transaction += (query_security_request(raw.fd.file_id), receive)
    return transaction.results[0]


def query_security(path: str, **kwargs: Any) -> bytes:
    """The self-relative security descriptor (owner, group, DACL) of a file or folder, read
    with one compounded CREATE + QUERY_INFO + CLOSE (smbclient follows DFS referrals here)."""
    return _read_security(_handle(path, READ_SECURITY, **kwargs))


def open_with_security(path: str, **kwargs: Any) -> tuple[SMBFileIO, bytes]:
    """A file opened for reading (a reparse point itself, never what it points to) and the
    security descriptor read on that same open handle: what the descriptor says is about
    the object the bytes will come from, with no second look-up by name. The caller
    closes the handle; SMBOSError when the file cannot be opened."""
    raw = _open_raw(path, READ_DATA_AND_SECURITY, SMBFileIO, **kwargs)
    try:
        return raw, _read_security(raw)
    except BaseException:
        raw.close()
        raise


def descriptor_from(response: Any) -> bytes:
    body = response["data"].get_value()
    # SMB2 QUERY_INFO response: StructureSize(2), OutputBufferOffset(2, from the header
    # start), OutputBufferLength(4), Buffer.
    offset, length = struct.unpack_from("<HI", body, 2)
    start = offset - 64
    return body[start : start + length]


# --- directory listing -----------------------------------------------------------------------
# smbclient.scandir parses every entry into smbprotocol structures and datetimes; on a
# no-change crawl that was a third of the crawler's own CPU. The entries are read here with
# one struct per entry instead.


class DirEntry(NamedTuple):
    name: str
    file_attributes: int
    end_of_file: int
    last_write_time: float  # seconds since 1970, to the microsecond
    change_time: float
    file_id: int


# MS-FSCC 2.4.18 FileIdFullDirectoryInformation: NextEntryOffset, FileIndex, CreationTime,
# LastAccessTime, LastWriteTime, ChangeTime, EndOfFile, AllocationSize, FileAttributes,
# FileNameLength, EaSize, Reserved, FileId, then the UTF-16 name.
_DIR_ENTRY = struct.Struct("<IIqqqqqqIIIIQ")
_FILETIME_1970 = 116444736000000000  # 100-ns intervals from 1601 to 1970


def filetime_seconds(filetime: int) -> float:
    """FILETIME as seconds since 1970, truncated to the microsecond like smbprotocol's
    datetimes (so both listing paths give the same numbers)."""
    return ((filetime - _FILETIME_1970) // 10) / 1e6


def datetime_seconds(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _parse_directory(buffer: bytes) -> list[DirEntry]:
    entries = []
    offset = 0
    while True:
        (next_offset, _, _, _, written, changed, size, _, attributes, name_length, _, _, file_id) = (
            _DIR_ENTRY.unpack_from(buffer, offset)
        )
        start = offset + _DIR_ENTRY.size
        name = buffer[start : start + name_length].decode("utf-16-le", "surrogatepass")
        entries.append(DirEntry(name, attributes, size, filetime_seconds(written), filetime_seconds(changed), file_id))
        if not next_offset:
            return entries
        offset += next_offset


def list_directory(folder_unc: str, pattern: str = "*", **kwargs: Any) -> list[DirEntry]:
    """The entries of one folder ('.' and '..' included, as the server sends them). Raises
    SMBOSError for a folder that cannot be listed. DFS folders go through smbclient, which
    follows referrals."""
    return _list(folder_unc, pattern, False, **kwargs)[0]


def list_directory_with_security(folder_unc: str, **kwargs: Any) -> tuple[list[DirEntry], bytes | int]:
    """The folder's entries and its own security descriptor, read on the one directory
    handle (one request more per folder, no second open): the descriptor bytes, or the
    NTSTATUS that refused them (the listing itself raises SMBOSError as above)."""
    return _list(folder_unc, "*", True, **kwargs)


def _list(folder_unc: str, pattern: str, with_security: bool, **kwargs: Any) -> tuple[list[DirEntry], bytes | int]:
    tree, folder = get_smb_tree(folder_unc, **kwargs)
    if tree.is_dfs_share:
        entries = [
            DirEntry(
                e.name,
                e.smb_info.file_attributes,
                e.smb_info.end_of_file,
                datetime_seconds(e.smb_info.last_write_time),
                datetime_seconds(e.smb_info.change_time),
                e.smb_info.file_id,
            )
            for e in smbclient.scandir(folder_unc, search_pattern=pattern, **kwargs)
        ]
        if not with_security:
            return entries, b""
        try:
            return entries, query_security(folder_unc, **kwargs)
        except SMBOSError as exc:
            return entries, exc.ntstatus
    access = (
        DirectoryAccessMask.FILE_LIST_DIRECTORY
        | DirectoryAccessMask.FILE_READ_ATTRIBUTES
        | DirectoryAccessMask.SYNCHRONIZE
    )
    directory = Open(tree, folder)
    try:
        # One open with READ_CONTROL when the descriptor is wanted: a folder whose
        # permissions the account may not read is refused like one it may not list.
        directory.create(
            ImpersonationLevel.Impersonation,
            access | (READ_SECURITY if with_security else 0),
            0,
            ALL_SHARES,
            CreateDisposition.FILE_OPEN,
            CreateOptions.FILE_DIRECTORY_FILE,
        )
    except SMBResponseException as exc:
        raise SMBOSError(exc.status, folder_unc) from None
    descriptor: bytes | int = b""
    entries = []
    connection = tree.session.connection
    try:
        if with_security:
            sent = connection.send(
                query_security_request(directory.file_id), tree.session.session_id, tree.tree_connect_id
            )
            try:
                response = connection.receive(sent)
                descriptor = descriptor_from(response)
            except SMBResponseException as exc:
                descriptor = exc.status
        while True:
            request, _ = directory.query_directory(
                pattern, FileInformationClass.FILE_ID_FULL_DIRECTORY_INFORMATION, max_output=65536, send=False
            )
            sent = connection.send(request, tree.session.session_id, tree.tree_connect_id)
            try:
                response = connection.receive(sent)
            except NoMoreFiles:
                return entries, descriptor
            except SMBResponseException as exc:
                raise SMBOSError(exc.status, folder_unc) from None
            body = SMB2QueryDirectoryResponse()
            body.unpack(response["data"].get_value())
            entries += _parse_directory(body["buffer"].get_value())
    finally:
        directory.close()


def read_share_security(server: str, share: str, **kwargs: Any) -> bytes:
    """The share's own security descriptor (srvsvc over IPC$ on the account's session)."""
    tree, _ = get_smb_tree(f"\\\\{server}\\IPC$", **kwargs)
    return read_share_descriptor(tree, server, share)


def set_security(path: str, descriptor: bytes, **kwargs: Any) -> None:
    """Replace owner, group and DACL (admin tooling and tests; the crawler never writes)."""
    access = (
        FilePipePrinterAccessMask.WRITE_DAC
        | FilePipePrinterAccessMask.WRITE_OWNER
        | FilePipePrinterAccessMask.READ_CONTROL
    )
    raw = _open_raw(path, access, **kwargs)
    try:
        request = SMB2SetInfoRequest()
        request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        request["file_info_class"] = 0
        request["additional_information"] = SECURITY_INFO
        request["file_id"] = raw.fd.file_id
        request["buffer"] = descriptor

        def receive(req: Any) -> Any:
            response = raw.fd.connection.receive(req)
            result = SMB2SetInfoResponse()
            result.unpack(response["data"].get_value())
            return result

        with SMBFileTransaction(raw) as transaction:
            transaction += (request, receive)
    finally:
        raw.close()


__all__ = [
    "DirEntry",
    "list_directory",
    "list_directory_with_security",
    "open_with_security",
    "read_share_security",
    "query_security",
    "set_security",
    "smbclient",
]
