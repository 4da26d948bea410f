"""In-memory rate limits for ``POST …/refresh``: one per ticket per interval, N per caller per minute."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RefreshLimiter:
    def __init__(self, ticket_seconds: float, per_minute: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ticket_seconds = ticket_seconds
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._tickets: dict[str, float] = {}
        self._callers: dict[str, deque[float]] = {}

    def check(self, caller: str, ticket: str) -> float | None:
        """Record the request and return None, or the seconds to wait (the request is not recorded)."""
        now = self.clock()
        with self._lock:
            window = self._callers.setdefault(caller, deque())
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(0.0, 60 - (now - window[0]))
            last = self._tickets.get(ticket)
            if last is not None and now - last < self.ticket_seconds:
                return self.ticket_seconds - (now - last)
            window.append(now)
            self._tickets[ticket] = now
            return None
