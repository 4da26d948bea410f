"""Names where a person reads, ids kept beside them; a ticket link for every stored ticket.

Payload shapes: Jira Cloud ``IssueBean`` with ``fields.assignee`` a ``UserDetails`` object
carrying ``accountId`` and ``displayName`` (jira-platform-v3.json, schemas IssueBean and
UserDetails); Zendesk incremental export pages side-loading ``users`` (``User.name``) and
``groups`` (``Group.name``) (platform-zendesk.md, "Side-loads on the export"). A stored Jira
bundle may hold issues without ``self`` (the sync keeps what the read returned): its link then
comes from the configured source's ``base_url``.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from compliance_checks.model import ComplaintRecord
from connector.bundles import (
    ZendeskDirectory,
    ZendeskPages,
    dropdown_fields,
    map_bundle,
    ticket_forms,
    zendesk_bundle,
)
from connector.checking import TicketEvaluation
from connector.config import AppConfig
from connector.configuration import load_evaluator
from connector.explain import explain_ticket
from mappings.loader import default_mapping_path
from report_templates.views.audit import sample_item
from report_templates.views.register import register_values
from report_templates.views.review import open_action
from tests.test_mappings import JIRA_CLOUD, ZD_EXPORT, make_spec

SITE = "https://acme.atlassian.net"


def _issue() -> dict[str, Any]:
    page = json.loads(JIRA_CLOUD.read_text(encoding="utf-8"))
    issue: dict[str, Any] = copy.deepcopy(page["issues"][0])
    return issue


def _record(spec_platform: str, documents: list[Any], site: str | None = None) -> ComplaintRecord:
    mapped = map_bundle(make_spec(spec_platform), documents, None, site)
    assert mapped is not None and mapped.error is None, mapped
    assert mapped.record is not None
    return mapped.record


def test_jira_record_carries_the_assignee_id_and_display_name() -> None:
    record = _record("jira", [{"issues": [_issue()]}])
    assert record.assignee == "5b10a2844c20165700ede21g"
    assert record.assignee_name == "Jo Agent"


def test_stored_jira_issue_without_self_links_to_the_source_site() -> None:
    issue = _issue()
    del issue["self"]
    assert _record("jira", [{"issues": [issue]}]).url is None  # no site known: no link invented
    record = _record("jira", [{"issues": [issue]}], site=SITE + "/")
    assert record.url == f"{SITE}/browse/CS-101"


def test_the_payload_site_wins_over_the_configured_one() -> None:
    record = _record("jira", [{"issues": [_issue()]}], site=SITE)
    assert record.url == "https://example.atlassian.net/browse/CS-101"


def _zendesk_page() -> dict[str, Any]:
    page: dict[str, Any] = json.loads(ZD_EXPORT.read_text(encoding="utf-8"))
    page["tickets"] = [t for t in page["tickets"] if t["id"] == 501]
    return page


def test_zendesk_record_names_the_assignee_and_group_from_the_side_loads() -> None:
    record = _record("zendesk", [_zendesk_page()])
    assert (record.assignee, record.assignee_name, record.group) == ("9001", "Jo Agent", "Tier 1")


def test_zendesk_ticket_without_url_links_to_the_source_site() -> None:
    page = _zendesk_page()
    del page["tickets"][0]["url"]
    record = _record("zendesk", [page], site="https://acme.zendesk.com")
    assert record.url == "https://acme.zendesk.com/agent/tickets/501"


def test_zendesk_assignee_missing_from_the_directory_falls_back_to_the_id() -> None:
    page = _zendesk_page()
    page["users"] = [u for u in page["users"] if u["id"] != 9001]
    record = _record("zendesk", [page])
    assert (record.assignee, record.assignee_name) == ("9001", None)
    values = dict(zip(("owner", "owner_id"), register_values(record, (), "UTC")[18:20], strict=True))
    assert values == {"owner": "9001", "owner_id": "9001"}


def test_register_and_review_show_the_name_with_the_id_beside_it() -> None:
    record = _record("jira", [{"issues": [_issue()]}])
    row = register_values(record, (), "Europe/London")
    assert row[18:20] == ("Jo Agent", "5b10a2844c20165700ede21g")
    action = open_action(record, (), "UTC", record.received_at, record.received_at)
    assert action is None  # no finding needs action: no open action row


def test_configured_sources_give_their_mapping_the_site() -> None:
    config = AppConfig.model_validate({"sources": [
        {"platform": "jira", "name": "cs", "base_url": SITE + "/", "deployment": "cloud",
         "mapping": str(default_mapping_path("jira")), "auth": {"kind": "cloud_token"}},
        {"platform": "zendesk", "name": "zd", "subdomain": "acme", "auth": {"type": "api_token"}},
    ]})
    evaluator = load_evaluator(config)
    assert evaluator.mappings["cs"].site == SITE
    assert evaluator.mappings["zd"].site == "https://acme.zendesk.com"


def test_hostile_assignee_names_are_escaped_in_the_register_html() -> None:
    from report_templates.html import render_html
    from report_templates.input import Snapshot
    from report_templates.views import build_register_view
    from tests.reports.builders import AS_OF, RENDER, at, dataset

    issue = _issue()
    issue["fields"]["assignee"]["displayName"] = '<img src=x onerror=alert(1)>"Grace'
    record = _record("jira", [{"issues": [issue]}]).model_copy(update={"received_at": at("2026-10-05")})
    data = dataset(current=Snapshot(AS_OF, (record,), {}), history=())
    html = render_html(build_register_view(data), RENDER)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#34;Grace" in html
    assert 'title="5b10a2844c20165700ede21g"' in html
    assert 'href="https://example.atlassian.net/browse/CS-101"' in html


def _zendesk_audit(*events: dict[str, Any]) -> dict[str, Any]:
    """One audit in the shape of Zendesk's List Audits for a Ticket (recorded:
    fixtures/zendesk/go-zendesk/GET_ticket_audits.json): ``Change`` events name the field by
    ``field_name`` (a custom field by its numeric id) with ``value`` and ``previous_value``."""
    return {"audits": [{
        "id": 7001, "ticket_id": 501, "created_at": "2026-03-03T09:00:00Z", "author_id": 9001,
        "via": {"channel": "web"}, "metadata": {"system": {}, "custom": {}},
        "events": [{"id": 7100 + n, "type": "Change", **e} for n, e in enumerate(events)],
    }]}


def _field_changes(record: ComplaintRecord) -> dict[str | None, tuple[str | None, str | None, str | None]]:
    return {e.field: (e.field_title, e.from_value, e.to_value) for e in record.timeline if e.field}


def test_zendesk_custom_field_changes_are_titled_by_the_record_field_they_map_to() -> None:
    audit = _zendesk_audit(
        {"field_name": "360000000030", "value": "outcome_not_upheld", "previous_value": None},
        {"field_name": "99", "value": "x", "previous_value": None},
        {"field_name": "group_id", "value": "71", "previous_value": "70"},
    )
    changes = _field_changes(_record("zendesk", [_zendesk_page(), audit]))
    assert changes["360000000030"] == ("Outcome", None, "outcome_not_upheld")
    assert changes["99"][0] is None  # a field no mapping reads keeps its id: no title invented
    # A group change names both groups, as the ticket's group is named.
    assert changes["group_id"][1:] == ("Tier 1", "Complaints Escalation")


def test_jira_custom_field_changes_take_the_sites_field_name() -> None:
    """``ChangeDetails`` (jira-platform-v3.json) carries ``fieldId`` and the site's ``field``
    name; an item without a name falls back to the record field the mapping reads from it."""
    issue = _issue()
    outcome = make_spec("jira").fields.outcome
    assert outcome is not None and outcome.custom_field is not None
    field_id = str(outcome.custom_field)
    history = issue["changelog"]["histories"][0]
    history["items"] = [
        {"field": "Complaint outcome", "fieldtype": "custom", "fieldId": field_id,
         "from": None, "fromString": None, "to": "1", "toString": "Upheld"},
        {"field": "", "fieldtype": "custom", "fieldId": "customfield_99999",
         "from": None, "fromString": None, "to": "x", "toString": "x"},
    ]
    changes = _field_changes(_record("jira", [{"issues": [issue]}]))
    assert changes[field_id][0] == "Complaint outcome"
    assert changes["customfield_99999"][0] is None
    history["items"][0]["field"] = ""
    assert _field_changes(_record("jira", [{"issues": [issue]}]))[field_id][0] == "Outcome"


def test_explain_and_the_audit_sample_name_custom_fields() -> None:
    audit = _zendesk_audit(
        {"field_name": "360000000030", "value": "outcome_not_upheld", "previous_value": None})
    record = _record("zendesk", [_zendesk_page(), audit])
    config = AppConfig.model_validate({"sources": [
        {"platform": "zendesk", "name": "zd", "subdomain": "acme", "auth": {"type": "api_token"}}]})
    console = Console(record=True, width=300)
    explain_ticket(console, [TicketEvaluation("501", record, [])], "501", load_evaluator(config).policy,
                   datetime(2026, 3, 10, tzinfo=UTC))
    shown = console.export_text()
    assert "Outcome: ∅ → outcome_not_upheld" in shown
    assert "360000000030" not in shown
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Outcome: outcome_not_upheld" in details  # no field list: the tag as it is


def test_a_stored_bundle_carries_the_groups_its_ticket_events_name() -> None:
    """Incremental ticket events key a change by the field itself (``{"group_id": 71,
    "previous_value": 70, "event_type": "Change"}``, as tests/fixtures/zendesk/
    handmade_ticket_events.json keys ``status``); audits use ``field_name``/``value``. The
    stored bundle kept only the groups audits named, so a group the ticket left showed as an id
    (``group_id: 360000010001 -> Complaints Escalation`` in the demo's ``explain``)."""
    page = _zendesk_page()
    page["tickets"][0]["group_id"] = 71
    event = {"id": 9, "ticket_id": 501, "created_at": "2026-03-03T09:00:00Z", "updater_id": 9001,
             "via": "Web form", "system": {}, "event_type": "Audit",
             "child_events": [{"id": 901, "via": "Web form", "via_reference_id": None,
                               "group_id": 71, "previous_value": 70, "event_type": "Change"}]}
    pages = ZendeskPages()
    pages.add("tickets", page)
    pages.add("ticket_events", {"ticket_events": [event]})
    bundle = zendesk_bundle("501", pages, None, ZendeskDirectory())
    assert bundle is not None
    assert sorted(g["id"] for g in bundle[0]["groups"]) == [70, 71]
    changes = _field_changes(_record("zendesk", bundle))
    assert changes["group_id"][1:] == ("Tier 1", "Complaints Escalation")


# -- dropdown options by name --------------------------------------------------------------

def _tagger(field_id: int, title: str, *options: tuple[str, str]) -> dict[str, Any]:
    """A dropdown as ``GET /api/v2/ticket_fields`` lists it: the shape of the recorded
    fixtures/zendesk/go-zendesk/GET_ticket_fields.json "Tagger Field" (``type: "tagger"``,
    ``custom_field_options[{id, name, raw_name, value, default}]``). Zendesk Support API, Ticket
    Fields (zendesk-support-v2.yaml, ``custom_field_options`` / CustomFieldOption;
    platform-zendesk.md "Custom fields"): an option's ``name`` is its title, ``value`` the tag
    a ticket's ``custom_fields`` hold."""
    return {"url": f"https://example.zendesk.com/api/v2/ticket_fields/{field_id}.json", "id": field_id,
            "type": "tagger", "title": title, "raw_title": title, "active": True, "required": False,
            "custom_field_options": [
                {"id": field_id * 10 + n, "name": name, "raw_name": name, "value": tag, "default": False}
                for n, (name, tag) in enumerate(options)]}


#: The account's field list (one page, offset-paged shape of the recording): the handmade
#: ticket 501 holds ``broadband``, ``billing`` and ``rc_billing_duplicate``.
TICKET_FIELDS = {"ticket_fields": [
    {"id": 360000000031, "type": "textarea", "title": "Resolution summary"},
    _tagger(360000000020, "Product", ("Broadband", "broadband"), ("Mobile", "mobile")),
    _tagger(360000000021, "Category", ("Billing and charges", "billing"), ("Service", "service")),
    _tagger(360000000036, "Root cause", ("Duplicate charge (billing system)", "rc_billing_duplicate")),
], "next_page": None, "previous_page": None, "count": 4}


#: A public agent reply (List Audits: a ``Comment`` event with ``author_id``, ``body``, ``public``).
REPLY = {"audits": [{
    "id": 7002, "ticket_id": 501, "created_at": "2026-03-02T10:15:00Z", "author_id": 9001,
    "via": {"channel": "web"}, "metadata": {"system": {}, "custom": {}},
    "events": [{"id": 7200, "type": "Comment", "author_id": 9001, "body": "Sorry: we are on it.",
                "public": True}],
}]}


def _named_record() -> ComplaintRecord:
    audit = _zendesk_audit(
        {"field_name": "360000000021", "value": "billing", "previous_value": "service"})
    return _record("zendesk", [_zendesk_page(), TICKET_FIELDS, audit, REPLY])


def test_zendesk_dropdown_values_keep_their_tags_and_carry_their_option_names() -> None:
    record = _named_record()
    tags = (record.product, record.category, record.root_cause)
    assert tags == ("broadband", "billing", "rc_billing_duplicate")
    assert record.option_names == {"billing": "Billing and charges", "broadband": "Broadband",
                                   "rc_billing_duplicate": "Duplicate charge (billing system)",
                                   "service": "Service"}  # held before: the timeline names it too
    assert record.named("billing") == "Billing and charges"
    assert record.named("not-an-option") == "not-an-option"
    # Without the field list (an export that lacks it), the tags stay as they are.
    assert _record("zendesk", [_zendesk_page()]).option_names == {}


def test_register_shows_option_names_with_the_tags_beside_them() -> None:
    from report_templates.html import render_html
    from report_templates.input import Snapshot
    from report_templates.views import build_register_view
    from report_templates.views.register import KEYS
    from tests.reports.builders import AS_OF, RENDER, at, dataset

    record = _named_record().model_copy(update={"received_at": at("2026-10-05")})
    row = dict(zip(KEYS, register_values(record, (), "UTC"), strict=True))
    assert (row["category"], row["category_tag"]) == ("Billing and charges", "billing")
    assert (row["root_cause"], row["root_cause_tag"]) == ("Duplicate charge (billing system)",
                                                           "rc_billing_duplicate")
    data = dataset(current=Snapshot(AS_OF, (record,), {}), history=())
    html = render_html(build_register_view(data), RENDER)
    assert ">Broadband / Billing and charges</td>" in html
    assert 'title="tags: broadband / billing"' in html
    assert ">Duplicate charge (billing system)</td>" in html


def test_kpi_and_review_count_root_causes_and_categories_by_name() -> None:
    from report_templates.input import Snapshot
    from report_templates.views import build_kpi_view, build_review_view
    from tests.reports.builders import AS_OF, at, dataset

    record = _named_record().model_copy(update={"received_at": at("2026-10-05")})
    data = dataset(current=Snapshot(AS_OF, (record,), {}), history=())
    kpi = build_kpi_view(data)
    assert [r.label for r in kpi.root_causes] == ["Duplicate charge (billing system)"]
    assert "Billing and charges" in {r.label for r in kpi.by_category}
    assert [r.label for r in build_review_view(data).top_root_causes] == ["Duplicate charge (billing system)"]


def test_audit_evidence_reads_who_when_and_what_by_name_with_the_source_id_kept() -> None:
    from compliance_checks.findings import Finding, Severity, Status
    from compliance_checks.registry import event_evidence, field_evidence
    from report_templates.audit_rows import exception_row_html
    from report_templates.views.audit import exception_row

    record = _named_record()
    assert record.acknowledged is not None
    evidence = (event_evidence(record.acknowledged), field_evidence("category", record.category),
                field_evidence("remedy_offered", None))
    finding = Finding(ticket="501", platform="zendesk", check="acknowledged-in-time", title="Ack",
                      status=Status.FAIL, clauses=("7.4",), severity=Severity.HIGH, due_at=None,
                      message="late", evidence=evidence, remediation="Act on it.", url=record.url)
    row = exception_row(finding, "Europe/London", record)
    when = record.acknowledged.at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert row.evidence == (
        f"{record.acknowledged.note[:1].upper()}{record.acknowledged.note[1:]} by Jo Agent, "
        f"{when:%Y-%m-%d %H:%M %Z}",
        "Category: Billing and charges",
        "Remedy offered: not recorded",
    )
    assert row.evidence_sources == (record.acknowledged.ref(), "", "")
    html = exception_row_html(row)
    assert f'<span title="source id: {record.acknowledged.ref()}">' in html
    assert "field:category" not in html and "category = billing" not in html
    # The audit sample's timeline names who acted and the options set.
    sample = sample_item(record, (), "UTC")
    assert "Category: Service -> Billing and charges" in [r.detail for r in sample.timeline]
    assert "Jo Agent (agent)" in {r.actor for r in sample.timeline}


def test_a_stored_bundle_carries_the_options_its_ticket_holds() -> None:
    """The sync reads the field list once per run (directory); each bundle keeps only the
    options its ticket holds or held, so a stored ticket maps as the same ticket from files."""

    pages = ZendeskPages()
    pages.add("tickets", _zendesk_page())
    pages.add("audits", _zendesk_audit(
        {"field_name": "360000000021", "value": "billing", "previous_value": "service"}))
    directory = ZendeskDirectory().updated({}, {}, dropdown_fields(TICKET_FIELDS))
    assert ZendeskDirectory.from_json(directory.to_json()) == directory
    bundle = zendesk_bundle("501", pages, None, directory)
    assert bundle is not None
    kept = {f["id"]: [o["value"] for o in f["custom_field_options"]] for f in bundle[0]["ticket_fields"]}
    assert kept == {360000000020: ["broadband"], 360000000021: ["billing", "service"],
                    360000000036: ["rc_billing_duplicate"]}
    assert _record("zendesk", bundle).option_names == _named_record().option_names


def test_audit_evidence_spells_the_records_own_values_out() -> None:
    from compliance_checks.registry import field_evidence
    from report_templates.views.evidence import evidence_line

    record = _named_record()
    assert record.outcome is not None
    line = evidence_line(field_evidence("outcome", record.outcome.value), record, "UTC")
    assert line.text == f"Outcome: {record.outcome.value.replace('_', ' ')}"


def test_audit_evidence_says_yes_or_no_for_a_yes_no_field() -> None:
    from compliance_checks.registry import field_evidence
    from report_templates.views.evidence import evidence_line

    line = evidence_line(field_evidence("recourse_given", False), _named_record(), "UTC")
    assert line.text == "Recourse given: no"


def test_jira_select_fields_show_the_options_display_value_never_its_id() -> None:
    """Jira select fields arrive as ``CustomFieldOption`` objects (jira-platform-v3.json:
    ``{"self", "value", "id"}``; ``value`` is the option's text): the record and the register
    hold ``value``; the option id appears nowhere."""
    from report_templates.views.register import KEYS

    record = _record("jira", [{"issues": [_issue()]}])
    row = dict(zip(KEYS, register_values(record, (), "UTC"), strict=True))
    shown = (row["product"], row["category"], row["root_cause"])
    assert shown == ("Broadband", "Billing", "RC-BILLING-DUPLICATE")
    assert (row["product_tag"], row["category_tag"]) == ("Broadband", "Billing")
    assert not {"10400", "10401", "10330"} & {str(v) for v in row.values()}


def test_redaction_keeps_staff_names_and_drops_the_complainants() -> None:
    from report_templates.redact import Pseudonyms, redact_record

    comment = {"id": 7300, "type": "Comment", "author_id": 8001, "body": "Thanks", "public": True}
    reply = {"audits": [{**REPLY["audits"][0], "id": 7003, "author_id": 8001,
                         "created_at": "2026-03-02T11:00:00Z", "events": [comment]}]}
    record = _record("zendesk", [_zendesk_page(), TICKET_FIELDS, REPLY, reply])
    assert record.people == {"9001": "Jo Agent", "8001": "Ada Customer"}
    assert redact_record(record, Pseudonyms(b"k" * 32)).people == {"9001": "Jo Agent"}


def test_a_stored_bundle_keeps_every_option_the_mapping_names_from_ticket_events() -> None:
    """The stored bundle keeps the options it finds with the mapping's own walk
    (``held_option_tags``), so the stored ticket names its options as the files do. Incremental
    ticket events carry custom-field changes as ``custom_ticket_fields`` (platform-zendesk.md,
    "Incremental ticket event export"; several fields in one child) and, as for standard fields
    (tests/fixtures/zendesk/handmade_ticket_events.json keys ``status``), a change keyed by the
    field itself, which the mapping reads too: the bundle's own walk skipped that form."""
    event = {"id": 10, "ticket_id": 501, "created_at": "2026-03-03T09:00:00Z", "updater_id": 9001,
             "via": "Web form", "system": {}, "event_type": "Audit",
             "child_events": [
                 {"id": 911, "via": "Web form", "event_type": "Change", "previous_value": "service",
                  "custom_ticket_fields": {"360000000021": "billing"}},
                 {"id": 912, "via": "Web form", "event_type": "Change", "previous_value": "mobile",
                  "360000000020": "broadband"}]}
    pages = ZendeskPages()
    pages.add("tickets", _zendesk_page())
    pages.add("ticket_events", {"ticket_events": [event]})
    directory = ZendeskDirectory().updated({}, {}, dropdown_fields(TICKET_FIELDS))
    bundle = zendesk_bundle("501", pages, None, directory)
    assert bundle is not None
    from_files = _record("zendesk", [_zendesk_page(), TICKET_FIELDS, {"ticket_events": [event]}])
    assert from_files.option_names["mobile"] == "Mobile"  # the keyed-by-field change is read
    assert _record("zendesk", bundle).option_names == from_files.option_names


def test_the_audit_sample_timeline_reads_as_a_person_would() -> None:
    """The sample showed ``decision field Outcome (360000000030) set``, ``Recourse given: - ->
    True`` and ``status: open -> solved``. Change events as List Audits carries them (recorded:
    fixtures/zendesk/go-zendesk/GET_ticket_audits.json, ``field_name``/``value``/
    ``previous_value``); a checkbox's value is a boolean as in the ticket's ``custom_fields``
    (zendesk-support-v2.yaml, Ticket ``custom_fields``; the audit form of a checkbox change is
    not recorded in our fixtures, so both boolean and text forms are read)."""
    audit = _zendesk_audit(
        {"field_name": "360000000030", "value": "outcome_not_upheld", "previous_value": None},
        {"field_name": "360000000034", "value": True, "previous_value": None},
    )
    solved = _zendesk_audit({"field_name": "status", "value": "solved", "previous_value": "open"})
    solved["audits"][0].update(id=7003, created_at="2026-03-04T09:00:00Z")
    solved["audits"][0]["events"][0]["id"] = 7300
    fields = copy.deepcopy(TICKET_FIELDS)
    fields["ticket_fields"].append(_tagger(360000000030, "Outcome", ("Not upheld", "outcome_not_upheld")))
    record = _record("zendesk", [_zendesk_page(), fields, audit, REPLY, solved])
    assert record.decided is not None and record.decided.note == "Outcome set to Not upheld"
    rows = sample_item(record, (), "UTC").timeline
    details = [row.detail for row in rows]
    assert {"Outcome: Not upheld", "Recourse given: yes", "Status: open -> solved",
            "Outcome set to Not upheld"} <= set(details)
    assert not [d for d in details if d and "360000000030" in d]
    # the id stays where a machine looks: the change's field (the page's tooltip, the JSON)
    assert {row.field for row in rows if row.detail == "Outcome: Not upheld"} == {"360000000030"}


def test_a_dropdown_no_mapping_reads_is_named_by_the_field_list() -> None:
    """A dropdown the mapping does not read (a "Contact reason" that only selects complaints)
    takes its title and option names from the account's field list in the timeline, so the
    audit sample reads "Contact reason: Complaint", not "360000000010: complaint"; where its
    tag is also a mapped field's option, the mapped field's name is kept."""
    fields = copy.deepcopy(TICKET_FIELDS)
    fields["ticket_fields"] += [
        _tagger(360000000010, "Contact reason", ("Complaint", "complaint"), ("Enquiry", "enquiry")),
        _tagger(360000000099, "Legacy category", ("Old billing", "billing")),
    ]
    audit = _zendesk_audit(
        {"field_name": "360000000010", "value": "complaint", "previous_value": "enquiry"},
        {"field_name": "360000000099", "value": "billing", "previous_value": None},
        {"field_name": "360000000021", "value": "billing", "previous_value": "service"},
    )
    record = _record("zendesk", [_zendesk_page(), fields, audit])
    changes = _field_changes(record)
    assert changes["360000000010"] == ("Contact reason", "enquiry", "complaint")
    assert changes["360000000021"][0] == "Category"  # the mapping's title first
    assert record.option_names["complaint"] == "Complaint"
    assert record.option_names["billing"] == "Billing and charges"  # the mapped field's name
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Contact reason: Enquiry -> Complaint" in details
    assert not any("360000000010" in (d or "") for d in details)


# -- ticket forms by name ------------------------------------------------------------------

def _form(form_id: int, name: str, display_name: str) -> dict[str, Any]:
    """A form as ``GET /api/v2/ticket_forms`` lists it (zendesk-support-v2.yaml, TicketForm and
    its example: ``id``, ``name`` "The name of the form" for agents, ``display_name`` "displayed
    to an end user", ``active``, ``ticket_field_ids``)."""
    return {"url": f"https://example.zendesk.com/api/v2/ticket_forms/{form_id}.json", "id": form_id,
            "name": name, "raw_name": name, "display_name": display_name,
            "raw_display_name": display_name, "active": True, "default": False,
            "end_user_visible": True, "position": 1, "in_all_brands": True,
            "restricted_brand_ids": [], "ticket_field_ids": [360000000021],
            "created_at": "2020-01-06T09:00:00Z", "updated_at": "2020-01-06T09:00:00Z"}


#: The account's form list: TicketFormsResponse holds ``ticket_forms`` alone (no paging). The
#: handmade ticket 501 is on form 360000000002.
TICKET_FORMS = {"ticket_forms": [
    _form(360000000001, "General enquiries", "Ask us anything"),
    _form(360000000002, "Complaints", "Make a complaint"),
    _form(360000000003, "Returns", "Return an item"),
]}


def _form_moves() -> dict[str, Any]:
    """The ticket created on one form, then moved: List Audits ``Create`` and ``Change`` events
    name the standard field ``ticket_form_id`` (platform-zendesk.md: observed fields of a
    change event include ``ticket_form_id``; values as text, as the audits carry ids)."""
    audit = _zendesk_audit({"field_name": "ticket_form_id", "value": "360000000002",
                            "previous_value": "360000000001"})
    audit["audits"][0]["events"].insert(0, {"id": 7099, "type": "Create", "field_name": "ticket_form_id",
                                            "value": "360000000001"})
    return audit


def test_a_ticket_form_change_reads_by_the_forms_name_with_its_id_kept() -> None:
    record = _record("zendesk", [_zendesk_page(), TICKET_FORMS, _form_moves()])
    forms = [e for e in record.timeline if e.field == "ticket_form_id"]
    assert [(e.initial, e.from_value, e.to_value) for e in forms] == [
        (True, None, "360000000001"), (False, "360000000001", "360000000002")]  # ids on the event
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Ticket form: General enquiries" in details  # the agent-facing name, not display_name
    assert "Ticket form: General enquiries -> Complaints" in details
    assert not any("36000000000" in (d or "") for d in details)
    config = AppConfig.model_validate({"sources": [
        {"platform": "zendesk", "name": "zd", "subdomain": "acme", "auth": {"type": "api_token"}}]})
    console = Console(record=True, width=300)
    explain_ticket(console, [TicketEvaluation("501", record, [])], "501", load_evaluator(config).policy,
                   datetime(2026, 3, 10, tzinfo=UTC))
    assert "Ticket form: General enquiries → Complaints" in console.export_text()


def test_a_form_the_list_does_not_hold_keeps_its_id() -> None:
    known = {"ticket_forms": [TICKET_FORMS["ticket_forms"][1]]}
    record = _record("zendesk", [_zendesk_page(), known, _form_moves()])
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Ticket form: 360000000001 -> Complaints" in details  # no name invented
    assert "360000000001" not in record.option_names


def test_a_stored_bundle_keeps_only_the_forms_its_ticket_holds_or_held() -> None:
    """The sync reads the form list once per run (directory); each bundle keeps only its own
    forms, so renaming another form leaves the bundle as it was, and the stored ticket maps as
    the same ticket from files (a ``pull`` file holds the list page as read)."""
    pages = ZendeskPages()
    pages.add("tickets", _zendesk_page())
    pages.add("audits", _form_moves())
    directory = ZendeskDirectory().updated({}, {}, {}, ticket_forms(TICKET_FORMS))
    assert ZendeskDirectory.from_json(directory.to_json()) == directory
    bundle = zendesk_bundle("501", pages, None, directory)
    assert bundle is not None
    assert [f["id"] for f in bundle[0]["ticket_forms"]] == [360000000001, 360000000002]
    from_files = _record("zendesk", [_zendesk_page(), TICKET_FORMS, _form_moves()])
    assert _record("zendesk", bundle).timeline == from_files.timeline
    assert _record("zendesk", bundle).option_names == from_files.option_names
    renamed = copy.deepcopy(TICKET_FORMS)
    renamed["ticket_forms"][2]["name"] = "Returns and refunds"
    elsewhere = ZendeskDirectory().updated({}, {}, {}, ticket_forms(renamed))
    assert zendesk_bundle("501", pages, bundle, elsewhere) == bundle


def test_a_tag_change_shows_the_tags_as_held_not_an_options_name() -> None:
    """Zendesk adds a dropdown option's tag to the ticket's tags: the tag change still reads
    as tags ("Tags: complaint"), the dropdown's own change by its option ("Contact reason: Complaint")."""
    fields = copy.deepcopy(TICKET_FIELDS)
    fields["ticket_fields"].append(_tagger(360000000010, "Contact reason", ("Complaint", "complaint")))
    audit = _zendesk_audit(
        {"field_name": "360000000010", "value": "complaint", "previous_value": None},
        {"field_name": "tags", "value": ["complaint"], "previous_value": []},
    )
    record = _record("zendesk", [_zendesk_page(), fields, audit])
    details = [row.detail for row in sample_item(record, (), "UTC").timeline]
    assert "Contact reason: Complaint" in details
    assert any(d is not None and d.startswith("Tags: complaint") for d in details), details
