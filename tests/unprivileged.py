"""Run a command as root but without the capabilities that let root read any file, so
that a file owned by another user with mode 600 is unreadable to it — the situation of a
crawler account meeting a file it may not open. Unlike switching to another user, this
does not need the checkout and the virtual environment to be readable by that user."""

import os

IS_ROOT = os.geteuid() == 0
# Dropped from the bounding set, these are not in the permitted set after exec (uid 0).
WITHOUT_READ_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
OTHER_UID = 65534


def make_unreadable(path) -> None:
    os.chown(path, OTHER_UID, OTHER_UID)
    os.chmod(path, 0o600)
