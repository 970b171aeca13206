"""Browser sessions: a random cookie names each one; the server keeps its state.

A session holds its CSRF token, the practice run under way and the last summary. The store
keeps at most `MAX_SESSIONS`; the least recently used is dropped first (its run is ended and
recorded, as when a terminal session stops).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["COOKIE", "MAX_SESSIONS", "SessionStore", "WebSession"]

COOKIE = "mlquiz_session"
MAX_SESSIONS = 64


@dataclass
class WebSession:
    """One browser's state. `focus` names the part whose input gets the focus next; `notice`
    is a message shown once."""

    id: str
    csrf: str
    run: Any = None
    summary: Any = None
    notice: str | None = None
    focus: str | None = None

    def take_notice(self) -> str | None:
        notice, self.notice = self.notice, None
        return notice


class SessionStore:
    """Sessions by cookie value, at most `limit` of them (least recently used dropped)."""

    def __init__(self, limit: int = MAX_SESSIONS,
                 on_drop: Callable[[WebSession], None] | None = None) -> None:
        self.limit = limit
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()
        self._on_drop = on_drop

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> WebSession | None:
        """The session of this cookie value, now the most recently used; None if unknown."""
        with self._lock:
            session = self._sessions.get(session_id or "")
            if session is not None:
                self._sessions.move_to_end(session.id)
            return session

    def create(self) -> WebSession:
        """A new session with fresh random id and token; drops the oldest when full."""
        session = WebSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
        dropped = []
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.limit:
                dropped.append(self._sessions.popitem(last=False)[1])
        for old in dropped:
            if self._on_drop is not None:
                self._on_drop(old)
        return session

    def all(self) -> list[WebSession]:
        with self._lock:
            return list(self._sessions.values())
