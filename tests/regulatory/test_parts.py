"""Complaint parts with their own clocks: the checks (fca-disp) and the mapping's ``regulatory.parts``.

Dates: received Mon 2 Mar 2026 10:00 Europe/London (GMT; BST from Sun 29 Mar), 09:00-17:00
Mon-Fri, England bank holidays (none in March; Good Friday 3 Apr, Easter Monday 6 Apr).
Whole complaint: 8 weeks -> Mon 27 Apr 23:59:59 BST. A payment-services part: 15 business days
from Mon 2 Mar: Tue 3-Fri 6 (4), 9-13 (9), 16-20 (14), Mon 23 (15) -> Mon 23 Mar 17:00 GMT.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from compliance_checks.calendar import END_OF_DAY
from compliance_checks.configfile import ConfigError
from compliance_checks.model import (
    ActorRole,
    ComplaintPart,
    Event,
    EventKind,
    Party,
    SourceKind,
)
from mappings.derive import build_record
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path, parse_mapping
from tests.regulatory.helpers import letter, record, ref, run

LONDON = ZoneInfo("Europe/London")
FULL = {"decision": True, "reasons": True, "remedy": True, "ombudsman_rights": True}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


RECEIVED = at(3, 2)
WHOLE_DUE = datetime.combine(date(2026, 4, 27), END_OF_DAY, tzinfo=LONDON)
PAYMENT_DUE = at(3, 23, 17)


def payment(decided: datetime | None = None, received: datetime | None = None) -> ComplaintPart:
    return ComplaintPart(
        id="payment",
        product_group="payment services",
        received_at=received,
        decided=ref("comment:51", decided, "part payment decided") if decided else None,
    )


def card(decided: datetime | None = None) -> ComplaintPart:
    return ComplaintPart(id="card", decided=ref("comment:52", decided) if decided else None)


# ---- the check ----------------------------------------------------------------------------


def test_a_late_part_fails_the_complaint_and_is_named():
    # payment decided Fri 27 Mar 12:00, after its 15-business-day deadline (Mon 23 Mar 17:00);
    # card decided Mon 6 Apr and the final response Tue 7 Apr: both within the 8 weeks.
    final = letter("final_response", "comment:60", at(4, 7), **FULL)
    rec = record(RECEIVED, parts=(payment(at(3, 27, 12)), card(at(4, 6))), letters=(final,))
    result = run("fca-disp", "regulatory-response", rec, at(4, 8))
    assert result.status.value == "FAIL", result.message
    assert result.message == (
        "Part payment: Response to this part (DISP 1.6.2R / 1.6.2AR) late: "
        "done 2026-03-27 12:00 GMT, due 2026-03-23 17:00 GMT"
    )
    assert result.facts["late_parts"] == "payment"
    assert result.facts["parts"] == "payment: FAIL due 2026-03-23 17:00; card: PASS due 2026-04-27 23:59"
    notes = [e.note for e in result.evidence]
    assert "part payment: part payment decided" in notes


def test_every_part_on_time_passes_with_per_part_evidence():
    # payment decided Fri 20 Mar (before Mon 23 Mar 17:00); card by the final response of Tue 7 Apr.
    final = letter("final_response", "comment:60", at(4, 7), **FULL)
    rec = record(RECEIVED, parts=(payment(at(3, 20)), card()), letters=(final,))
    result = run("fca-disp", "regulatory-response", rec, at(4, 8))
    assert result.status.value == "PASS", result.message
    assert result.due_at == WHOLE_DUE
    assert "late_parts" not in result.facts
    refs = [(e.ref, e.note) for e in result.evidence]
    # The whole complaint's final response answered the card part (it has no decision of its own).
    assert ("comment:60", "part card: event") in refs
    assert ("comment:51", "part payment: part payment decided") in refs


def test_a_part_raised_later_runs_from_its_own_receipt():
    # payment added Mon 9 Mar 14:00: 15 business days -> 10-13 (4), 16-20 (9), 23-27 (14),
    # Mon 30 Mar (15) -> Mon 30 Mar 17:00 BST. At Mon 30 Mar 10:00 the close of the next business
    # day (Tue 31 Mar) is past it: AT_RISK, and the finding points at the part's deadline.
    rec = record(RECEIVED, parts=(payment(received=at(3, 9, 14)), card()))
    result = run("fca-disp", "regulatory-response", rec, at(3, 30))
    assert result.status.value == "AT_RISK", result.message
    assert result.due_at == at(3, 30, 17)
    assert (
        result.message
        == "Part payment: Response to this part (DISP 1.6.2R / 1.6.2AR) due 2026-03-30 17:00 BST"
    )
    # The same record without parts is only PENDING (8 weeks).
    plain = run("fca-disp", "regulatory-response", record(RECEIVED), at(3, 30))
    assert plain.status.value == "PENDING"


def test_a_response_before_the_part_was_raised_does_not_answer_it():
    # A final response on Fri 6 Mar predates the payment part (added Mon 9 Mar 14:00): the part is
    # still unanswered at Tue 31 Mar, past its Mon 30 Mar 17:00 BST deadline.
    early = letter("final_response", "comment:60", at(3, 6), **FULL)
    rec = record(RECEIVED, parts=(payment(received=at(3, 9, 14)),), letters=(early,))
    result = run("fca-disp", "regulatory-response", rec, at(3, 31))
    assert result.status.value == "FAIL"
    assert result.facts["late_parts"] == "payment"
    assert "overdue since 2026-03-30 17:00 BST" in result.message


# ---- the mapping --------------------------------------------------------------------------

FIELD_PARTS = """
regulatory:
  parts:
    field: {custom_field: customfield_10120}
    decided_labels: ["part-decided-{part}"]
    decided_markers: ["[PART DECIDED: {part}]"]
    product_groups: {payment: payment services}
