"""A full sync stores its tickets in several transactions (CHUNK per transaction) and commits
the cursor last: killed in the middle of storing (``mid-sync``), the tickets of the chunks
already committed are in the store, the cursor is not; the next sync completes with every
complaint stored exactly once and every ticket the killed sync stored reported as changed
(so the service evaluates it) (Zendesk sandbox process, real CLI processes)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from connector.store.chunking import CHUNK
from tests.service import procs

pytestmark = pytest.mark.slow

TICKETS = 2 * CHUNK + 200  # "mid-sync" fires half-way: after the first chunk is committed


def test_killed_sync_keeps_committed_chunks_and_completes_once(tmp_path: Path) -> None:
    with procs.sandbox("zendesk", tickets=TICKETS) as base:
        config = procs.write_config(tmp_path, zendesk=base)
        crashed = procs.run_cli("sync", "-c", str(config), ISO10002_CRASH_AT="mid-sync")
        assert crashed.returncode == 137, crashed.stderr[-2000:]
        db = sqlite3.connect(tmp_path / "store.db")
        partial = db.execute("select count(*) from tickets").fetchone()[0]
        cursor = db.execute("select cursor from sources where name = 'zd'").fetchone()
        db.close()
        assert partial > 0  # the first chunk's transaction committed before the kill
        assert cursor is None or cursor[0] is None  # ... the cursor did not

        done = procs.run_cli("sync", "-c", str(config), "--format", "json")
        assert done.returncode == 0, done.stderr[-2000:]
        recovered = json.loads(done.stdout)["synced"][0]
        clean = tmp_path / "clean"
        clean.mkdir()
        reference = procs.run_cli("sync", "-c", str(procs.write_config(clean, zendesk=base)),
                                  "--format", "json")
        assert reference.returncode == 0, reference.stderr[-2000:]

    def stored(path: Path) -> tuple[dict[str, int], set[tuple[str, str]], str | None]:
        db = sqlite3.connect(path)
        counts = dict(db.execute(
            "select t.ticket, count(s.id) from tickets t left join snapshots s on s.ticket_id = t.id "
            "group by t.ticket"
        ).fetchall())
        hashes = set(db.execute(
            "select t.ticket, s.sha256 from tickets t join snapshots s on s.ticket_id = t.id"
        ).fetchall())
        cursor = db.execute("select cursor from sources where name = 'zd'").fetchone()[0]
        db.close()
        return counts, hashes, cursor

    counts, hashes, cursor = stored(tmp_path / "store.db")
    ref_counts, ref_hashes, _ = stored(clean / "store.db")
    assert partial < len(counts)
    assert cursor is not None
    assert set(counts.values()) == {1}  # every ticket stored once, no duplicate version
    assert hashes == ref_hashes  # the same tickets and versions as an uninterrupted sync
    assert counts == ref_counts
    # The versions the killed sync stored were never evaluated: reported as changed again.
    assert recovered["changed"] == len(counts)
    assert recovered["new_versions"] == len(counts) - partial
