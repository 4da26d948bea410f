"""The shipped mappings map when the complainant asked for stage 2 (the stage-2 clocks start there).

Both ways the shipped ``regulatory.stage2`` block offers, on both platforms:
- a label / tag an agent adds on the request (``stage-2-requested`` on Jira, ``stage_2_requested``
  on Zendesk): the complainant's last public comment before it is the request;
- a date-time field: a Jira Date Time Picker value (``2026-05-22T18:30:00.000+0100``, the
  timestamp shape of the Jira Cloud REST v3 issue fields, /work/shared/docs/platform-jira.md) or,
  on Zendesk, a text field holding ISO 8601 with an offset (Zendesk date fields hold yyyy-mm-dd
  only: Zendesk ticket fields, "date" type; IBM Verify "Supported data types for Zendesk custom
  attributes").
The earlier of the two is the request.

Working (Europe/London, BST): the complainant writes on Fri 22 May 2026 at 18:30 (after hours);
the agent tags the request on Tue 26 May 09:30 (Mon 25 May: Spring bank holiday) and moves the
ticket to stage 2 at 09:35. The request time is Fri 22 May 18:30, not the tag or stage-2 times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from compliance_checks.model import ActorRole, EventKind
from mappings.derive import build_record
from tests.regulatory.test_shipped_mappings import LONDON, ev, facts, shipped

ASKED = datetime(2026, 5, 22, 18, 30, tzinfo=LONDON)
TAGGED = datetime(2026, 5, 26, 9, 30, tzinfo=LONDON)
STAGE2 = datetime(2026, 5, 26, 9, 35, tzinfo=LONDON)
LABELS = {"jira": ("stage-2-requested", "stage-2"), "zendesk": ("stage_2_requested", "stage_2")}
SOURCE = {"jira": "changelog", "zendesk": "audit"}


def _events(platform: str) -> list[Any]:
    requested, stage2 = LABELS[platform]
    src = SOURCE[platform]
    field = "labels" if platform == "jira" else "tags"
    return [
        ev(EventKind.COMMENT, "comment:1", datetime(2026, 5, 20, 11, tzinfo=LONDON), public=True,
           actor_role=ActorRole.COMPLAINANT, text="I am not happy with your stage 1 answer."),
        ev(EventKind.COMMENT, "comment:2", ASKED, public=True, actor_role=ActorRole.COMPLAINANT,
           text="Please escalate my complaint to stage 2."),
        ev(EventKind.LABEL_CHANGE, f"{src}:3", TAGGED, field=field, to_value=requested),
        ev(EventKind.LABEL_CHANGE, f"{src}:4", STAGE2, field=field, from_value=requested,
           to_value=f"{requested} {stage2}"),
    ]


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_shipped_mapping_maps_the_request_label_to_the_complainants_comment(platform: str) -> None:
    raw: dict[str, Any] = {"key": "9", "fields": {}} if platform == "jira" else {"id": 9, "custom_fields": []}
    record = build_record(facts(platform, _events(platform), raw), shipped(platform))
    assert record.procedure_stage == 2
    assert record.stage2_started is not None and record.stage2_started.at == STAGE2
    assert record.stage2_requested is not None
    assert (record.stage2_requested.at, record.stage2_requested.ref()) == (ASKED, "comment:2")


@pytest.mark.parametrize(
    ("platform", "raw"),
    [
        ("jira", {"key": "9", "fields": {"customfield_10098": "2026-05-22T18:30:00.000+0100"}}),
        ("zendesk", {"id": 9, "custom_fields": [{"id": 360000000044, "value": "2026-05-22T18:30:00+01:00"}]}),
    ],
)
def test_shipped_mapping_maps_the_request_field(platform: str, raw: dict[str, Any]) -> None:
    # No request label: only the stage-2 label (Tue 26 May 09:35) and the field (Fri 22 May 18:30).
    _, stage2 = LABELS[platform]
    field = "labels" if platform == "jira" else "tags"
    events = [ev(EventKind.LABEL_CHANGE, f"{SOURCE[platform]}:4", STAGE2, field=field, to_value=stage2)]
    record = build_record(facts(platform, events, raw), shipped(platform))
    assert record.stage2_started is not None and record.stage2_started.at == STAGE2
    assert record.stage2_requested is not None and record.stage2_requested.at == ASKED


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_the_stage1_complaint_is_never_taken_for_the_stage2_request(platform: str) -> None:
    """The complainant wrote only once, the complaint itself (Mon 2 Mar 2026); we answered on
    Tue 3 Mar; on Mon 20 Apr an agent tags a stage-2 request made by phone. The request is the
    tag's time, not the 2 Mar complaint, and the 3 Mar stage-1 reply is not the stage-2
    acknowledgement (it would pass that clock and start the stage-2 response clock seven weeks
    early)."""
    requested, stage2 = LABELS[platform]
    field = "labels" if platform == "jira" else "tags"
    src = SOURCE[platform]
    tagged = datetime(2026, 4, 20, 10, tzinfo=LONDON)
    events = [
        ev(EventKind.COMMENT, "comment:1", datetime(2026, 3, 2, 10, tzinfo=LONDON), public=True,
           actor_role=ActorRole.COMPLAINANT, text="You charged me twice."),
        ev(EventKind.COMMENT, "comment:2", datetime(2026, 3, 3, 10, tzinfo=LONDON), public=True,
           actor_role=ActorRole.AGENT, text="Thank you, we are looking into it."),
        ev(EventKind.LABEL_CHANGE, f"{src}:3", tagged, field=field, to_value=f"{requested} {stage2}"),
    ]
    raw: dict[str, Any] = {"key": "9", "fields": {}} if platform == "jira" else {"id": 9, "custom_fields": []}
    record = build_record(facts(platform, events, raw), shipped(platform))
    assert record.stage2_requested is not None
    assert (record.stage2_requested.at, record.stage2_requested.ref()) == (tagged, f"{src}:3")
    assert record.stage2_acknowledged is None
