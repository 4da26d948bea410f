"""The spilled Zendesk history writes one row per ticket and batch: arrival order must survive
any number of flushes, exactly as the in-memory store keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from connector import spill
from connector.spill import SpilledHistory
from mappings.assemble import MemoryHistory
from mappings.zendesk_payload import Child


def _child(n: int) -> Child:
    at = datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(minutes=n)
    if n % 3 == 0:
        return Child(str(n), "Comment", at, "7", None, str(n), n % 2 == 0, None, None, None, f"text ✓ {n}")
    return Child(str(n), "Change", at, None, "web", None, False, "status", "open", None if n % 2 else "new")


def test_order_and_values_survive_many_flushes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "_BATCH", 7)  # many small batches, tickets interleaved across them
    memory = MemoryHistory()
    with SpilledHistory(tmp_path) as store:
        for n in range(200):
            ticket = str(n % 9)
            children = [_child(n), _child(n + 1000)] if n % 4 else [_child(n)]
            store.add(ticket, children)
            memory.add(ticket, children)
        store.add("empty", [])
        for ticket in [str(t) for t in range(9)] + ["empty", "missing"]:
            assert store.take(ticket) == memory.take(ticket)


def test_offsets_and_late_additions_round_trip(tmp_path: Path) -> None:
    at = datetime(2026, 3, 2, 10, 0, 30, 123456, tzinfo=timezone(timedelta(hours=-7)))
    child = Child("1", "Create", at, None, None, None, False, "tags", "a b", None, None)
    with SpilledHistory(tmp_path) as store:
        store.add("1", [child])
        assert store.take("1") == [child]
        assert store.take("1")[0].at.utcoffset() == timedelta(hours=-7)
        store.add("2", [child, child._replace(id="2")])  # after mapping started: written at once
        store.add("2", [child._replace(id="3")])
        assert [c.id for c in store.take("2")] == ["1", "2", "3"]