"""

ITEM_PARTS = """
regulatory:
  parts:
    items: [properties, com.acme.complaint-parts, parts]
    id: key
    name: summary
    received: created
    decided: resolved
    product_groups: {CS-10: payment services}
"""


def spec(extra: str) -> Any:
    data = yaml.safe_load(default_mapping_path("jira").read_text(encoding="utf-8"))
    data["regulatory"] = yaml.safe_load(extra)["regulatory"]
    return parse_mapping(yaml.safe_dump(data), "jira-parts.yaml").spec


def ev(kind: EventKind, source: str, when: datetime, **kw: Any) -> Event:
    source_kind, _, source_id = source.partition(":")
    values: dict[str, Any] = {"actor_role": ActorRole.AGENT, "actor_id": "agent-1"}
    values.update(kw)
    return Event(at=when, kind=kind, source_kind=SourceKind(source_kind), source_id=source_id, **values)


def facts(events: list[Event], raw: dict[str, Any]) -> TicketFacts:
    return TicketFacts(
        key="CS-9",
        id="10009",
        platform="jira",
        created=RECEIVED,
        raw={"key": "CS-9", **raw},
        status="In Progress",
        priority="Medium",
        requester=Party(id="cust-1", name="Ada"),
        events=events,
    )


def test_parts_from_a_multi_select_field_with_marker_and_label_decisions():
    options = [{"value": "payment"}, {"value": "card"}]
    events = [
        # card added to the parts field on Mon 9 Mar 14:00 (payment was there from the start).
        ev(
            EventKind.FIELD_CHANGE,
            "changelog:5",
            at(3, 9, 14),
            field="customfield_10120",
            from_value="payment",
            to_value="payment,card",
        ),
        ev(EventKind.COMMENT, "comment:7", at(3, 18), public=False, text="[PART DECIDED: payment] draft"),
        ev(EventKind.COMMENT, "comment:8", at(3, 20), public=True, text="[PART DECIDED: payment] We refund."),
        # The connector's own label never decides a part.
        ev(
            EventKind.LABEL_CHANGE,
            "changelog:9",
            at(3, 25),
            field="labels",
            from_value="",
            to_value="part-decided-card",
            actor_role=ActorRole.CONNECTOR,
        ),
        ev(
            EventKind.LABEL_CHANGE,
            "changelog:10",
            at(4, 6),
            field="labels",
            from_value="complaint",
            to_value="complaint part-decided-card",
        ),
    ]
    rec = build_record(facts(events, {"fields": {"customfield_10120": options}}), spec(FIELD_PARTS))
    by_id = {p.id: p for p in rec.parts}
    assert list(by_id) == ["payment", "card"]
    pay, crd = by_id["payment"], by_id["card"]
    assert pay.received_at is None and pay.product_group == "payment services"
    assert pay.decided is not None and pay.decided.ref() == "comment:8"
    assert crd.received_at == at(3, 9, 14) and crd.product_group is None
    assert crd.decided is not None and crd.decided.ref() == "changelog:10"


def test_parts_from_a_list_of_items_in_the_payload():
    parts = [
        {
            "key": "CS-10",
            "summary": "Payment",
            "created": "2026-03-02T10:00:00Z",
            "resolved": "2026-03-20T15:00:00Z",
        },
        {"key": "CS-11", "summary": "Card", "created": "2026-03-09T14:00:00Z", "resolved": None},
    ]
    raw = {"fields": {}, "properties": {"com.acme.complaint-parts": {"parts": parts}}}
    rec = build_record(facts([], raw), spec(ITEM_PARTS))
    first, second = rec.parts
    assert (first.id, first.name, first.product_group) == ("CS-10", "Payment", "payment services")
    assert first.decided is not None and first.decided.ref() == "issue:CS-9#CS-10"
    assert first.decided.at == datetime(2026, 3, 20, 15, tzinfo=ZoneInfo("UTC"))
    assert second.received_at == datetime(2026, 3, 9, 14, tzinfo=ZoneInfo("UTC")) and second.decided is None


def test_no_parts_block_and_an_empty_field_give_no_parts():
    assert build_record(facts([], {"fields": {}}), spec(FIELD_PARTS)).parts == ()
    plain = spec("regulatory: {stage2: {labels: [stage-2]}}")
    assert build_record(facts([], {"fields": {"customfield_10120": [{"value": "x"}]}}), plain).parts == ()


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ("{items: [a], field: {custom_field: customfield_1}}", "exactly one of field"),
        ("{decided_labels: [x]}", "exactly one of field"),
        ("{items: a, decided_labels: [x]}", "go with field"),
    ],
)
def test_parts_block_errors(block: str, problem: str):
    with pytest.raises(ConfigError, match=problem):
        spec(f"regulatory: {{parts: {block}}}")
