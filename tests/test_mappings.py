"""Declarative mappings: raw Jira / Zendesk payloads -> the ISO 10002 complaint record."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance_checks.model import (
    ActorRole,
    ComplainantResponse,
    ComplaintRecord,
    EventKind,
    Interval,
    Outcome,
    Severity,
    Stage,
)
from connector.inputs import map_files
from mappings.assemble import Assembler, MappedTicket, Origin
from mappings.loader import default_mapping_path, load_mapping
from mappings.schema import MappingSpec
from mappings.select import is_complaint, scope_of
from mappings.values import MappingError, adf_text, parse_time

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
JIRA_CLOUD = FIXTURES / "jira" / "handmade_cloud_search_jql.json"
JIRA_BULK = FIXTURES / "jira" / "handmade_changelog_bulkfetch.json"
JIRA_DC = FIXTURES / "jira" / "handmade_dc_v2_search.json"
ZD_EXPORT = FIXTURES / "zendesk" / "handmade_export_page.json"
ZD_EVENTS = FIXTURES / "zendesk" / "handmade_ticket_events.json"
ZD_TICKET = FIXTURES / "zendesk" / "handmade_ticket_506.json"
ZD_AUDITS = FIXTURES / "zendesk" / "handmade_audits_506.json"


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def spec_dict(platform: str) -> dict[str, Any]:
    return yaml.safe_load(default_mapping_path(platform).read_text(encoding="utf-8"))


def make_spec(platform: str, **changes: Any) -> MappingSpec:
    data = spec_dict(platform)
    data.update(changes)
    return MappingSpec.model_validate(data)


def select_all(platform: str) -> MappingSpec:
    return make_spec(platform, select={}, scope=[])


def mapped(
    paths: list[Path], spec: MappingSpec | None = None, platform: str = "jira", as_of=None
) -> dict[str, MappedTicket]:
    assembler = Assembler(spec or make_spec(platform), as_of=as_of)
    return {m.ticket: m for m in map_files(paths, assembler)}


def record_of(paths: list[Path], ticket: str, **kwargs: Any) -> ComplaintRecord:
    result = mapped(paths, **kwargs)[ticket]
    assert result.error is None, result.error
    assert result.record is not None, result.skipped
    return result.record


def write_json(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- real payloads ---------------------------------------------------------------------------------

COPIED_REAL = [
    pytest.param("jira", "airbyte_issues.json", {"TESTKEY13-1"}, id="jira-airbyte-cloud-v3-search-page"),
    pytest.param("jira", "gojira_issues_with_changelog.json", {"AR-86"}, id="jira-gojira-with-changelog"),
    pytest.param("jira", "gojira_issues_in_sprint.json", {"AR-86"}, id="jira-gojira-sprint-page"),
    pytest.param("zendesk", "GET_ticket.json", {"2"}, id="zendesk-single-ticket"),
    pytest.param("zendesk", "GET_tickets.json", {"2", "3"}, id="zendesk-ticket-list"),
    pytest.param("zendesk", "GET_ticket_sideload.json", {"4"}, id="zendesk-ticket-with-side-loads"),
    pytest.param("zendesk", "POST_ticket.json", {"4"}, id="zendesk-created-ticket-with-audit"),
]


@pytest.mark.parametrize(("platform", "name", "tickets"), COPIED_REAL)
def test_copied_real_payloads_map_without_errors(platform, name, tickets):
    results = mapped([FIXTURES / platform / name], select_all(platform))
    assert set(results) == tickets
    for result in results.values():
        assert result.error is None, result.error
        record = result.record
        assert record is not None
        assert record.received_at.tzinfo is not None
        assert record.timeline[0].kind in (EventKind.RECEIVED, EventKind.COMMENT, EventKind.STATUS_CHANGE)


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_copied_real_history_pages_are_accepted_with_their_tickets(platform):
    if platform == "jira":
        files = ["airbyte_issues.json", "airbyte_issue_comments.json"]
    else:
        files = ["GET_ticket.json", "GET_ticket_audits.json", "GET_ticket_audit.json", "GET_users.json"]
    results = mapped([FIXTURES / platform / f for f in files], select_all(platform))
    assert results
    assert all(r.error is None and r.record is not None for r in results.values())


def _shared_payloads(platform: str) -> list[Path]:
    folder = SHARED / platform
    return sorted(folder.rglob("*.json")) if folder.is_dir() else []


def _accepted(assembler: Assembler, doc: Any, path: Path) -> bool:
    """Add a document's history; False when it is not a ticket payload shape at all."""
    problem = None
    try:
        assembler.add_history(doc, Origin(str(path)))
    except ValueError as exc:
        problem = str(exc)
    if problem is None:
        return True
    assert "payload shape" in problem, (path, problem)
    return False


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures not present")
@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_every_real_shared_ticket_payload_maps_without_errors(platform):
    """Each shared fixture is either a payload shape we accept (and every ticket in it maps) or a
    shape that is not a ticket payload at all (fields, filters, SLA policies...), which is refused
    with an input-shape error rather than mis-read."""
    spec = select_all(platform)
    mapped_any = 0
    for path in _shared_payloads(platform):
        assembler = Assembler(spec)
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not _accepted(assembler, doc, path):
            continue
        for raw in assembler.items(doc, Origin(str(path))):
            result = assembler.map_item(raw)
            assert result.error is None, (path.name, result.error)
            mapped_any += 1
    assert mapped_any >= 3


