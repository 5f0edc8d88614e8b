"""Low-level SMB calls that `smbclient` has no public function for: reading and writing a
file's security descriptor (SMB2 QUERY_INFO / SET_INFO with SMB2_0_INFO_SECURITY), one at a
time or pipelined for all files of a folder."""

from __future__ import annotations

import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import smbclient
from smbclient._io import SMBFileIO, SMBFileTransaction, SMBRawIO
from smbclient._pool import get_smb_tree
from smbprotocol.exceptions import NoMoreFiles, SMBOSError, SMBResponseException
from smbprotocol.file_info import FileInformationClass
from smbprotocol.header import Commands
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    DirectoryAccessMask,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    InfoType,
    Open,
    ShareAccess,
    SMB2CloseRequest,
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


def _open_raw(path: str, access: int, io_class: type[SMBRawIO] = SMBRawIO, **kwargs: Any) -> SMBRawIO:
    """An open handle on `path` itself (never what a reparse point points to)."""
    raw = io_class(
        path,
        mode="rb",
        share_access="rwd",
        desired_access=access,
        create_options=CreateOptions.FILE_OPEN_REPARSE_POINT,
        **kwargs,
    )
    raw.open()
    return raw


def _query_security_request(file_id: bytes) -> SMB2QueryInfoRequest:
    request = SMB2QueryInfoRequest()
    request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
    request["output_buffer_length"] = SD_BUFFER
    request["additional_information"] = SECURITY_INFO
    request["file_id"] = file_id
    return request


def query_security(path: str, **kwargs: Any) -> bytes:
    """The self-relative security descriptor (owner, group, DACL) of a file or folder, read
    with one compounded CREATE + QUERY_INFO + CLOSE (smbclient follows DFS referrals here)."""
    raw = SMBRawIO(
        path,
        mode="rb",
        share_access="rwd",
        desired_access=READ_SECURITY,
        create_options=CreateOptions.FILE_OPEN_REPARSE_POINT,
        **kwargs,
    )

    def receive(req: Any) -> Any:
        response = raw.fd.connection.receive(req)
        query = SMB2QueryInfoResponse()
        query.unpack(response["data"].get_value())
        return query["buffer"].get_value()

    # The handle is not open yet, so the transaction opens and closes it in the same request.
    with SMBFileTransaction(raw) as transaction:
        transaction += (_query_security_request(raw.fd.file_id), receive)
    return transaction.results[0]


def open_with_security(path: str, **kwargs: Any) -> tuple[SMBFileIO, bytes]:
    """A file opened for reading (a reparse point itself, never what it points to) and the
    security descriptor read on that same open handle: what the descriptor says is about
    the object the bytes will come from, with no second look-up by name. The caller
    closes the handle; SMBOSError when the file cannot be opened."""
    raw = _open_raw(path, READ_DATA_AND_SECURITY, SMBFileIO, **kwargs)
    try:

        def receive(req: Any) -> Any:
            response = raw.fd.connection.receive(req)
            query = SMB2QueryInfoResponse()
            query.unpack(response["data"].get_value())
            return query["buffer"].get_value()

        # The handle is open: the transaction sends only the QUERY_INFO on its file id.
        with SMBFileTransaction(raw) as transaction:
            transaction += (_query_security_request(raw.fd.file_id), receive)
        return raw, transaction.results[0]
    except BaseException:
        raw.close()
        raise


# --- pipelined descriptor reads --------------------------------------------------------------
# smbprotocol builds every request field by field in Python, which made descriptor reads of a
# no-change crawl CPU-bound at ~600 files/s. The three requests per file differ only in the
# file name, so they are packed once (QUERY_INFO and CLOSE refer to the handle of the CREATE
# just before them); several files go into one compound request (a related chain of
# CREATE, QUERY_INFO, CLOSE per file: a CREATE needs no handle, so a failed file does not
# fail the next one), and several requests are kept in flight on the one connection.
# smbprotocol still does the framing, message ids, credits, signing and encryption.

FILES_PER_REQUEST = 8

RELATED_FILE_ID = b"\xff" * 16  # MS-SMB2 3.2.4.1.4: the handle of the CREATE in the same compound
FILE_NON_DIRECTORY_FILE = 0x40


class _Packed:
    """A request body packed in advance (Connection.send_compound needs COMMAND, pack, len)."""

    __slots__ = ("COMMAND", "_body")

    def __init__(self, command: int, body: bytes):
        self.COMMAND = command
        self._body = body

    def pack(self) -> bytes:
        return self._body

    def __len__(self) -> int:
        return len(self._body)


def _close_request() -> SMB2CloseRequest:
    close = SMB2CloseRequest()
    close["file_id"] = RELATED_FILE_ID
    return close


_QUERY_SECURITY = _Packed(Commands.SMB2_QUERY_INFO, _query_security_request(RELATED_FILE_ID).pack())
_CLOSE = _Packed(Commands.SMB2_CLOSE, _close_request().pack())
# MS-SMB2 2.2.13 SMB2 CREATE request: the fixed 56 bytes, then the UTF-16 name at offset
# 120 from the header start (64-byte header + 56); no create contexts.
_CREATE_LAYOUT = struct.Struct("<HBBIQQIIIIIHHII")


