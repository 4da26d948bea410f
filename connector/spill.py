"""A scratch SQLite file for Zendesk history that waits for its ticket's export page.

Zendesk ticket events arrive in separate pages, ordered by time, not by ticket, so every
ticket's history must be kept until its own page is mapped. For a large export that is
millions of events: this store keeps them on disk (a temporary file, deleted afterwards) so the
offline check streams in bounded memory. Small inputs use the in-memory store instead.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from connector.bundles import dropdown_fields, ticket_forms
from mappings.zendesk_payload import Child

#: Children buffered before a write (a few MiB at most: comment texts are capped).
_BATCH = 20_000
#: A scratch file: no journal, no fsync (it is deleted afterwards whatever happens).
SCRATCH_PRAGMAS = """
    PRAGMA journal_mode = OFF;
    PRAGMA synchronous = OFF;
    PRAGMA temp_store = FILE;
"""


class _ScratchFile:
    """A temporary SQLite file, deleted on ``close`` (or leaving a ``with`` block)."""

    def __init__(self, name: str, schema: str, directory: Path | None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix=f"iso10002-{name}-", dir=directory)
        self._db = sqlite3.connect(Path(self._dir.name) / f"{name}.sqlite")
        self._db.executescript(SCRATCH_PRAGMAS + schema)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SpilledHistory(_ScratchFile):
    """``HistoryStore`` on a temporary SQLite file (no journal, no fsync: it is scratch).

    Children are buffered in memory and written per batch as one row per ticket (a JSON array
    of the children), not one row per child: a 100,000-ticket export has millions of children,
    and row-per-child inserts and reads were ~30 % of the Zendesk map + check time.
    """

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__(
            "history",
            "CREATE TABLE child (ticket TEXT NOT NULL, children TEXT NOT NULL);",
            directory,
        )
        #: ticket id -> its children added since the last flush, in arrival order.
        self._pending: dict[str, list[Child]] = {}
        self._pending_count = 0
        self._indexed = False

    def add(self, ticket_id: str, children: list[Child]) -> None:
        if not children:
            return
        self._pending.setdefault(ticket_id, []).extend(children)
        self._pending_count += len(children)
        if self._pending_count >= _BATCH or self._indexed:
            self._flush()

    def take(self, ticket_id: str) -> list[Child]:
        if not self._indexed:
            self._flush()
            # One index after the bulk load is far cheaper than keeping it during inserts.
            self._db.execute("CREATE INDEX child_ticket ON child (ticket)")
            self._indexed = True
        children: list[Child] = []
        for (blob,) in self._db.execute(
            "SELECT children FROM child WHERE ticket = ? ORDER BY rowid", (ticket_id,)
        ):
            children.extend(
                Child(r[0], r[1], datetime.fromisoformat(r[2]), *r[3:]) for r in json.loads(blob)
            )
        return children

    def _flush(self) -> None:
        if self._pending:
            # A Child is a tuple (JSON writes it as an array); only its datetime needs a string.
            self._db.executemany(
                "INSERT INTO child VALUES (?, ?)",
                [
                    (ticket, json.dumps([(c[0], c[1], c[2].isoformat(), *c[3:]) for c in children]))
                    for ticket, children in self._pending.items()
                ],
            )
            self._pending.clear()
            self._pending_count = 0


class SpilledZendeskPages(_ScratchFile):
    """A Zendesk read's pages on a temporary SQLite file, read back per chunk of tickets.

    Holds what :class:`connector.bundles.ZendeskPages` holds (same "later page wins" rules for
    tickets, metric sets and users; events and audits in arrival order) but on disk, so a full
    sync of a large account reads in bounded memory. Agents (the directory) stay in memory.
    """

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__(
            "pages",
            """
            CREATE TABLE ticket (id TEXT PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE metric (id TEXT PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE user (id TEXT PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE history (kind TEXT NOT NULL, ticket TEXT NOT NULL, body TEXT NOT NULL);
            """,
            directory,
        )
        self._indexed = False
        self.agents: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.fields: dict[str, dict[str, Any]] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.ticket_count = 0

    def add(self, kind: str, body: Mapping[str, Any]) -> None:
        """One page, as ``ZendeskPages.add`` takes it."""
        db = self._db
        tickets = list(body.get("tickets") or ())
        if isinstance(body.get("ticket"), Mapping):
            tickets.append(body["ticket"])
        db.executemany("INSERT OR REPLACE INTO ticket VALUES (?, ?)",
                       [(str(t["id"]), json.dumps(t)) for t in tickets])
        db.executemany("INSERT OR REPLACE INTO metric VALUES (?, ?)",
                       [(str(m.get("ticket_id")), json.dumps(m)) for m in body.get("metric_sets") or ()])
        users = body.get("users") or ()
        if kind == "users":
            for user in users:
                self.agents[str(user.get("id"))] = dict(user)
        else:
            db.executemany("INSERT OR REPLACE INTO user VALUES (?, ?)",
                           [(str(u.get("id")), json.dumps(u)) for u in users])
        for group in body.get("groups") or ():
            self.groups[str(group.get("id"))] = dict(group)
        self.fields.update(dropdown_fields(body))
        self.forms.update(ticket_forms(body))
        for key, name in (("ticket_events", "events"), ("audits", "audits")):
            db.executemany("INSERT INTO history VALUES (?, ?, ?)",
                           [(name, str(e.get("ticket_id")), json.dumps(e)) for e in body.get(key) or ()])

    def ticket_ids(self) -> set[str]:
        """Ids of every ticket object read (a full sync's "seen" set)."""
        return {row[0] for row in self._db.execute("SELECT id FROM ticket")}

    def touched(self) -> list[str]:
        """As ``ZendeskPages.touched``: every ticket with an object or history in the read."""
        ids = {row[0] for row in self._db.execute("SELECT id FROM ticket UNION SELECT ticket FROM history")}
        return sorted(ids, key=lambda t: (len(t), t))

    def _index(self) -> None:
        if not self._indexed:
            # One index after the bulk load is far cheaper than keeping it during inserts.
            self._db.execute("CREATE INDEX history_ticket ON history (ticket)")
            self._indexed = True

    def part(self, ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any],
                                                dict[str, list[Any]], dict[str, list[Any]]]:
        """Tickets, metric sets, events and audits (arrival order) of ``ids``."""
        self._index()
        tickets: dict[str, Any] = {}
        metrics: dict[str, Any] = {}
        history: dict[str, dict[str, list[Any]]] = {"events": {}, "audits": {}}
        for start in range(0, len(ids), 400):
            keys = list(ids[start:start + 400])
            marks = ",".join("?" * len(keys))
            for tid, body in self._db.execute(f"SELECT id, body FROM ticket WHERE id IN ({marks})", keys):  # noqa: S608
                tickets[tid] = json.loads(body)
            for tid, body in self._db.execute(f"SELECT id, body FROM metric WHERE id IN ({marks})", keys):  # noqa: S608
                metrics[tid] = json.loads(body)
            for kind, tid, body in self._db.execute(
                f"SELECT kind, ticket, body FROM history WHERE ticket IN ({marks}) ORDER BY rowid", keys  # noqa: S608
            ):
                history[kind].setdefault(tid, []).append(json.loads(body))
        return tickets, metrics, history["events"], history["audits"]

    def users(self) -> SpilledUsers:
        """The read's (non-agent) users, looked up one id at a time."""
        return SpilledUsers(self._db)



class SpilledUsers(MutableMapping[str, dict[str, Any]]):
    """Read-only view of the spilled users by id (what ``zendesk_bundle`` looks up)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __getitem__(self, user_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT body FROM user WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise KeyError(user_id)
        result: dict[str, Any] = json.loads(row[0])
        return result

    def __setitem__(self, user_id: str, value: dict[str, Any]) -> None:
        raise TypeError("spilled users are read-only")

    def __delitem__(self, user_id: str) -> None:
        raise TypeError("spilled users are read-only")

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._db.execute("SELECT id FROM user"))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM user").fetchone()[0])