# -- Jira Cloud ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud() -> ComplaintRecord:
    return record_of([JIRA_CLOUD, JIRA_BULK], "CS-101")


def test_jira_cloud_record_fields(cloud):
    assert cloud.received_at == utc(2, 10)
    assert cloud.url == "https://example.atlassian.net/browse/CS-101"
    assert (cloud.channel, cloud.product, cloud.category) == ("email", "Broadband", "Billing")
    assert cloud.remedy_sought == "Refund the duplicate charge"
    assert cloud.complainant.id == "qm:cust-1"
    assert cloud.complainant.contact == "ada@example.com"
    assert (cloud.status, cloud.stage, cloud.severity) == ("Resolved", Stage.RESOLVED, Severity.HIGH)
    assert cloud.outcome is Outcome.UPHELD
    assert cloud.complainant_response is ComplainantResponse.ACCEPTED
    assert cloud.recourse_given is True
    assert cloud.root_cause == "RC-BILLING-DUPLICATE"
    assert cloud.resolution_summary == "Duplicate charge refunded on 2026-03-10."
    assert cloud.closure_reason == "Done"


def test_adf_text_extraction(cloud):
    assert cloud.description == "I was charged twice for my March invoice.\nPlease refund it.\nThanks"
    comment = next(e for e in cloud.timeline if e.ref() == "comment:10023")
    assert comment.text == "Dear Ada, we have received your complaint @Ada Customer."


def test_adf_text_of_nested_structures():
    doc = {
        "type": "doc",
        "content": [
            {"type": "heading", "content": [{"type": "text", "text": "Outcome"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "one"}]}],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [{"type": "emoji", "attrs": {"shortName": ":ok:"}}],
                            }
                        ],
                    },
                ],
            },
        ],
    }
    assert adf_text(doc) == "Outcome\none\n\n:ok:"


def test_jira_cloud_evidence_rules(cloud):
    # 10020 is internal (jsdPublic false): the acknowledgement is the public reply 10023
    assert cloud.acknowledged.ref() == "comment:10023"
    assert cloud.assessed.ref() == "changelog:1001"  # priority raised by an agent
    assert cloud.escalated.ref() == "changelog:1003"  # label "escalated" added
    assert cloud.decided.ref() == "changelog:1004"
    assert cloud.decision_communicated.ref() == "comment:10026"
    assert cloud.last_complainant_update.ref() == "comment:10026"
    roles = {e.ref(): (e.actor_role, e.public) for e in cloud.timeline if e.kind is EventKind.COMMENT}
    assert roles == {
        "comment:10020": (ActorRole.AGENT, False),
        "comment:10023": (ActorRole.AGENT, True),
        "comment:10024": (ActorRole.COMPLAINANT, True),
        "comment:10025": (ActorRole.CONNECTOR, True),  # "[iso10002]" marker
        "comment:10026": (ActorRole.AGENT, True),
    }


def test_history_merged_from_bulkfetch_without_duplicates(cloud):
    changelog_refs = [e.ref() for e in cloud.timeline if e.source_kind.value == "changelog"]
    # 1002 is both embedded and in the bulkfetch page; 1004 has two items (status + outcome)
    assert changelog_refs == [
        "changelog:1001",
        "changelog:1002",
        "changelog:1003",
        "changelog:1004",
        "changelog:1004",
    ]
    assert "history_gaps" not in cloud.attributes


