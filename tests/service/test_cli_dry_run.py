"""``iso10002 run --dry-run`` records nothing: no evaluation run in the hash-chained history, no
write-back journal entry, no write to the helpdesk; it still prints what --apply would write.
``run``, ``status`` and ``sync`` print tables by default, their JSON documents with ``--format json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from connector.cli import app
from connector.store import Store
from connector.store.models import JournalRow, RunRow
from tests.zendesk import scenarios as sc

runner = CliRunner()
pytestmark = pytest.mark.slow


def _counts(tmp_path: Path) -> tuple[int, int]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with store.session() as session:
            runs = session.scalar(select(func.count()).select_from(RunRow)) or 0
            journal = session.scalar(select(func.count()).select_from(JournalRow)) or 0
    finally:
        store.close()
    return runs, journal


def test_dry_run_records_nothing_and_apply_then_writes_what_it_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    server = sc.start_sandbox(tickets=20)
    try:
        config = sc.cli_config(tmp_path, server.base_url)
        dry = runner.invoke(app, ["run", "-c", str(config), "--dry-run", "--format", "json"])
        assert dry.exit_code == 0, dry.output
        summary = json.loads(dry.stdout)
        assert summary["check"]["run"] == 0 and summary["check"]["tickets"] > 0
        planned = summary["writeback"]["sources"][0]["candidates"]
        assert planned > 0
        assert _counts(tmp_path) == (0, 0)
        assert server.app.writes_view()["writes"] == []

        applied = runner.invoke(app, ["run", "-c", str(config), "--apply", "--format", "json"])
        assert applied.exit_code == 0, applied.output
        done = json.loads(applied.stdout)
        assert done["check"]["run"] == 1
        assert done["writeback"]["sources"][0]["candidates"] == planned
        runs, journal = _counts(tmp_path)
        assert runs == 1 and journal == planned
        assert server.app.writes_view()["writes"]

        # For people (the default): tables, no JSON; the dry run says it recorded nothing.
        shown = runner.invoke(app, ["run", "-c", str(config), "--dry-run"], env={"COLUMNS": "120"})
        assert shown.exit_code == 0, shown.output
        assert not shown.stdout.lstrip().startswith("{")
        for fragment in ("Sync", "sandbox", "not recorded (dry run)", "Write-back (plan)", "to write"):
            assert fragment in shown.stdout, fragment
        assert _counts(tmp_path)[0] == 1
        status = runner.invoke(app, ["status", "-c", str(config)], env={"COLUMNS": "120"})
        assert status.exit_code == 0, status.output
        for fragment in ("Sources", "Last runs", "Write-back journal:"):
            assert fragment in status.stdout, fragment
        as_json = runner.invoke(app, ["status", "-c", str(config), "--format", "json"])
        assert [r["id"] for r in json.loads(as_json.stdout)["runs"]] == [1]
        synced = runner.invoke(app, ["sync", "-c", str(config)], env={"COLUMNS": "120"})
        assert synced.exit_code == 0, synced.output
        assert "Sync" in synced.stdout and "new versions" in synced.stdout
        synced_json = runner.invoke(app, ["sync", "-c", str(config), "--format", "json"])
        assert list(json.loads(synced_json.stdout)) == ["synced", "errors"]
    finally:
        server.stop()
