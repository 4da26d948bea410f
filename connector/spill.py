"""A scratch SQLite file for Zendesk history that waits for its ticket's export page.

Zendesk ticket events arrive in separate pages, ordered by time, not by ticket, so every
ticket's history must be kept until its own page is mapped. For a large export that is
millions of events: this store keeps them on disk (a temporary file, deleted afterwards) so the
offline check streams in bounded memory. Small inputs use the in-memory store instead.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from types import TracebackType

from mappings.zendesk_payload import Child

_BATCH = 5000


class SpilledHistory:
    """``HistoryStore`` on a temporary SQLite file (no journal, no fsync: it is scratch)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="iso10002-history-", dir=directory)
        self._db = sqlite3.connect(Path(self._dir.name) / "history.sqlite")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = FILE;
            CREATE TABLE child (
                ticket TEXT NOT NULL, id TEXT, kind TEXT, at TEXT, parent_author TEXT,
                channel TEXT, author_id TEXT, public INTEGER, field TEXT, value TEXT,
                previous TEXT, text TEXT
            );
            """
        )
        self._pending: list[tuple[object, ...]] = []
        self._indexed = False

    def add(self, ticket_id: str, children: list[Child]) -> None:
        for c in children:
            self._pending.append(
                (ticket_id, c.id, c.kind, c.at.isoformat(), c.parent_author, c.channel,
                 c.author_id, int(c.public), c.field, c.value, c.previous, c.text)
            )  # fmt: skip
        if len(self._pending) >= _BATCH or self._indexed:
            self._flush()

    def take(self, ticket_id: str) -> list[Child]:
        if not self._indexed:
            self._flush()
            # One index after the bulk load is far cheaper than keeping it during inserts.
            self._db.execute("CREATE INDEX child_ticket ON child (ticket)")
            self._indexed = True
        rows = self._db.execute(
            "SELECT id, kind, at, parent_author, channel, author_id, public, field, value, "
            "previous, text FROM child WHERE ticket = ?",
            (ticket_id,),
        ).fetchall()
        return [
            Child(
                r[0],
                r[1],
                datetime.fromisoformat(r[2]),
                r[3],
                r[4],
                r[5],
                bool(r[6]),
                r[7],
                r[8],
                r[9],
                r[10],
            )
            for r in rows
        ]

    def _flush(self) -> None:
        if self._pending:
            # Late additions (a single ticket's audits on its own page) just use the index.
            self._db.executemany("INSERT INTO child VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._pending)
            self._pending.clear()

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SpilledHistory:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