def test_truncated_embedded_changelog_without_bulkfetch_is_a_history_gap():
    record = record_of([JIRA_CLOUD], "CS-101")
    assert record.attributes["history_gaps"] == ["changelog truncated: 2 of 4 histories"]
    assert record.escalated is not None
    # without 1003/1004 the label was present since creation and the decision time is unknown
    assert record.escalated.note == "escalation label present since creation"


def test_as_of_rewinds_the_record():
    record = record_of([JIRA_CLOUD, JIRA_BULK], "CS-101", as_of=utc(4, 12))
    assert record.stage is Stage.INVESTIGATING
    assert record.status == "In Progress"
    assert record.decided is None
    assert record.escalated is None  # label added on 03-05
    assert record.acknowledged.ref() == "comment:10023"
    assert max(e.at for e in record.timeline) <= utc(4, 12)


def test_ticket_received_after_as_of_is_skipped():
    result = mapped([JIRA_CLOUD, JIRA_BULK], as_of=utc(1, 12))["CS-101"]
    assert result.record is None
    assert result.skipped == "received after the as-of time"


def _cloud_issue() -> dict[str, Any]:
    return json.loads(JIRA_CLOUD.read_text(encoding="utf-8"))


def test_connector_account_comment_is_never_an_acknowledgement(tmp_path):
    page = _cloud_issue()
    issue = page["issues"][0]
    comments = issue["fields"]["comment"]["comments"]
    # our integration user writes the first public reply, without the marker
    bot = comments[3]
    bot["body"] = {
        "type": "doc",
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Noted."}]}],
    }
    bot["created"] = "2026-03-02T10:05:00.000+0000"
    spec = make_spec("jira", actors={"connector_accounts": ["557058:svc-iso10002"]})
    record = record_of([write_json(tmp_path, "p.json", page)], "CS-101", spec=spec)
    roles = {e.ref(): e.actor_role for e in record.timeline}
    assert roles["comment:10025"] is ActorRole.CONNECTOR
    assert record.acknowledged.ref() == "comment:10023"


# -- Jira Data Center ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dc() -> ComplaintRecord:
    return record_of([JIRA_DC], "CS-201")


def test_jira_dc_internal_comments_and_wiki_body(dc):
    comments = {e.ref(): e.public for e in dc.timeline if e.kind is EventKind.COMMENT}
    # sd.public.comment {internal: true} and a visibility restriction are internal
    assert comments == {"comment:30001": False, "comment:30002": False, "comment:30003": True}
    assert dc.acknowledged.ref() == "comment:30003"
    assert dc.description.startswith("h1. Complaint\nThe engineer *did not arrive*")
    assert dc.complainant.id == "JIRAUSER10001"


def test_pauses_from_waiting_status(dc):
    assert dc.paused == (Interval(start=utc(3, 9), end=utc(5, 9)),)
    assert dc.stage is Stage.INVESTIGATING


# -- Zendesk --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zendesk() -> dict[str, MappedTicket]:
    return mapped([ZD_EXPORT, ZD_EVENTS], platform="zendesk")


def test_zendesk_selection_and_scope(zendesk):
    assert zendesk["504"].skipped == "not selected as a complaint by the mapping"  # spam tag
    assert zendesk["508"].skipped  # no marker
    assert zendesk["505"].record is not None  # contact-reason field
    assert zendesk["507"].record is not None  # complaint form
    out = zendesk["503"].record
    assert (out.in_scope, out.scope_reason) == (False, "employment-related dispute")


def test_zendesk_ticket_events(zendesk):
    record = zendesk["501"].record
    assert record.url == "https://example.zendesk.com/agent/tickets/501"
    assert (record.product, record.category, record.outcome) == ("broadband", "billing", Outcome.UPHELD)
    assert record.recourse_given is True
    assert record.acknowledged.ref() == "ticket_event:401"  # 201 is an internal note
    assert record.assessed.ref() == "ticket_event:301"
    assert record.escalated.ref() == "ticket_event:601"  # group -> "Complaints Escalation"
    assert record.decided.ref() == "ticket_event:801"
    assert record.decision_communicated.ref() == "ticket_event:802"  # same update
    assert record.satisfaction_offered.ref() == "ticket_event:901"
    assert record.paused == (Interval(start=utc(3, 9, 15), end=utc(4, 10)),)  # pending
    roles = {e.ref(): e.actor_role for e in record.timeline if e.kind is EventKind.COMMENT}
    assert roles["ticket_event:101"] is ActorRole.COMPLAINANT
    assert roles["ticket_event:701"] is ActorRole.CONNECTOR
    group = next(e for e in record.timeline if e.kind is EventKind.GROUP_CHANGE)
    assert group.to_value == "Complaints Escalation"


