"""Ticket-event and audit children in their real shapes -> timeline events with the right field
names and actor roles.

Shapes followed:
- a custom-field change in the incremental ticket-event export is
  ``{"custom_ticket_fields": {"<field id>": "<value>"}, "event_type": "Change", "previous_value"}``
  with ``via`` as a display name ("Web form") (a real child event recorded in a comment of a public
  zendesk-java-client fork, ``org.zendesk.client.v2.model.ChildEvent``; Zendesk Support API,
  ``IncrementalTicketEvents``: "contains all the fields that were updated in that change");
- an audit whose own ``via`` is the agent's web update while one of its events carries its own
  ``via: {"channel": "rule", "source": {"rel": "trigger"}}``: the recorded go-zendesk payload
  ``GET_ticket_audits.json`` (tests/fixtures/zendesk, MIT), as documented in "Via object
  reference" (``channel`` is a via type such as ``rule``, or a via id such as 8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compliance_checks.model import ActorRole, EventKind
from mappings.zendesk_payload import (
    Directory,
    ZendeskBundle,
    audit_children,
    ticket_event_children,
    zendesk_facts,
)
from tests.test_mappings import ZD_EXPORT, make_spec, record_of, write_json
from tests.zendesk.builders import load

AGENT = 9001  # an agent in handmade_export_page.json
ASSESSMENT_FIELD = "360000000021"  # mappings/zendesk.yaml: assessment.fields
DECISION_FIELD = "360000000030"  # mappings/zendesk.yaml: decision.fields


def _export_event(event_id: int, at: str, children: list[dict[str, Any]],
                  via: str = "Web form") -> dict[str, Any]:
    return {"id": event_id, "ticket_id": 505, "timestamp": None, "created_at": at,
            "updater_id": AGENT, "via": via, "system": {}, "event_type": "Audit",
            "merged_ticket_ids": [], "child_events": children}


def _custom_change(child_id: int, field: str, value: str, via: str = "Web form") -> dict[str, Any]:
    return {"id": child_id, "via": via, "via_reference_id": None,
            "custom_ticket_fields": {field: value}, "event_type": "Change",
            "previous_value": None}


def test_custom_ticket_fields_change_is_named_by_the_field_id() -> None:
    event = _export_event(1, "2026-03-02T12:00:00Z", [_custom_change(11, ASSESSMENT_FIELD, "billing")])
    (child,) = ticket_event_children(event)
    assert (child.id, child.field, child.value) == ("11", ASSESSMENT_FIELD, "billing")


def test_assessment_and_decision_fields_changed_in_the_export_are_found(tmp_path: Path) -> None:
    events = {"ticket_events": [
        _export_event(1, "2026-03-02T12:00:00Z", [_custom_change(11, ASSESSMENT_FIELD, "billing")]),
        _export_event(2, "2026-03-05T12:00:00Z", [_custom_change(21, DECISION_FIELD, "outcome_upheld")]),
    ], "count": 2, "end_time": 0, "next_page": None, "end_of_stream": True}
    record = record_of([ZD_EXPORT, write_json(tmp_path, "events.json", events)], "505",
                       platform="zendesk")
    assert record.assessed is not None and record.assessed.ref() == "ticket_event:11"
    assert record.decided is not None and record.decided.ref() == "ticket_event:21"


def test_the_same_change_as_an_audit_event_merges_by_id(tmp_path: Path) -> None:
    audits = {"audits": [{"id": 1, "ticket_id": 505, "created_at": "2026-03-02T12:00:00Z",
                          "author_id": AGENT, "via": {"channel": "web"},
                          "events": [{"id": 11, "type": "Change", "field_name": ASSESSMENT_FIELD,
                                      "value": "billing", "previous_value": None}]}]}
    events = {"ticket_events": [
        _export_event(1, "2026-03-02T12:00:00Z", [_custom_change(11, ASSESSMENT_FIELD, "billing")])]}
    both = record_of([ZD_EXPORT, write_json(tmp_path, "e.json", events),
                      write_json(tmp_path, "a.json", audits)], "505", platform="zendesk")
    changes = [e for e in both.timeline if e.kind is EventKind.FIELD_CHANGE]
    assert [(e.ref(), e.field) for e in changes] == [("ticket_event:11", ASSESSMENT_FIELD)]


def test_a_trigger_change_inside_an_agent_audit_is_the_system_not_the_agent() -> None:
    recorded = load("GET_ticket_audits.json")["audits"][0]
    author = str(recorded["author_id"])
    directory = Directory()
    directory.add_users([{"id": int(author), "role": "agent"}])
    bundle = ZendeskBundle(ticket={"id": 666, "created_at": "2011-09-25T22:00:00Z",
                                   "requester_id": 1, "status": "open"})
    bundle.add_children(audit_children(recorded))
    facts = zendesk_facts(bundle, directory, make_spec("zendesk"))
    status = next(e for e in facts.events if e.kind is EventKind.STATUS_CHANGE)
    assert (status.source_id, status.to_value) == ("2127301163", "open")
    assert status.actor_role is ActorRole.SYSTEM


def test_a_trigger_change_inside_an_agent_update_does_not_assess(tmp_path: Path) -> None:
    """An assessment field set by a trigger in the same update as an agent's note: the rule
    assessed nothing, so the ticket has no assessment (the change is the system's)."""
    events = {"ticket_events": [_export_event(1, "2026-03-02T12:00:00Z", [
        {"id": 10, "via": "Web form", "via_reference_id": None, "type": "Comment",
         "author_id": AGENT, "body": "Looking.", "html_body": "<p>Looking.</p>", "public": False,
         "attachments": [], "event_type": "Comment"},
        _custom_change(11, ASSESSMENT_FIELD, "billing", via="Rule"),
    ])]}
    record = record_of([ZD_EXPORT, write_json(tmp_path, "events.json", events)], "505",
                       platform="zendesk")
    change = next(e for e in record.timeline if e.kind is EventKind.FIELD_CHANGE)
    assert change.actor_role is ActorRole.SYSTEM
    assert record.assessed is None


def test_via_channel_reads_objects_display_names_and_ids() -> None:
    from mappings.zendesk_payload import via_channel

    assert via_channel({"channel": "rule", "source": {"rel": "trigger"}}) == "rule"
    assert via_channel("Rule") == "rule"
    assert via_channel("Web form") == "web"
    assert via_channel({"channel": 8}) == "rule"
    assert via_channel({"channel": "mobile"}) == "mobile"
    assert via_channel(None) is None


def test_recorded_audit_file_is_unchanged_by_the_reader() -> None:
    # The fixture really is the recorded shape this file relies on.
    recorded = json.loads((Path(__file__).parent.parent / "fixtures" / "zendesk"
                           / "GET_ticket_audits.json").read_text(encoding="utf-8"))
    event = recorded["audits"][0]["events"][1]
    assert recorded["audits"][0]["via"] == {"channel": "web"}
    assert event["via"]["channel"] == "rule" and event["via"]["source"]["rel"] == "trigger"


def test_the_known_via_spellings_agree_with_the_normalised_reading() -> None:
    """``via_channel`` looks common spellings up before normalising: the table must give what
    normalising (strip, casefold, display name or id -> via type) gives."""
    from mappings import zendesk_payload

    for spelling, via in zendesk_payload._VIA_SPELLINGS.items():
        normalised = spelling.strip().casefold()
        assert zendesk_payload._VIA_TYPES.get(normalised, normalised) == via, spelling
        assert zendesk_payload.via_channel({"channel": spelling}) == via
        assert zendesk_payload.via_channel(f" {spelling.upper()} ") == via
