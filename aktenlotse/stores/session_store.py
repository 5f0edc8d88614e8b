"""The portal's login sessions in the app database (`aktenlotse.stores.appdb`).

Only storage: what a valid cookie is and how long a session may live is decided by
`aktenlotse.portal.session_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aktenlotse.stores.appdb import AppTables


@dataclass(frozen=True)
class SessionRow:
    """One login: who, when it started, when it ends at the latest, when it was last used."""

    id: str
    username: str
    created: float
    expires: float
    last_seen: float
    revoked: float | None


class SessionTables(AppTables):
    """Reads and writes of `portal_sessions`; one connection of `appdb.open_app_db`."""

    def create(self, row: SessionRow, handover_hash: str, handover_until: float) -> None:
        """Store a new login together with its one-time handover token (as a hash)."""
        with self._conn:
            self._conn.execute(
                "INSERT INTO portal_sessions (id, username, created, expires, last_seen, revoked,"
                " handover_hash, handover_until) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                (row.id, row.username, row.created, row.expires, row.last_seen, handover_hash, handover_until),
            )

    def take_handover(self, handover_hash: str, now: float) -> SessionRow | None:
        """The session whose handover token this is, if still valid; the token is used up
        in the same statement, so two requests with one token cannot both get a cookie."""
        with self._conn:
            row = self._conn.execute(
                "UPDATE portal_sessions SET handover_hash = NULL, handover_until = NULL"
                " WHERE handover_hash = ? AND handover_until >= ? AND revoked IS NULL"
                " RETURNING id, username, created, expires, last_seen, revoked",
                (handover_hash, now),
            ).fetchone()
        return SessionRow(*row) if row else None

    def handover_open(self, session_id: str, now: float) -> bool:
        """Whether the session's handover token is still unused and not too late."""
        row = self._conn.execute(
            "SELECT 1 FROM portal_sessions WHERE id = ? AND handover_hash IS NOT NULL AND handover_until >= ?",
            (session_id, now),
        ).fetchone()
        return row is not None

    def get(self, session_id: str) -> SessionRow | None:
        """The session with this id, revoked or not."""
        row = self._conn.execute(
            "SELECT id, username, created, expires, last_seen, revoked FROM portal_sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
        return SessionRow(*row) if row else None

    def touch(self, session_id: str, now: float) -> None:
        """The session was used now (the idle clock starts again)."""
        with self._conn:
            self._conn.execute(
                "UPDATE portal_sessions SET last_seen = ? WHERE id = ? AND revoked IS NULL", (now, session_id)
            )

    def revoke(self, session_id: str, now: float) -> None:
        """End the session for good (logout, idle timeout, user no longer in the directory)."""
        with self._conn:
            self._conn.execute(
                "UPDATE portal_sessions SET revoked = ?, handover_hash = NULL WHERE id = ? AND revoked IS NULL",
                (now, session_id),
            )

    def purge(self, before: float) -> int:
        """Forget sessions that ended (expired or revoked) before `before`; returns how many."""
        with self._conn:
            cursor = self._conn.execute(
                "DELETE FROM portal_sessions WHERE expires < ? OR (revoked IS NOT NULL AND revoked < ?)",
                (before, before),
            )
        return cursor.rowcount
