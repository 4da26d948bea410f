"""``iso10002 sync`` on Jira (real CLI processes, Jira sandbox process): an incremental sync
with nothing changed costs one search call when the deployment is configured, two (plus
``serverInfo``) on a custom address with ``deployment: auto``; a changed issue is still
stored with the site's JSM fields (discovered then, not before)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlalchemy import select

from connector.store import Store
from connector.store.models import SnapshotRow, TicketRow
from devtools.sandboxes.jira.model import SLA_FIELD
from tests.service import procs

pytestmark = pytest.mark.slow


def _config(tmp: Path, base: str, deployment: str) -> Path:
    path = procs.write_config(tmp, jira=base)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sources"][0]["deployment"] = deployment
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    mapping = tmp / "jira-mapping.yaml"  # every sandbox issue is a complaint
    spec = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    spec["select"] = {"projects": ["CS"], "any_of": {"labels": ["complaint"]}}
    mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _sync(config: Path) -> dict[str, Any]:
    done = procs.run_cli("sync", "-c", str(config), "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(done.stdout)["synced"][0]
    return outcome


def _latest_bundle(store_url: str, key: str) -> str:
    store = Store(store_url)
    try:
        with store.session() as session:
            ticket = session.scalars(select(TicketRow.id).where(TicketRow.ticket == key)).one()
            return session.scalars(select(SnapshotRow.bundle).where(SnapshotRow.ticket_id == ticket)
                                   .order_by(SnapshotRow.id.desc())).first() or ""
    finally:
        store.close()


@pytest.mark.parametrize(("deployment", "unchanged_calls"), [("cloud", 1), ("auto", 2)])
def test_unchanged_incremental_sync_costs_at_most_two_calls(
    tmp_path: Path, deployment: str, unchanged_calls: int
) -> None:
    with procs.sandbox("jira", tickets=20) as base:
        config = _config(tmp_path, base, deployment)
        first = _sync(config)
        assert first["new_versions"] == 20
        assert _sync(config)["api_calls"] == unchanged_calls

        session = requests.Session()
        session.auth = (procs.ENV["JIRA_EMAIL"], procs.ENV["JIRA_API_TOKEN"])
        session.put(f"{base}/rest/api/3/issue/CS-3", json={"update": {"labels": [{"add": "vip"}]}},
                    timeout=10).raise_for_status()
        changed = _sync(config)
        assert (changed["new_versions"], changed["changed"]) == (1, 1)
        bundle = _latest_bundle(f"sqlite:///{tmp_path / 'store.db'}", "CS-3")
        assert '"vip"' in bundle and SLA_FIELD in bundle  # mapped with the site's SLA field
