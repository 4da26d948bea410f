"""Older Data Center changelogs through the real reader: histories without ``id``, change items
without ``fieldId`` (neither is required by the ``Changelog`` / ``ChangeDetails`` schemas of
jira-platform-v3.json; go-jira's recorded ``mocks/issues_in_sprint_with_changelog.json`` has both).

The same generated site is served twice, once with ids and ``fieldId``s and once without; the
mapped records must agree, by the file path (``pull`` + ``map_files``) and by the sync path
(``JiraIncremental`` bundles, mapped as the store maps them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.bundles import map_bundle
from connector.inputs import map_files
from connector.platforms.base import Changes
from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.commands import pull
from connector.platforms.jira.incremental import JiraIncremental
from connector.platforms.jira.settings import resolve_credentials
from devtools.sandboxes.jira import SandboxServer, make_state
from mappings.assemble import Assembler
from mappings.loader import default_mapping_path, load_mapping
from tests.jira.helpers import Sleeper, sandbox_source
from tests.jira.test_sandbox import ENV

SEED, ISSUES = 5, 30


def _summary(record: Any) -> tuple[Any, ...]:
    """The mapped changelog facts and the decision time, independent of history ids."""
    # As a multiset: same-instant events are ordered by source id, and derived keys differ.
    changes = sorted((e.at, e.kind.value, e.field or "", e.to_value or "", e.actor_role.value)
                     for e in record.timeline if e.source_kind.value == "changelog")
    decided = record.decided.at if record.decided is not None else None
    return changes, decided


def _read(tmp_path: Path, *, legacy: bool) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    spec = load_mapping(default_mapping_path("jira")).spec
    tmp_path.mkdir(parents=True)
    state = make_state(mode="datacenter", seed=SEED, issues=ISSUES, legacy_changelog=legacy)
    with SandboxServer(state) as dc:
        src = sandbox_source(dc, tmp_path, mapping=str(default_mapping_path("jira")))
        out = tmp_path / "pull.jsonl"
        pull(src, out, since=None, environ=ENV)
        by_file = {t.ticket: t for t in map_files([out], Assembler(spec))}
        client = JiraClient(src, resolve_credentials(src, ENV), sleeper=Sleeper())
        client.connect()
        by_sync: dict[str, Any] = {}
        for event in JiraIncremental(src, client, spec).read(
                {}, initial=datetime(2000, 1, 1, tzinfo=UTC), full=True, directory=None):
            if isinstance(event, Changes):
                for change in event.changes:
                    built = change.bundle(None)
                    assert built is not None
                    by_sync[change.ticket] = map_bundle(spec, built[0], None)
        histories = [h for line in out.read_text(encoding="utf-8").splitlines()
                     for h in _histories(line)]
    return by_file, by_sync, histories


def _histories(line: str) -> list[dict[str, Any]]:
    import json

    doc = json.loads(line)
    if not isinstance(doc, dict):
        return []
    return [h for i in doc.get("issues") or () for h in (i.get("changelog") or {}).get("histories") or ()]


def test_older_datacenter_changelogs_map_like_current_ones_by_file_and_by_sync(tmp_path: Path) -> None:
    files, sync, histories = _read(tmp_path / "current", legacy=False)
    old_files, old_sync, old_histories = _read(tmp_path / "legacy", legacy=True)
    # The sandbox really served the older shape, with custom-field changes among them.
    assert all("id" not in h for h in old_histories)
    items = [i for h in old_histories for i in h["items"]]
    assert items and all("fieldId" not in i for i in items)
    assert any(i["fieldtype"] == "custom" for i in items)
    assert len(old_histories) == len(histories)
    assert set(files) == set(old_files) == set(sync) == set(old_sync)
    decided_by_field = 0
    for key in files:
        current = files[key].record
        assert current is not None, files[key].error
        for other in (old_files[key], sync[key], old_sync[key]):
            assert other is not None and other.record is not None, other
            assert _summary(other.record) == _summary(current), key
        decided = current.decided
        # The note names the field for people; the change it points to carries the field id.
        decided_by_field += decided is not None and any(
            e.field == "customfield_10060" and e.ref() == decided.ref() for e in current.timeline)
    # The shipped mapping's decision field (customfield_10060) is found in the older shape too.
    assert decided_by_field > 0
