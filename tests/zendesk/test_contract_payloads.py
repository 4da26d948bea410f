"""Contract tests: recorded public Zendesk payloads run through the mapping, asserting mapped facts.

Payloads: ``tests/fixtures/zendesk/go-zendesk/`` (nukosuke/go-zendesk ``fixture/``, MIT; see the
README there) and the examples of Zendesk's OpenAPI document (``zendesk-support-v2.yaml``, read
from ``../shared/specs`` or ``$ISO10002_SPECS_DIR``; those tests skip when it is absent).
Wrapping into an export page / audits page happens here, never in the JSON.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance_checks import context_for, load_policy
from compliance_checks.engine import evaluate
from compliance_checks.findings import Status
from compliance_checks.model import ActorRole, ComplaintRecord, Event, EventKind
from compliance_checks.policy import BASELINE_POLICY
from mappings.assemble import Assembler, Origin
from mappings.loader import default_mapping_path
from mappings.schema import MappingSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk" / "go-zendesk"
REPO = Path(__file__).resolve().parents[2]
SPECS = Path(os.environ.get("ISO10002_SPECS_DIR", REPO.parent / "shared" / "specs"))
SPEC_FILE = SPECS / "zendesk-support-v2.yaml"
#: Injected evaluation time (checks never read the clock).
NOW = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


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


def _status(record: ComplaintRecord, check_id: str) -> Status:
    policy = load_policy(BASELINE_POLICY)
    return next(f.status for f in evaluate(record, policy, context_for(policy, NOW)) if f.check == check_id)


def _kinds(record: ComplaintRecord, kind: EventKind) -> list[Event]:
    return [e for e in record.timeline if e.kind is kind]


def _field(record: ComplaintRecord, name: str) -> Event:
    return next(e for e in record.timeline if e.field == name and not e.initial)


def _ticket_shell(audit: dict[str, Any]) -> dict[str, Any]:
    """The audits fixtures name ticket 666, which no recorded ticket payload holds: a minimal
    ticket made here (id, receipt time = the audit's, status after its change), requester unknown."""
    return {"tickets": [{"id": audit["ticket_id"], "created_at": audit["created_at"], "status": "open",
                         "via": audit["via"]}]}


# -- recorded payloads (go-zendesk) ---------------------------------------------------------------


def test_email_ticket_channel_and_received_time() -> None:
    """``GET_ticket.json``: ticket 2 came in by email (``via.channel`` email, ``via.source.from``
    the requester's address). With no history at all, acknowledgement evidence is unknown: never PASS."""
    recorded = _load("GET_ticket.json")
    record = _map([_load("GET_users.json"), {"tickets": [recorded["ticket"]]}])["2"]
    assert recorded["ticket"]["via"]["channel"] == "email"
    assert record.channel == "email"
    assert record.received_at.isoformat() == "2019-06-03T02:23:47+00:00"
    assert not _kinds(record, EventKind.COMMENT)
    assert record.acknowledged is None
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def test_sideloaded_ticket_users_and_groups_with_its_creation_audit() -> None:
    """``GET_ticket_sideload.json`` (ticket 4 with ``include=users,groups``) plus the creation audit
    of the same ticket from ``POST_ticket.json``: the group id resolves to its side-loaded name, the
    requester is an admin in the side-loaded users yet writes as the complainant on their own ticket."""
    sideload = _load("GET_ticket_sideload.json")
    audit = _load("POST_ticket.json")["audit"]
    assert sideload["users"][0]["role"] == "admin"
    record = _map([{"audits": [audit]}, sideload])["4"]
    assert record.channel == "api"
    assert record.group == "Support"
    assert record.complainant.name == "Yosuke Tamura"
    [comment] = _kinds(record, EventKind.COMMENT)
    assert comment.actor_role is ActorRole.COMPLAINANT
    assert comment.public is True
    assert not any(e.actor_role is ActorRole.AGENT for e in record.timeline)
    # The complainant's own comment is no acknowledgement.
    assert record.acknowledged is None
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def test_recorded_comments_page_as_ticket_events() -> None:
    """``GET_ticket_comments.json`` (ticket 2's comments; the mapping reads comments from the
    ticket-events export, whose ``comment_events`` children carry the same fields: platform-zendesk.md
    3c), wrapped one ticket event per comment: public comments of the requester, at their own times."""
    comments = _load("GET_ticket_comments.json")["comments"]
    events = [
        {"id": 1000 + c["id"], "ticket_id": 2, "created_at": c["created_at"], "updater_id": c["author_id"],
         "event_type": "Audit", "child_events": [c]}
        for c in comments
    ]
    record = _map([_load("GET_users.json"), {"ticket_events": events},
                   {"tickets": [_load("GET_ticket.json")["ticket"]]}])["2"]
    mapped = _kinds(record, EventKind.COMMENT)
    assert [(e.source_id, e.at.isoformat()) for e in mapped] == [
        ("2", "2019-06-03T01:23:47+00:00"), ("3", "2019-06-03T02:23:47+00:00")]
    assert all(e.public is True and e.actor_role is ActorRole.COMPLAINANT for e in mapped)
    # ``plain_body`` is empty in the recording: the text comes from ``body``.
    assert mapped[0].text == "Mail to create fixture ticket for testing"
    assert _status(record, "acknowledged-in-time") is Status.FAIL


@pytest.mark.parametrize("name", ["GET_ticket_audits.json", "GET_ticket_audit.json"])
def test_recorded_audit_private_comment_and_status_change(name: str) -> None:
    """``GET_ticket_audits.json`` / ``GET_ticket_audit.json`` (same audit, page and single shape):
    a private comment (``public: false``) and a status change new -> open at the audit's time.
    The comment has no ``author_id``: the audit's author 5246746 is used, and no recorded user
    list names them, so the role is unknown, and an unknown/private comment never acknowledges."""
    doc = _load(name)
    audit = doc["audits"][0] if "audits" in doc else doc["audit"]
    record = _map([doc, _ticket_shell(audit)])["666"]
    [comment] = _kinds(record, EventKind.COMMENT)
    assert comment.public is False
    assert comment.actor_id == "5246746"
    assert comment.actor_role is ActorRole.UNKNOWN
    status = _field(record, "status")
    assert (status.from_value, status.to_value) == ("new", "open")
    assert status.at.isoformat() == "2011-09-25T22:35:44+00:00"
    assert record.acknowledged is None
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def test_recorded_audit_trigger_change_is_the_rules() -> None:
    """``GET_ticket_audits.json``: the status change carries its own ``via`` (channel ``rule``,
    ``source.rel`` trigger "Assign to first responder") inside a web audit: the trigger made it."""
    audit = _load("GET_ticket_audits.json")["audits"][0]
    record = _map([{"audits": [audit]}, _ticket_shell(audit)])["666"]
    assert _field(record, "status").actor_role is ActorRole.SYSTEM


# -- the vendor's OpenAPI examples -----------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads YAML's ``=`` (value) scalars as plain strings (see test_conformance)."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(
    node))  # type: ignore[arg-type]


