"""``mappings.select.describe_selection``: the mapping's ``select`` rules as the panel's "Not a
complaint" shows them (each matcher spelled out, the platform's word for labels)."""

from __future__ import annotations

from mappings.loader import default_mapping_path, load_mapping
from mappings.schema import Condition, MappingSpec
from mappings.select import describe_condition, describe_selection


def _spec(platform: str) -> MappingSpec:
    return load_mapping(default_mapping_path(platform)).spec


def test_shipped_jira_mapping_is_described_with_jira_words() -> None:
    assert describe_selection(_spec("jira")) == {
        "markers": ["label “complaint”", "issue type “Complaint”", "request type “Raise a complaint”"],
        "excluded_by": ["fields.labels contains “test-ticket”"], "projects": ["CS"]}


def test_each_matcher_is_spelled_out() -> None:
    assert describe_condition(Condition.model_validate({"custom_field": 7, "equals": "Yes"})) == \
        "field 7 is “Yes”"
    assert describe_condition(Condition.model_validate({"path": ["fields", "x"], "exists": False})) == \
        "fields.x is empty"
    assert describe_condition(Condition.model_validate({"path": "via.channel", "in": ["email", "web"],
                                                        "exists": True})) == \
        "via.channel is one of “email”, “web” and is set"


def test_no_markers_means_every_ticket() -> None:
    spec = _spec("zendesk").model_copy(update={"select": _spec("zendesk").select.model_copy(
        update={"any_of": _spec("zendesk").select.any_of.model_copy(
            update={"labels": [], "forms": [], "fields": []})})})
    assert describe_selection(spec)["markers"] == []