def test_zendesk_metric_set_fallback_without_events(zendesk):
    record = zendesk["502"].record
    assert record.attributes["history_gaps"] == [
        "no ticket events supplied: history from ticket metrics only"
    ]
    assert record.acknowledged.ref() == "metric_event:6502"
    assert record.acknowledged.at == utc(3, 11)  # created + 1500 minutes
    assert record.decided.ref() == "metric_event:6502"
    assert record.decided.at == utc(20, 15)  # solved_at, not the receipt time
    assert record.reopen_count == 1


def test_zendesk_audits_and_reopen_count():
    record = record_of([ZD_TICKET, ZD_AUDITS], "506", platform="zendesk")
    assert record.reopen_count == 1
    assert record.decided.ref() == "ticket_event:51"  # the current solved episode
    assert record.acknowledged.ref() == "ticket_event:21"
    assert record.decision_communicated.ref() == "ticket_event:52"


def test_zendesk_audits_merge_with_events_by_id(tmp_path):
    events = json.loads(ZD_EVENTS.read_text(encoding="utf-8"))
    # the same child events again, as an audits page of ticket 501
    audits = {
        "audits": [
            {
                "id": e["id"],
                "ticket_id": 501,
                "created_at": e["created_at"],
                "author_id": e["updater_id"],
                "via": {"channel": "web"},
                "events": e["child_events"],
            }
            for e in events["ticket_events"]
        ]
    }
    once = record_of([ZD_EXPORT, ZD_EVENTS], "501", platform="zendesk")
    twice = record_of(
        [ZD_EXPORT, ZD_EVENTS, write_json(tmp_path, "a.json", audits)], "501", platform="zendesk"
    )
    assert [e.ref() for e in twice.timeline] == [e.ref() for e in once.timeline]


# -- status, severity, selection, scope -----------------------------------------------------------

STAGES = [
    pytest.param("Waiting for customer", None, Stage.AWAITING_COMPLAINANT, id="listed-status"),
    pytest.param("under INVESTIGATION", None, Stage.INVESTIGATING, id="case-insensitive"),
    pytest.param("Triage", "new", Stage.RECEIVED, id="category-fallback-new"),
    pytest.param("Fixed", "done", Stage.RESOLVED, id="category-fallback-done"),
    pytest.param("Triage", None, Stage.INVESTIGATING, id="unlisted-without-category-default"),
]


@pytest.mark.parametrize(("status", "category", "stage"), STAGES)
def test_status_to_stage(status, category, stage, tmp_path):
    page = _cloud_issue()
    fields = page["issues"][0]["fields"]
    fields["status"] = {"name": status, "statusCategory": {"key": category}} if category else {"name": status}
    del page["issues"][0]["changelog"]
    assert record_of([write_json(tmp_path, "p.json", page)], "CS-101").stage is stage


SEVERITIES = [
    pytest.param({}, "Highest", Severity.CRITICAL, id="highest-critical"),
    pytest.param({}, "low", Severity.LOW, id="case-insensitive"),
    pytest.param({}, "P9", Severity.MEDIUM, id="unmapped-uses-default"),
    pytest.param({"default": None}, "P9", None, id="no-default-none"),
    pytest.param(
        {"source": {"custom_field": "customfield_10051"}, "map": {"Billing": "high"}},
        "Low",
        Severity.HIGH,
        id="custom-source",
    ),
]


@pytest.mark.parametrize(("rules", "priority", "severity"), SEVERITIES)
def test_severity_map_and_default(rules, priority, severity, tmp_path):
    page = _cloud_issue()
    page["issues"][0]["fields"]["priority"] = {"name": priority}
    page["issues"][0]["changelog"] = {"histories": []}
    spec = make_spec("jira", severity={**spec_dict("jira")["severity"], **rules})
    assert record_of([write_json(tmp_path, "p.json", page)], "CS-101", spec=spec).severity is severity


