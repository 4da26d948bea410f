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
from connector.bundles import ZendeskDirectory, ZendeskPages, map_bundle, zendesk_bundle
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
    action = open_action(record, (), "UTC")
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
    assert "Outcome: - -> outcome_not_upheld" in details


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
