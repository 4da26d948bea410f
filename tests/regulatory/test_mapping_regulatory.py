"""The mapping's ``regulatory`` block: letters by tag / field / macro marker, content, stage 2."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from compliance_checks.configfile import ConfigError
from compliance_checks.model import ActorRole, Event, EventKind, LetterKind, Party, SourceKind
from mappings.derive import build_record
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path, parse_mapping

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2026, 3, 2, 10, tzinfo=LONDON)

REGULATORY = """
regulatory:
  final_response:
    labels: [final-response]
    markers: ["[FR]"]
    content:
      decision: {markers: ["our decision"]}
      reasons: {markers: ["because"]}
      remedy: {markers: ["we will refund"]}
      ombudsman_rights: {markers: ["financial ombudsman service"]}
  holding_response:
    markers: ["[HOLDING]"]
    content:
      reasons: {markers: ["need more time because"]}
      ombudsman_rights: {markers: ["financial ombudsman service"]}
  summary_resolution:
    fields: [customfield_10090]
    content:
      ombudsman_rights: {field: {custom_field: customfield_10091}}
  stage2:
    labels: [stage-2]
    statuses: [Stage 2 review]
  product_group: {custom_field: customfield_10080, map: {PSD: payment services}}
  redress_amount: {custom_field: customfield_10081}
  sent_to_company: {custom_field: customfield_10082}
  cfpb_received: {custom_field: customfield_10083}
"""


def spec(extra: str = REGULATORY):
    data = yaml.safe_load(default_mapping_path("jira").read_text(encoding="utf-8"))
    data.update(yaml.safe_load(extra))
    return parse_mapping(yaml.safe_dump(data), "jira-regulatory.yaml").spec


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def ev(kind: EventKind, source: str, when: datetime, **kw: Any) -> Event:
    source_kind, _, source_id = source.partition(":")
    values: dict[str, Any] = {"actor_role": ActorRole.AGENT, "actor_id": "agent-1"}
    values.update(kw)
    return Event(at=when, kind=kind, source_kind=SourceKind(source_kind), source_id=source_id, **values)


def reply(source: str, when: datetime, text: str, **kw: Any) -> Event:
    return ev(EventKind.COMMENT, source, when, public=True, text=text, **kw)


def facts(events: list[Event], fields: dict[str, Any] | None = None, **kw: Any) -> TicketFacts:
    return TicketFacts(
        key="CS-9",
        id="10009",
        platform="jira",
        created=RECEIVED,
        raw={"key": "CS-9", "fields": fields or {}},
        status="In Progress",
        priority="Medium",
        requester=Party(id="cust-1", name="Ada"),
        events=events,
        **kw,
    )


def test_letters_recognised_by_marker_label_and_field_with_content():
    events = [
        reply("comment:1", at(2, 11), "Thank you, we have received your complaint."),
        reply(
            "comment:2",
            at(20),
            "[HOLDING] We need more time because we are waiting for the merchant. "
            "We will reply by 2026-04-17. You may refer to the Financial Ombudsman Service now.",
        ),
        # The agent adds the label in the same update as the letter (30 seconds apart).
        reply(
            "comment:3",
            at(4, 15, month=4),
            "Our decision: upheld because the charge was duplicated; we will refund £20.",
        ),
        ev(
            EventKind.LABEL_CHANGE,
            "changelog:30",
            datetime(2026, 4, 4, 15, 0, 30, tzinfo=LONDON),
            field="labels",
            from_value="complaint",
            to_value="complaint final-response",
        ),
        ev(EventKind.FIELD_CHANGE, "changelog:31", at(5, month=4), field="customfield_10090", to_value="Yes"),
        # An internal note with the marker is never a letter.
        ev(EventKind.COMMENT, "comment:4", at(6, month=4), public=False, text="[FR] draft"),
    ]
    record = build_record(
        facts(
            events,
            {
                "customfield_10080": "PSD",
                "customfield_10081": "20.00",
                "customfield_10091": "yes",
                "customfield_10082": "2026-03-03T09:00:00Z",
                "customfield_10083": "2026-03-02T15:30:00-05:00",
            },
        ),
        spec(),
    )
    kinds = [(x.kind, x.sent.ref()) for x in record.letters]
    assert kinds == [
        (LetterKind.HOLDING, "comment:2"),
        (LetterKind.FINAL, "comment:3"),
        (LetterKind.SUMMARY, "changelog:31"),
    ]
    holding, final, summary = record.letters
    assert (holding.reasons, holding.ombudsman_rights, holding.new_date) == (True, True, date(2026, 4, 17))
    assert (final.decision, final.reasons, final.remedy, final.ombudsman_rights) == (True, True, True, None)
    assert summary.ombudsman_rights is True
    assert record.product_group == "payment services"
    assert record.redress_amount == Decimal("20.00")
    assert record.sent_to_company_at == datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("UTC"))
    # The CFPB's own receipt ("Date received" in its database), not the ticket's creation.
    assert record.cfpb_received_at == datetime(2026, 3, 2, 20, 30, tzinfo=ZoneInfo("UTC"))


def test_stage2_escalation_acknowledgement_and_handlers():
    events = [
        ev(
            EventKind.ASSIGNMENT_CHANGE,
            "changelog:1",
            at(2, 12),
            field="assignee",
            from_value=None,
            to_value="Alice",
        ),
        reply("comment:1", at(3), "[FR] Our decision ..."),
        ev(
            EventKind.STATUS_CHANGE,
            "changelog:2",
            at(10),
            field="status",
            from_value="Resolved",
            to_value="Stage 2 review",
            actor_role=ActorRole.COMPLAINANT,
        ),
        reply("comment:2", at(11), "We have received your request for a stage 2 review."),
        ev(
            EventKind.ASSIGNMENT_CHANGE,
            "changelog:3",
            at(11, 12),
            field="assignee",
            from_value="Alice",
            to_value="Bob",
        ),
        reply("comment:3", at(30), "[FR] Our stage 2 decision ..."),
    ]
    record = build_record(facts(events), spec())
    assert record.procedure_stage == 2
    assert record.stage2_started is not None and record.stage2_started.ref() == "changelog:2"
    assert record.stage2_acknowledged is not None and record.stage2_acknowledged.ref() == "comment:2"
    assert record.handlers_by_stage == {1: ("Alice",), 2: ("Bob",)}
    assert [(x.stage, x.sent.ref()) for x in record.letters] == [(1, "comment:1"), (2, "comment:3")]


def test_stage2_without_reassignment_keeps_the_stage1_handler():
    events = [
        ev(EventKind.LABEL_CHANGE, "changelog:2", at(10), field="labels", from_value="", to_value="stage-2"),
    ]
    record = build_record(facts(events, assignee="acc-1"), spec())
    assert record.handlers_by_stage == {1: ("acc-1",), 2: ("acc-1",)}


def test_no_regulatory_block_leaves_the_fields_empty():
    record = build_record(facts([reply("comment:1", at(3), "[FR] Our decision")]), spec("{regulatory: null}"))
    assert record.letters == () and record.procedure_stage == 1 and record.handlers_by_stage == {}


def test_unknown_key_in_the_regulatory_block_is_an_error():
    with pytest.raises(ConfigError) as info:
        spec("regulatory: {final_response: {tags: [x]}}")
    assert [i.key_path for i in info.value.issues] == ["regulatory.final_response.tags"]


def test_bad_redress_amount_names_ticket_and_field():
    from mappings.values import MappingError

    with pytest.raises(MappingError, match=r"ticket CS-9: field regulatory\.redress_amount"):
        build_record(facts([], {"customfield_10081": "twenty"}), spec())
