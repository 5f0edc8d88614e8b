"""The login cookie: who, which session, valid until when, signed with the server's secret.

The value is `payload.signature`, both base64url: the payload is JSON with the session id,
the user name and the expiry (Unix seconds); the signature is HMAC-SHA256 over the payload
with a secret that only the server knows. The cookie never carries a password, and a
valid signature alone does not log anyone in: the session must also still be open in the
app database (`session_registry`), so a copied cookie is dead after logout.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.config import ConfigError

COOKIE_NAME = "aktenlotse_sitzung"
SECRET_FILE = "portal_session.key"
SECRET_BYTES = 32
MAX_COOKIE_CHARS = 1024  # a real value is ~150 characters; anything longer is not ours
_CONTEXT = b"aktenlotse-session-v1."  # binds the signature to this use of the secret


@dataclass(frozen=True)
class CookieClaims:
    """What a login cookie says: the session, its user, and when it expires at the latest."""

    session_id: str
    username: str
    expires: float


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: bytes) -> bytes:
    return hmac.new(secret, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest()


def sign_cookie(claims: CookieClaims, secret: bytes) -> str:
    """The cookie value for `claims`."""
    body = json.dumps({"s": claims.session_id, "u": claims.username, "e": int(claims.expires)}, separators=(",", ":"))
    payload = _b64encode(body.encode("utf-8"))
    return f"{payload}.{_b64encode(_signature(payload, secret))}"


def read_cookie(value: str | None, secret: bytes, now: float) -> CookieClaims | None:
    """The claims of a cookie value signed with `secret` and not yet expired, else None
    (missing, malformed, tampered with, signed with another secret, or expired)."""
    if not value or len(value) > MAX_COOKIE_CHARS or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    try:
        expected = _signature(payload, secret)
        if not hmac.compare_digest(_b64decode(signature), expected):
            return None
        data = json.loads(_b64decode(payload).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    session_id, username, expires = data.get("s"), data.get("u"), data.get("e")
    if not (isinstance(session_id, str) and session_id and isinstance(username, str) and username):
        return None
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= now:
        return None
    return CookieClaims(session_id=session_id, username=username, expires=float(expires))


def load_secret(data_dir: Path) -> bytes:
    """The server's signing secret, made once into data_dir (readable by the portal's user
    only: whoever reads it can sign cookies). ConfigError when the file is unusable."""
    path = Path(data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two portal processes starting at once do not both write a secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except (OSError, UnicodeError, ValueError) as error:
        raise ConfigError(
            f"Der Sitzungsschlüssel {path} ist nicht lesbar ({error}); die Datei löschen, "
            "sie wird beim nächsten Start neu erzeugt (alle Anmeldungen enden dann)."
        ) from None
    if len(secret) < SECRET_BYTES:
        raise ConfigError(
            f"Der Sitzungsschlüssel {path} ist zu kurz; die Datei löschen, "
            "sie wird beim nächsten Start neu erzeugt (alle Anmeldungen enden dann)."
        )
    return secret