def _create_request(name: str) -> _Packed:
    encoded = name.encode("utf-16-le")
    fixed = _CREATE_LAYOUT.pack(
        57,
        0,
        0,
        ImpersonationLevel.Impersonation,
        0,
        0,
        READ_SECURITY,
        0,
        int(ALL_SHARES),
        CreateDisposition.FILE_OPEN,
        CreateOptions.FILE_OPEN_REPARSE_POINT | FILE_NON_DIRECTORY_FILE,
        120,
        len(encoded),
        0,
        0,
    )
    return _Packed(Commands.SMB2_CREATE, fixed + encoded)


def _descriptor_from(response: Any) -> bytes:
    body = response["data"].get_value()
    # SMB2 QUERY_INFO response: StructureSize(2), OutputBufferOffset(2, from the header
    # start), OutputBufferLength(4), Buffer.
    offset, length = struct.unpack_from("<HI", body, 2)
    start = offset - 64
    return body[start : start + length]


class RatePacer:
    """Spaces request starts at least 1/`per_second` apart (0: no limit); thread-safe."""

    def __init__(self, per_second: float):
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def pace(self) -> None:
        """Wait until the next request may start."""
        if self._interval:
            with self._lock:
                now = time.monotonic()
                wait = self._next - now
                self._next = max(now, self._next) + self._interval
            if wait > 0:
                time.sleep(wait)


def query_securities(
    folder_unc: str, names: Sequence[str], in_flight: int, pace: Callable[[], None] = lambda: None, **kwargs: Any
) -> list[bytes | int]:
    """The descriptors of the files `names` in the folder `folder_unc`, in order: the
    descriptor bytes, or the NTSTATUS that refused it (the caller can retry that one file
    with `query_security`, which also follows DFS links). At most `in_flight` compound
    requests of up to FILES_PER_REQUEST files each are outstanding at once; `pace` is
    called before each file is sent (rate limit). Connection errors propagate."""
    tree, folder = get_smb_tree(folder_unc, **kwargs)
    if tree.is_dfs_share:
        # Opening the folder through smbclient follows its DFS referral and caches it; the
        # tree asked for again is then the link target's (the raw compounds below do not
        # follow referrals themselves).
        smbclient.stat(folder_unc, **kwargs)
        tree, folder = get_smb_tree(folder_unc, **kwargs)
    connection = tree.session.connection
    session_id, tree_id = tree.session.session_id, tree.tree_connect_id
    per_request, in_flight = _credits_for(connection, session_id, in_flight)
    prefix = folder + "\\" if folder else ""
    results: list[bytes | int] = []
    pending: deque = deque()

    def settle() -> None:
        requests = pending.popleft()
        # Every response is received, even after a failure, so the connection's
        # outstanding-request table stays clean.
        for first in range(0, len(requests), 3):
            create, query, close = requests[first : first + 3]
            outcome: bytes | int | None = None
            for request in (create, query, close):
                try:
                    response = connection.receive(request)
                except SMBResponseException as exc:
                    outcome = exc.status if outcome is None else outcome
                else:
                    if request is query:
                        outcome = _descriptor_from(response)
            assert outcome is not None  # the query's answer, or the first refusal of the three
            results.append(outcome)

    for start in range(0, len(names), per_request):
        chain = []
        for name in names[start : start + per_request]:
            pace()
            chain += [_create_request(prefix + name), _QUERY_SECURITY, _CLOSE]
        pending.append(connection.send_compound(chain, session_id, tree_id, related=True))
        if len(pending) >= in_flight:
            settle()
    while pending:
        settle()
    return results


def _credits_for(connection: Any, session_id: int, in_flight: int) -> tuple[int, int]:
    """(files per compound request, requests in flight) within the connection's credits:
    each file needs 3. More credits are asked for once (an ECHO with a credit request);
    what the server grants is what is used, with shorter chains if it grants few."""
    wanted = 3 * FILES_PER_REQUEST * in_flight + 8
    with connection.sequence_lock:
        available = connection.sequence_window["high"] - connection.sequence_window["low"]
    if available < wanted:
        connection.echo(sid=session_id, credit_request=wanted - available)
        with connection.sequence_lock:
            available = connection.sequence_window["high"] - connection.sequence_window["low"]
    usable = max(3, available - 4)  # a few stay free for other requests on the connection
    files = max(1, min(FILES_PER_REQUEST, usable // 3))
    return files, max(1, min(in_flight, usable // (3 * files)))


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
                _query_security_request(directory.file_id), tree.session.session_id, tree.tree_connect_id
            )
            try:
                response = connection.receive(sent)
                descriptor = _descriptor_from(response)
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
    "RatePacer",
    "list_directory",
    "list_directory_with_security",
    "open_with_security",
    "read_share_security",
    "query_securities",
    "query_security",
    "set_security",
    "smbclient",
]
