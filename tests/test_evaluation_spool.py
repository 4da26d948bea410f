"""The check step's temporary files hand back exactly what was added, in order: the findings
to record (``evaluation._Spool``) and the run's manifest (``evaluation._Manifest``), whatever
characters ticket content puts in the keys and finding texts."""

from __future__ import annotations

from connector.evaluation import _Manifest, _Spool
from connector.store.runs import TicketEntry, ticket_findings

#: Ticket keys and texts are untrusted: line breaks of every kind, quotes, non-ASCII.
ODD = 'a\nb\r\u2028c\u0085"\\ é 💬'


def test_the_findings_spool_returns_every_ticket_as_added() -> None:
    items = [
        ticket_findings("jira", "CS-1", [{"check": "c1", "status": "PASS", "message": ODD},
                                         {"check": "c2", "status": "FAIL", "due_at": None}]),
        ticket_findings("zendesk", ODD, [{"check": "c1", "status": "PENDING", "n": 1.5}]),
        ticket_findings("zendesk", "9", []),
    ]
    spool = _Spool()
    try:
        for item in items:
            spool.add(item)
        assert list(spool) == items
        assert spool.count == 3
    finally:
        spool.close()


def test_the_manifest_returns_every_entry_as_added() -> None:
    entries = [TicketEntry("jira", "CS-1", 3, "a" * 64, "b" * 64),
               TicketEntry("zendesk", ODD, 2**40, "c" * 64, "d" * 64)]
    manifest = _Manifest()
    try:
        for entry in entries:
            manifest.add(entry)
        assert list(manifest) == entries
    finally:
        manifest.close()
