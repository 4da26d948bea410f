"""One writer per source: a lock row in the store, renewed by a heartbeat.

A lock is free when its heartbeat is older than the timeout, or when its holder ran on this
host and its process is gone (so a restart after a crash does not wait for the timeout).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from connector.store.engine import Store
from connector.store.models import LockRow

DEFAULT_TIMEOUT = timedelta(minutes=2)
HEARTBEAT_SECONDS = 30.0
log = logging.getLogger(__name__)


class LockHeld(RuntimeError):
    """Another instance writes to this source."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SourceLocks:
    """Locks held by this process (``owner`` is unique per process start)."""

    def __init__(self, store: Store, *, timeout: timedelta = DEFAULT_TIMEOUT) -> None:
        self.store = store
        self.timeout = timeout
        self.owner = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.held: set[str] = set()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self, source: str, now: datetime) -> None:
        """Take (or keep) the lock for ``source``; raise :class:`LockHeld` when another has it."""
        name = f"source:{source}"
        with self.store.session() as session:
            row = session.scalar(select(LockRow).where(LockRow.name == name).with_for_update())
            if row is not None and row.owner != self.owner:
                stale = row.heartbeat_at < now - self.timeout
                dead = row.host == self.host and row.pid != self.pid and not _alive(row.pid)
                if not (stale or dead):
                    raise LockHeld(
                        f"source {source!r} is locked by another instance (pid {row.pid} on "
                        f"{row.host}, heartbeat {row.heartbeat_at.isoformat()})"
                    )
            if row is None:
                session.add(LockRow(name=name, owner=self.owner, host=self.host, pid=self.pid,
                                    heartbeat_at=now))
            else:
                row.owner, row.host, row.pid, row.heartbeat_at = self.owner, self.host, self.pid, now
        self.held.add(source)

    def acquire_new(self, source: str, now: datetime) -> None:
        try:
            self.acquire(source, now)
        except IntegrityError:  # two instances inserted at once: the other won
            raise LockHeld(f"source {source!r} is locked by another instance") from None

    def heartbeat(self, now: datetime) -> None:
        for source in sorted(self.held):
            self.acquire(source, now)

    def keep_alive(self, clock: Callable[[], datetime], every: float = HEARTBEAT_SECONDS) -> None:
        """Renew the held locks from a background thread, so a long step never lets them go stale."""
        if self._beat is not None:
            return

        def beat() -> None:
            while not self._stop.wait(every):
                try:
                    self.heartbeat(clock())
                except Exception:  # a missed beat is retried; the lock times out only after 2 min
                    log.exception("lock heartbeat failed")

        self._beat = threading.Thread(target=beat, name="lock-heartbeat", daemon=True)
        self._beat.start()

    def release_all(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=5)
            self._beat = None
        if not self.held:
            return
        names = [f"source:{s}" for s in self.held]
        with self.store.session() as session:
            session.execute(delete(LockRow).where(LockRow.name.in_(names), LockRow.owner == self.owner))
        self.held.clear()