def _jira_raw(**fields: Any) -> dict[str, Any]:
    base = {"project": {"key": "CS"}, "issuetype": {"name": "Task"}, "labels": []}
    base.update(fields)
    return {"key": f"{base['project']['key']}-1", "fields": base}


SELECTION = [
    pytest.param(_jira_raw(issuetype={"name": "Complaint"}), True, id="issue-type"),
    pytest.param(_jira_raw(labels=["Complaint"]), True, id="label-case-insensitive"),
    pytest.param(
        _jira_raw(customfield_10010={"requestType": {"name": "Raise a complaint"}}), True, id="request-type"
    ),
    pytest.param(_jira_raw(), False, id="no-marker"),
    pytest.param(
        _jira_raw(project={"key": "HR"}, issuetype={"name": "Complaint"}), False, id="other-project"
    ),
    pytest.param(
        _jira_raw(issuetype={"name": "Complaint"}, labels=["test-ticket"]), False, id="none-of-excludes"
    ),
]


@pytest.mark.parametrize(("raw", "selected"), SELECTION)
def test_jira_selection(raw, selected):
    assert is_complaint(make_spec("jira"), raw) is selected


ZD_SELECTION = [
    pytest.param({"tags": ["complaint"]}, True, id="tag"),
    pytest.param({"tags": [], "ticket_form_id": 360000000001}, True, id="form"),
    pytest.param(
        {"tags": [], "custom_fields": [{"id": 360000000010, "value": "complaint"}]}, True, id="field-in"
    ),
    pytest.param({"tags": ["complaint", "spam"]}, False, id="spam-excluded"),
    pytest.param({"tags": ["question"], "ticket_form_id": 1}, False, id="no-marker"),
]


@pytest.mark.parametrize(("raw", "selected"), ZD_SELECTION)
def test_zendesk_selection(raw, selected):
    assert is_complaint(make_spec("zendesk"), raw) is selected


def test_scope_rules():
    spec = make_spec("jira")
    assert scope_of(spec, _jira_raw(labels=["complaint"])) == (True, None)
    assert scope_of(spec, _jira_raw(labels=["ombudsman-referral"])) == (
        False,
        "dispute referred for external resolution (ISO 10003)",
    )


# -- field rules and their errors -----------------------------------------------------------------


def _with_fields(tmp_path: Path, spec_fields: dict[str, Any], **raw_fields: Any) -> MappedTicket:
    page = _cloud_issue()
    page["issues"][0]["fields"].update(raw_fields)
    data = spec_dict("jira")
    data["fields"] = {**data["fields"], **spec_fields}
    spec = MappingSpec.model_validate(data)
    return mapped([write_json(tmp_path, "p.json", page), JIRA_BULK], spec=spec)["CS-101"]


FIELD_ERRORS = [
    pytest.param(
        {}, {"customfield_10060": {"value": "Maybe"}}, "outcome", "'Maybe' is not one of", id="enum"
    ),
    pytest.param(
        {}, {"customfield_10064": {"value": "Perhaps"}}, "recourse_given", "not a yes/no value", id="bool"
    ),
    pytest.param(
        {"product": {"custom_field": "customfield_10050", "map": {"Broadband": "bb"}, "strict": True}},
        {"customfield_10050": {"value": "Mobile"}},
        "product",
        "not in the mapping's map",
        id="strict-map",
    ),
]


@pytest.mark.parametrize(("spec_fields", "raw_fields", "field", "reason"), FIELD_ERRORS)
def test_bad_field_value_names_ticket_and_field(spec_fields, raw_fields, field, reason, tmp_path):
    result = _with_fields(tmp_path, spec_fields, **raw_fields)
    assert result.record is None
    assert isinstance(result.error, MappingError)
    assert (result.error.ticket, result.error.field) == ("CS-101", field)
    assert reason in str(result.error)
    assert str(result.error).startswith(f"ticket CS-101: field {field}:")


