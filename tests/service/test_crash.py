"""Crash safety: a real ``iso10002 run`` killed (``os._exit(137)``) at injected points, then run
again, loses nothing and duplicates nothing (Zendesk sandbox process, write-back applied)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from connector.store import Store
from connector.writeback_journal import candidates
from tests.service import procs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("point", ["mid-sync", "after-journal-write", "after-platform-write"])
def test_killed_run_restarts_without_duplicates_or_losses(tmp_path: Path, point: str) -> None:
    with procs.sandbox("zendesk") as base:
        admin = procs.ZendeskAdmin(base)
        config = procs.write_config(tmp_path, zendesk=base)
        complaints = {str(t["id"]) for t in admin.tickets()
                      if "complaint" in t["tags"] and t["status"] != "deleted"}

        crashed = procs.run_cli("run", "-c", str(config), "--format", "json", ISO10002_CRASH_AT=point)
        assert crashed.returncode == 137, crashed.stderr[-2000:]
        recovered = procs.run_cli("run", "-c", str(config), "--format", "json")
        assert recovered.returncode == 0, recovered.stderr[-2000:]

        # Nothing skipped: every complaint is in the store.
        db = sqlite3.connect(tmp_path / "store.db")
        stored = {row[0] for row in db.execute("select ticket from tickets where is_complaint")}
        pending = db.execute("select count(*) from writeback_journal where state != 'applied'").fetchone()[0]
        db.close()
        assert stored == complaints
        assert pending == 0
        # Nothing duplicated and nothing lost: each flagged complaint has exactly one note.
        notes = {t: admin.notes(t) for t in complaints}
        flagged = {str(t["id"]) for t in admin.tickets() if "iso10002-noncompliant" in t["tags"]}
        assert flagged
        assert {t for t, n in notes.items() if n} == flagged
        assert set(notes.values()) <= {0, 1}
        # And nothing is left to write.
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")
        assert candidates(store, "zd")[0] == {}
        store.close()
        if point == "after-platform-write":
            summary = json.loads(recovered.stdout)["writeback"]["sources"][0]
            assert summary["written"] == 0  # the notes landed before the kill: only confirmed