@cache
def _openapi() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as fh:
        return dict(yaml.load(fh, Loader=_Loader))  # noqa: S506 - SafeLoader subclass


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.exists():
        pytest.skip(f"vendor OpenAPI document not found at {SPEC_FILE} (set ISO10002_SPECS_DIR)")
    return _openapi()


def _example(spec: dict[str, Any], name: str) -> Any:
    return json.loads(json.dumps(spec["components"]["examples"][name]["value"]))


def _schema_example(spec: dict[str, Any], name: str) -> Any:
    return json.loads(json.dumps(spec["components"]["schemas"][name]["example"]))


def _ticket_as(spec: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """The ``Ticket`` schema example (id 35436) under the id the history example names: the
    document's examples are independent, so the test pairs them (nothing else is changed)."""
    return {"tickets": [{**_schema_example(spec, "Ticket"), "id": ticket_id}]}


def test_spec_ticket_example(spec: dict[str, Any]) -> None:
    """``TicketResponseExample``: channel web, received 2009-07-20T22:55:29Z, priority high, open."""
    ticket = _example(spec, "TicketResponseExample")
    record = _map([ticket])["35436"]
    assert record.channel == "web"
    assert record.received_at.isoformat() == "2009-07-20T22:55:29+00:00"
    assert record.priority == "high"
    assert record.complainant.id == "20978392"
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def test_spec_audits_agent_public_reply_acknowledges(spec: dict[str, Any]) -> None:
    """``TicketAuditsResponseExample`` (ticket 123, audit by 35436 via web: a public comment without
    its own ``author_id``, a status change new -> open, a ``custom_status_id`` change 1 -> 123) with
    ``UserForAdmin`` (35436, role agent): the agent's public reply is the acknowledgement, two years
    after receipt, so the acknowledgement check fails on exactly that evidence."""
    page = _example(spec, "TicketAuditsResponseExample")
    agent = _schema_example(spec, "UserForAdmin")
    assert (agent["id"], agent["role"]) == (35436, "agent")
    record = _map([{"users": [agent]}, page, _ticket_as(spec, 123)])["123"]
    [comment] = _kinds(record, EventKind.COMMENT)
    assert (comment.actor_role, comment.public, comment.actor_id) == (ActorRole.AGENT, True, "35436")
    assert comment.text == "Thanks for your help!"
    status = _field(record, "status")
    assert (status.from_value, status.to_value, status.actor_role) == ("new", "open", ActorRole.AGENT)
    custom = _field(record, "custom_status_id")
    assert (custom.kind, custom.from_value, custom.to_value) == (EventKind.FIELD_CHANGE, "1", "123")
    # The Notification event is not a timeline fact.
    assert "1564246" not in {e.source_id for e in record.timeline}
    assert record.acknowledged is not None
    assert record.acknowledged.source_id == "1564245"
    assert record.acknowledged.at.isoformat() == "2011-09-25T22:35:44+00:00"
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def test_spec_audit_schema_example(spec: dict[str, Any]) -> None:
    """``TicketAudit`` schema example (ticket 47, by 35436): without the user list the author's role
    is unknown, so the same public comment is no acknowledgement evidence (never a PASS)."""
    audit = _schema_example(spec, "TicketAudit")
    record = _map([{"audits": [audit]}, _ticket_as(spec, 47)])["47"]
    [comment] = _kinds(record, EventKind.COMMENT)
    assert (comment.actor_role, comment.public) == (ActorRole.UNKNOWN, True)
    assert record.acknowledged is None


def test_spec_audit_trigger_changes_are_the_rules(spec: dict[str, Any]) -> None:
    """``TicketAuditResponseExample``: both Change events carry ``via`` channel ``rule`` (trigger
    "Assign to first responder") inside a web audit by 5246746: the trigger made them, not a person."""
    audit = _example(spec, "TicketAuditResponseExample")["audit"]
    agent = {**_schema_example(spec, "UserForAdmin"), "id": audit["author_id"]}
    record = _map([{"users": [agent]}, {"audits": [audit]}, _ticket_shell(audit)])["666"]
    [comment] = _kinds(record, EventKind.COMMENT)
    assert (comment.actor_role, comment.public) == (ActorRole.AGENT, False)
    assert _field(record, "status").actor_role is ActorRole.SYSTEM
    assert _field(record, "custom_status_id").actor_role is ActorRole.SYSTEM


def test_spec_ticket_comment_of_unknown_author_is_not_an_acknowledgement(spec: dict[str, Any]) -> None:
    """``TicketComment`` schema example (public, author 123123, own ``via`` web), wrapped as a
    ticket-events ``comment_events`` child on the ``Ticket`` example: the author is neither the
    requester (20978392) nor a listed user, so the public comment stays unknown evidence."""
    comment = _schema_example(spec, "TicketComment")
    event = {"id": 1, "ticket_id": 35436, "created_at": comment["created_at"],
             "updater_id": comment["author_id"], "event_type": "Audit",
             "child_events": [{**comment, "event_type": "Comment"}]}
    record = _map([{"ticket_events": [event]}, _ticket_as(spec, 35436)])["35436"]
    [mapped] = _kinds(record, EventKind.COMMENT)
    assert (mapped.actor_role, mapped.public, mapped.actor_id) == (ActorRole.UNKNOWN, True, "123123")
    assert record.acknowledged is None
    assert _status(record, "acknowledged-in-time") is Status.FAIL


def _child_events_example(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``child_events`` comment shown in the Incremental Ticket Event Export's description (the
    response example there is a metric event: platform-zendesk.md 3c). The snippet is not JSON
    (``...`` elisions, unescaped quotes in ``html_body``): it is read key by key and keys whose value
    does not parse are dropped (only ``html_body``, which the mapping does not read)."""
    text = spec["paths"]["/api/v2/incremental/ticket_events"]["get"]["description"]
    block = text.split('"child_events": [', 1)[1].split("}\n  ...", 1)[0]
    child: dict[str, Any] = {}
    dropped = []
    for key, raw in re.findall(r'^\s*"(\w+)":\s*(.*?),?\s*$', block, flags=re.MULTILINE):
        if key in ("via", "channel", "source"):
            continue  # the nested ``via`` object spans lines: read below
        try:
            child[key] = json.loads(raw)
        except json.JSONDecodeError:
            dropped.append(key)
    via = re.search(r'"via":\s*\{\s*"channel":\s*"(\w+)"', block)
    assert via is not None
    child["via"] = {"channel": via.group(1)}
    assert dropped == ["html_body"], dropped
    return child


def test_spec_ticket_event_comment_child(spec: dict[str, Any]) -> None:
    """The documented ``comment_events`` child (public comment by 5031726587 via api, audit
    91048994468), in a ticket event of the ``Ticket`` example: a public comment at its own time with
    its text, whose author (not the requester, not listed) stays unknown: not an acknowledgement."""
    child = _child_events_example(spec)
    assert child["event_type"] == "Comment"
    event = {"id": child["audit_id"], "ticket_id": 35436, "created_at": child["created_at"],
             "updater_id": child["author_id"], "via": child["via"], "event_type": "Audit",
             "child_events": [child]}
    record = _map([{"ticket_events": [event]}, _ticket_as(spec, 35436)])["35436"]
    [mapped] = _kinds(record, EventKind.COMMENT)
    assert (mapped.source_id, mapped.public, mapped.actor_id) == ("91048994488", True, "5031726587")
    assert mapped.actor_role is ActorRole.UNKNOWN
    assert mapped.text == "This is a comment"
    assert mapped.at.isoformat() == "2009-06-25T10:15:18+00:00"
    assert record.acknowledged is None


def test_spec_ticket_forms_example_names_the_tickets_form(spec: dict[str, Any]) -> None:
    """``TicketFormsResponseExample`` (form 47: ``name`` "Snowboard Problem", ``display_name``
    "Snowboard Damage") with a ticket on form 47 and an audit moving it there from a form the
    list does not hold: the change reads by the agent-facing ``name``; the unknown form keeps its
    id. The ids stay on the event."""
    from report_templates.views.audit import sample_item

    forms = _example(spec, "TicketFormsResponseExample")
    assert [(f["id"], f["name"]) for f in forms["ticket_forms"]] == [(47, "Snowboard Problem")]
    ticket = _ticket_as(spec, 123)
    ticket["tickets"][0]["ticket_form_id"] = 47
    audit = {"audits": [{"id": 9001, "ticket_id": 123, "created_at": "2011-09-25T22:35:44Z",
                         "author_id": 35436, "via": {"channel": "web"}, "metadata": {},
                         "events": [{"id": 9002, "type": "Change", "field_name": "ticket_form_id",
                                     "value": "47", "previous_value": "46"}]}]}
    record = _map([forms, audit, ticket])["123"]
    change = _field(record, "ticket_form_id")
    assert (change.from_value, change.to_value) == ("46", "47")
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Ticket form: 46 -> Snowboard Problem" in details