FIELD_VALUES = [
    pytest.param(
        {"product": {"custom_field": "customfield_10050", "map": {"broadband": "BB"}}},
        {},
        "product",
        "BB",
        id="map-case-insensitive",
    ),
    pytest.param(
        {"product": {"custom_field": "customfield_10050", "map": {"Mobile": "MOB"}}},
        {},
        "product",
        "Broadband",
        id="unlisted-passes-through",
    ),
    pytest.param(
        {"product": {"custom_field": "customfield_10099", "default": "Unknown product"}},
        {},
        "product",
        "Unknown product",
        id="default-when-empty",
    ),
    pytest.param(
        {"recourse_given": {"custom_field": "customfield_10064"}},
        {"customfield_10064": {"value": "No"}},
        "recourse_given",
        False,
        id="bool-no",
    ),
    pytest.param(
        {},
        {"customfield_10060": {"value": "Partly upheld"}},
        "outcome",
        Outcome.PARTLY_UPHELD,
        id="enum-via-map",
    ),
    pytest.param(
        {"outcome": {"custom_field": "customfield_10060"}},
        {"customfield_10060": {"value": "Not-Upheld"}},
        "outcome",
        Outcome.NOT_UPHELD,
        id="enum-normalised",
    ),
    pytest.param({"subcategory": {"const": "Overcharge"}}, {}, "subcategory", "Overcharge", id="const"),
    pytest.param(
        {"team": {"path": ["properties", "request.channel.type", "value"]}},
        {},
        "team",
        "email",
        id="path-with-dotted-key",
    ),
]


@pytest.mark.parametrize(("spec_fields", "raw_fields", "field", "value"), FIELD_VALUES)
def test_field_rules(spec_fields, raw_fields, field, value, tmp_path):
    result = _with_fields(tmp_path, spec_fields, **raw_fields)
    assert result.error is None, result.error
    assert getattr(result.record, field) == value


def test_decision_from_decision_field_before_status(tmp_path):
    bulk = json.loads(JIRA_BULK.read_text(encoding="utf-8"))
    outcome_set = {
        "id": "1005",
        "author": bulk["issueChangeLogs"][0]["changeHistories"][0]["author"],
        "created": "2026-03-09T15:00:00.000+0000",
        "items": [
            {"field": "Outcome", "fieldId": "customfield_10060", "fromString": None, "toString": "Upheld"}
        ],
    }
    bulk["issueChangeLogs"][0]["changeHistories"].append(outcome_set)
    record = record_of([JIRA_CLOUD, write_json(tmp_path, "b.json", bulk)], "CS-101")
    assert record.decided.ref() == "changelog:1005"
    # as a person reads it; the field id stays on the change the evidence points to
    assert record.decided.note == "Outcome set to Upheld"
    assert next(e.field for e in record.timeline if e.source_id == "1005") == "customfield_10060"
    # the reply after the decision field was set communicates it
    assert record.decision_communicated.ref() == "comment:10026"


ESCALATION_SIGNALS = [
    pytest.param(
        {"field": "priority", "fieldId": "priority", "fromString": "High", "toString": "Highest"},
        True,
        id="priority-raised-to-escalation-level",
    ),
    pytest.param(
        {"field": "priority", "fieldId": "priority", "fromString": "Low", "toString": "High"},
        False,
        id="priority-raised-below-escalation-level",
    ),
    pytest.param(
        {"field": "status", "fieldId": "status", "fromString": "In Progress", "toString": "Escalated"},
        True,
        id="escalation-status",
    ),
    pytest.param(
        {
            "field": "labels",
            "fieldId": "labels",
            "fromString": "complaint",
            "toString": "complaint complaint-escalated",
        },
        True,
        id="label-added",
    ),
    pytest.param(
        {
            "field": "labels",
            "fieldId": "labels",
            "fromString": "escalated complaint",
            "toString": "complaint",
        },
        False,
        id="label-removed",
    ),
    pytest.param(
        {
            "field": "Escalation owner",
            "fieldId": "customfield_10070",
            "fromString": None,
            "toString": "Jo Lead",
        },
        True,
        id="escalation-field-set",
    ),
]


@pytest.mark.parametrize(("item", "escalated"), ESCALATION_SIGNALS)
def test_jira_escalation_signals(item, escalated, tmp_path):
    page = _cloud_issue()
    issue = page["issues"][0]
    issue["fields"]["labels"] = ["complaint"]
    issue["changelog"] = {
        "total": 1,
        "histories": [
            {
                "id": "2001",
                "created": "2026-03-02T11:00:00.000+0000",
                "author": {"accountId": "agent-9", "accountType": "atlassian"},
                "items": [item],
            }
        ],
    }
    record = record_of([write_json(tmp_path, "p.json", page)], "CS-101")
    assert (record.escalated.ref() if record.escalated else None) == ("changelog:2001" if escalated else None)


