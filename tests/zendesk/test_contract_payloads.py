"""Contract tests: recorded public Zendesk payloads run through the mapping, asserting mapped facts.

Payloads: ``tests/fixtures/zendesk/go-zendesk/`` (nukosuke/go-zendesk ``fixture/``, MIT; see the
README there). Wrapping into an export page / audits page happens here, never in the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from compliance_checks.model import ActorRole, ComplaintRecord, EventKind
from mappings.assemble import Assembler, Origin
from mappings.loader import default_mapping_path
from mappings.schema import MappingSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk" / "go-zendesk"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _spec_selecting_all() -> MappingSpec:
    data = yaml.safe_load(default_mapping_path("zendesk").read_text(encoding="utf-8"))
    data.update(select={}, scope=[])
    return MappingSpec.model_validate(data)


def _map(docs: list[dict[str, Any]]) -> dict[str, ComplaintRecord]:
    assembler = Assembler(_spec_selecting_all())
    origin = Origin("contract")
    for doc in docs:
        if not assembler.is_primary(doc):
            assembler.add_history(doc, origin)
    out: dict[str, ComplaintRecord] = {}
    for doc in docs:
        for raw in assembler.items(doc, origin):
            mapped = assembler.map_item(raw)
            assert mapped.error is None, mapped.error
            assert mapped.record is not None, mapped.skipped
            out[mapped.ticket] = mapped.record
    return out


def test_created_ticket_and_its_creation_audit() -> None:
    """``POST_ticket.json``: ticket 4 created via the API by its requester (377922500012) with a
    public comment and Create events (priority urgent, status new)."""
    recorded = _load("POST_ticket.json")
    users = _load("GET_users.json")
    records = _map([users, {"audits": [recorded["audit"]]}, {"tickets": [recorded["ticket"]]}])
    record = records["4"]
    assert record.received_at.isoformat() == "2019-06-06T10:02:04+00:00"
    assert record.priority == "urgent"
    comments = [e for e in record.timeline if e.kind is EventKind.COMMENT]
    assert len(comments) == 1
    # The requester wrote it: a complainant's public comment, never an agent reply.
    assert comments[0].actor_role is ActorRole.COMPLAINANT
    assert comments[0].public is True
    assert comments[0].actor_id == "377922500012"
    created = {e.field: e.to_value for e in record.timeline if e.initial}
    assert created["priority"] == "urgent"
    assert created["status"] == "new"
    # No agent ever answered: there is no first-response evidence to pass a check on.
    assert not any(e.actor_role is ActorRole.AGENT for e in record.timeline)
