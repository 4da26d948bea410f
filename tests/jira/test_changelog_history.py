"""Jira changelog histories without ``id`` and change items without ``fieldId``.

Shapes: the ``Changelog`` and ``ChangeDetails`` schemas of Atlassian's platform OpenAPI document
(``/work/shared/specs/jira-platform-v3.json``: neither ``id`` nor ``fieldId`` is required) and the
recorded go-jira sprint page (``tests/fixtures/jira/gojira_issues_with_changelog.json``, MIT,
andygrunwald/go-jira ``mocks/issues_in_sprint_with_changelog.json``), whose second history has no
``id`` and whose items have no ``fieldId``. Field lists follow ``GET /rest/api/2/field``
(``FieldDetails``; recorded example: airbyte ``issue_fields.json``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from compliance_checks.model import EventKind, SourceKind
from connector.bundles import JiraPages, jira_bundle, map_bundle
from mappings.assemble import Assembler, MappedTicket, Origin
from mappings.jira_payload import DERIVED_HISTORY_PREFIX, history_key
from mappings.loader import default_mapping_path
from mappings.schema import MappingSpec
from tests.jira.helpers import load

CATEGORY = "customfield_10050"


def _spec(**changes: Any) -> MappingSpec:
    data = yaml.safe_load(default_mapping_path("jira").read_text(encoding="utf-8"))
    data.update({"select": {}, "scope": []}, **changes)
    return MappingSpec.model_validate(data)


def _gojira_issue() -> dict[str, Any]:
    issue: dict[str, Any] = copy.deepcopy(load("gojira_issues_with_changelog.json")["issues"][0])
    return issue


def _dc_history(created: str, items: list[dict[str, Any]], author: str = "jane.agent") -> dict[str, Any]:
    """An older Data Center history: no ``id``, items without ``fieldId`` (go-jira's shape)."""
    return {"author": {"name": author, "key": author, "displayName": author}, "created": created,
            "items": items}


def _map(docs: list[Any], spec: MappingSpec | None = None) -> MappedTicket:
    assembler = Assembler(spec or _spec())
    for doc in docs:
        if not assembler.is_primary(doc):
            assembler.add_history(doc, Origin("test"))
    for doc in docs:
        if assembler.is_primary(doc):
            for raw in assembler.items(doc, Origin("test")):
                return assembler.map_item(raw)
    raise AssertionError("no issue")


def _changes(result: MappedTicket) -> list[tuple[str, str | None, str | None]]:
    assert result.record is not None, result.error
    return [(e.source_id, e.field, e.to_value) for e in result.record.timeline
            if e.source_kind is SourceKind.CHANGELOG]


def test_histories_without_id_are_all_kept_with_distinct_stable_source_ids() -> None:
    issue = _gojira_issue()
    # A second id-less history on the recorded page (another author, a minute later).
    issue["changelog"]["histories"].append(_dc_history(
        "2016-02-01T08:18:04.000-0800",
        [{"field": "status", "fieldtype": "jira", "from": "1", "fromString": "Open", "to": "3",
          "toString": "In Progress"}]))
    page = {"issues": [issue]}
    changes = _changes(_map([page]))
    assert sorted((field, to) for _, field, to in changes) == [
        ("priority", "Minor"), ("status", "In Progress"), ("summary", "A task that doesn't need to be done.")]
    ids = {field: source for source, field, _ in changes}
    assert ids["summary"] == "11008613"  # a history's own id is kept as is
    assert ids["priority"].startswith(DERIVED_HISTORY_PREFIX)
    assert ids["status"].startswith(DERIVED_HISTORY_PREFIX)
    assert ids["priority"] != ids["status"]
    # Stable: mapping the same payload again (another run) gives the same evidence ids.
    assert _changes(_map([copy.deepcopy(page)])) == changes
    record = _map([page]).record
    assert record is not None
    priority = [e for e in record.timeline if e.kind is EventKind.PRIORITY_CHANGE]
    assert [e.to_value for e in priority] == ["Minor"]


def test_an_id_less_history_read_twice_is_counted_once() -> None:
    """Data Center: the embedded changelog and the full ``expand=changelog`` re-read repeat it."""
    issue = _gojira_issue()
    again = {"issue": issue["key"], "changelog": copy.deepcopy(issue["changelog"])}
    changes = _changes(_map([{"issues": [issue]}, again]))
    assert sorted(field for _, field, _ in changes) == ["priority", "summary"]


def test_sync_bundle_keeps_id_less_histories_and_maps_like_the_files() -> None:
    issue = _gojira_issue()
    histories = issue.pop("changelog")["histories"]
    histories.append(_dc_history("2016-02-01T09:00:00.000-0800", [
        {"field": "status", "fieldtype": "jira", "from": "1", "fromString": "Open", "to": "6",
         "toString": "Closed"}]))
    pages = JiraPages()
    pages.add({"issues": [issue]})
    pages.add({"issue": issue["key"], "changelog": {"startAt": 0, "total": 3, "histories": histories}})
    pages.add({"issue": issue["key"], "changelog": {"startAt": 0, "total": 3, "histories": histories}})
    bundle = jira_bundle(issue, pages)
    stored = bundle[1]["issueChangeLogs"][0]["changeHistories"]
    assert len(stored) == 3
    via_store = map_bundle(_spec(), bundle, None)
    assert via_store is not None
    via_files = _map([{"issues": [issue]}, {"issue": issue["key"], "changelog": {"histories": histories}}])
    assert _changes(via_store) == _changes(via_files)


def test_a_repeated_history_id_keeps_the_items_of_both_copies() -> None:
    """``changelog/bulkfetch`` with ``fieldIds`` returns a history with only those items."""
    issue = _gojira_issue()
    full = {"id": "500", "created": "2016-02-02T10:00:00.000-0800", "items": [
        {"field": "status", "fieldtype": "jira", "fieldId": "status", "toString": "Closed"},
        {"field": "Complaint category", "fieldtype": "custom", "fieldId": CATEGORY, "toString": "Billing"}]}
    filtered = {**full, "items": [full["items"][0]]}
    issue["changelog"]["histories"] = [filtered]
    page = {"issues": [issue]}
    bulk = {"issueChangeLogs": [{"issueId": issue["id"], "changeHistories": [full]}]}
    changes = _changes(_map([page, bulk]))
    assert sorted(field for _, field, _ in changes) == [CATEGORY, "status"]
    assert history_key(full) == history_key(filtered) == "500"


def _category_change_issue() -> dict[str, Any]:
    issue = _gojira_issue()
    issue["changelog"]["histories"].append(_dc_history("2016-02-02T10:00:00.000-0800", [
        {"field": "Complaint category", "fieldtype": "custom", "from": None, "fromString": None,
         "to": "10100", "toString": "Billing"}]))
    return issue


FIELD_LIST = [
    {"id": "priority", "name": "Priority", "custom": False, "clauseNames": ["priority"]},
    {"id": CATEGORY, "name": "Complaint category", "custom": True,
     "clauseNames": ["cf[10050]", "Complaint category"],
     "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
                "customId": 10050}},
]