# -- timestamps -----------------------------------------------------------------------------------

TIMES = [
    pytest.param("2026-03-02T10:00:00.000+0000", utc(2, 10), id="jira-offset"),
    pytest.param("2026-03-02T10:00:00.000-0700", utc(2, 17), id="negative-offset"),
    pytest.param("2026-03-02T10:00:00Z", utc(2, 10), id="zulu"),
    pytest.param(1772445600, utc(2, 10), id="epoch-seconds"),
    pytest.param(1772445600000, utc(2, 10), id="epoch-millis"),
    pytest.param(
        {"iso8601": "2026-03-02T10:00:00+0000", "epochMillis": 1772445600000}, utc(2, 10), id="jsm-datedto"
    ),
]


@pytest.mark.parametrize(("raw", "expected"), TIMES)
def test_parse_time(raw, expected):
    assert parse_time(raw) == expected


def test_naive_timestamps_are_refused(tmp_path):
    with pytest.raises(ValueError, match="has no timezone"):
        parse_time("2026-03-02T10:00:00")
    export = json.loads(ZD_EXPORT.read_text(encoding="utf-8"))
    export["tickets"][0]["created_at"] = "2026-03-02T10:00:00"
    result = mapped([write_json(tmp_path, "e.json", export)], platform="zendesk")["501"]
    assert result.record is None
    assert (result.error.ticket, result.error.field) == ("501", "created_at")
    assert "no timezone" in result.error.reason
    page = _cloud_issue()
    page["issues"][0]["fields"]["comment"]["comments"][0]["created"] = "2026-03-02T11:00:00.000"
    result = mapped([write_json(tmp_path, "p.json", page)])["CS-101"]
    assert result.error is not None
    assert result.error.ticket == "CS-101"
    assert "no timezone" in str(result.error)


def test_mapping_file_errors_name_key_path(tmp_path):
    from compliance_checks.configfile import ConfigError

    data = spec_dict("jira")
    data["fields"]["prodcut"] = {"custom_field": "customfield_10050"}
    data["severity"]["map"]["Highest"] = "catastrophic"
    data["select"]["any_of"]["labels"] = "complaint"
    path = tmp_path / "jira.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    keys = {i.key_path: i.message for i in info.value.issues}
    assert keys["fields.prodcut"] == "unknown key (not allowed here)"
    assert "severity.map.Highest" in keys
    assert "select.any_of.labels" in keys


def test_shipped_mappings_load():
    for platform in ("jira", "zendesk"):
        assert load_mapping(default_mapping_path(platform)).spec.platform == platform


def test_assembler_input_is_not_mutated():
    page = _cloud_issue()
    before = copy.deepcopy(page)
    assembler = Assembler(make_spec("jira"))
    for raw in assembler.items(page, Origin("mem")):
        assembler.map_item(raw)
    assert page == before


def test_as_of_after_the_last_update_keeps_the_current_state():
    """The CLI always passes an as-of time (default: now); when nothing changed after it, the
    ticket's current status, priority and labels hold even if the history is truncated."""
    record = record_of([JIRA_CLOUD], "CS-101", as_of=utc(20, 9))
    assert (record.status, record.stage) == ("Resolved", Stage.RESOLVED)
    assert record.escalated is not None
    assert record.escalated.note == "escalation label present since creation"
    rewound = record_of([JIRA_CLOUD], "CS-101", as_of=utc(12, 8))  # before the last update
    assert (rewound.status, rewound.stage) == ("In Progress", Stage.INVESTIGATING)


def test_a_zendesk_change_without_a_field_name_maps_the_same_whatever_its_key_order() -> None:
    """A JSON object's keys have no order (RFC 8259): a stored bundle (canonical JSON, keys
    sorted) must map as the payload read from the API did."""
    from mappings.zendesk_payload import _changed_field

    child = {"id": 1, "event_type": "Change", "status": "open", "priority": "high"}
    reordered = dict(reversed(list(child.items())))
    assert _changed_field(child) == _changed_field(reordered) == ("priority", "high")
