"""Ground truth over SMB: which files a user can really open and read on a Samba share
with their own credentials, asked of the server itself (never of the crawler).

Each check uses its own connection, session and tree connect (no connection cache shared
with anything else): a tree connect made before a share ACL change would keep the old
access, and smbclient's pool hands out whatever session it holds for a server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from smbprotocol.connection import Connection
from smbprotocol.exceptions import SMBResponseException
from smbprotocol.file_info import FileInformationClass
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    DirectoryAccessMask,
    FileAttributes,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    Open,
    ShareAccess,
)
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect


def readable_files(
    host: str, share: str, username: str, password: str, paths: Iterable[str], port: int = 445
) -> set[str]:
    """The '/'-paths among `paths` that `username` can open for reading data and read a
    byte of. A refused tree connect (share ACL) makes the answer empty."""
    return _opened(host, share, username, password, paths, port, _can_read)


def listable_folders(
    host: str, share: str, username: str, password: str, paths: Iterable[str], port: int = 445
) -> set[str]:
    """The '/'-paths of folders among `paths` ('' for the share root) that `username` can
    open for listing and list. A refused tree connect makes the answer empty."""
    return _opened(host, share, username, password, paths, port, _can_list)


def _opened(host, share, username, password, paths, port, can) -> set[str]:
    connection = Connection(uuid.uuid4(), host, port)
    connection.connect(timeout=10)
    try:
        session = Session(connection, username, password, auth_protocol="ntlm")
        session.connect()
        tree = TreeConnect(session, f"\\\\{host}\\{share}")
        try:
            tree.connect()
        except SMBResponseException:
            return set()
        return {path for path in paths if can(tree, path.replace("/", "\\"))}
    finally:
        _close(connection)


def _close(connection: Connection) -> None:
    # No TREE_DISCONNECT/LOGOFF: Samba refuses the disconnect of a user who may not enter
    # the share root (it changes into that folder as the user first); closing the
    # transport ends the session all the same.
    connection.disconnect(close=False)


def _can_read(tree: TreeConnect, name: str) -> bool:
    return _opens_and_uses(
        tree,
        name,
        FilePipePrinterAccessMask.FILE_READ_DATA | FilePipePrinterAccessMask.SYNCHRONIZE,
        directory=False,
        use=lambda handle: handle.read(0, 1),
    )


def _can_list(tree: TreeConnect, name: str) -> bool:
    return _opens_and_uses(
        tree,
        name,
        # Listing only: the share root grants its users list and traverse, not SYNCHRONIZE.
        DirectoryAccessMask.FILE_LIST_DIRECTORY,
        directory=True,
        use=lambda handle: handle.query_directory("*", FileInformationClass.FILE_NAMES_INFORMATION),
    )


def _opens_and_uses(
    tree: TreeConnect, name: str, access: int, *, directory: bool, use: Callable[[Open], object]
) -> bool:
    """Whether the server lets this session open `name` with `access` and then `use` it."""
    handle = Open(tree, name)
    try:
        handle.create(
            ImpersonationLevel.Impersonation,
            access,
            FileAttributes.FILE_ATTRIBUTE_DIRECTORY if directory else FileAttributes.FILE_ATTRIBUTE_NORMAL,
            ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE,
            CreateDisposition.FILE_OPEN,
            CreateOptions.FILE_DIRECTORY_FILE if directory else CreateOptions.FILE_NON_DIRECTORY_FILE,
        )
    except SMBResponseException:
        return False
    try:
        use(handle)
        return True
    except SMBResponseException:
        return False
    finally:
        handle.close()