def test_a_change_without_field_id_is_named_by_the_field_list_so_id_rules_match() -> None:
    spec = _spec(escalation={"fields": [CATEGORY]})
    result = _map([{"issues": [_category_change_issue()]}, FIELD_LIST], spec)
    assert (CATEGORY, "Billing") in [(f, to) for _, f, to in _changes(result)]
    assert result.record is not None and result.record.escalated is not None
    assert result.record.escalated.source_id.startswith(DERIVED_HISTORY_PREFIX)


def test_a_mapping_naming_the_display_name_keeps_matching() -> None:
    spec = _spec(escalation={"fields": ["Complaint category"]})
    result = _map([{"issues": [_category_change_issue()]}, FIELD_LIST], spec)
    assert result.record is not None and result.record.escalated is not None


def test_an_ambiguous_field_name_named_by_a_rule_is_a_mapping_error_not_a_guess() -> None:
    twins = [*FIELD_LIST, {"id": "customfield_10077", "name": "Complaint Category", "custom": True,
                           "clauseNames": ["cf[10077]"]}]
    spec = _spec(escalation={"fields": [CATEGORY]})
    result = _map([{"issues": [_category_change_issue()]}, twins], spec)
    assert result.record is None and result.error is not None
    assert ".items[0].field" in result.error.field
    assert CATEGORY in result.error.reason and "customfield_10077" in result.error.reason
    # No rule names either field: the change keeps its display name and the ticket maps.
    plain = _map([{"issues": [_category_change_issue()]}, twins], _spec())
    assert ("Complaint category", "Billing") in [(f, to) for _, f, to in _changes(plain)]


def test_without_a_field_list_the_unresolved_name_is_a_history_gap() -> None:
    spec = _spec(escalation={"fields": [CATEGORY]})
    result = _map([{"issues": [_category_change_issue()]}], spec)
    assert result.record is not None
    assert result.record.escalated is None
    assert result.record.attributes["history_gaps"] == [
        "changelog field 'Complaint category' has no fieldId and no field list was given to resolve it"]


@pytest.mark.parametrize("history", [
    {"created": "2016-02-01T08:17:04.000-0800", "items": []},
    {"id": "", "created": "2016-02-01T08:17:04.000-0800", "items": []},
])
def test_history_key_never_collapses_missing_ids_to_one_value(history: dict[str, Any]) -> None:
    other = {**history, "created": "2016-02-01T08:17:05.000-0800"}
    assert history_key(history) != history_key(other)
    assert history_key(history) == history_key(copy.deepcopy(history))
