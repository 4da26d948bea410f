"""Per-mapping precomputed rules and shortcuts give what the per-ticket computation gave."""

from __future__ import annotations

import pytest

from mappings import derive, jira_payload
from mappings.loader import default_mapping_path, load_mapping
from mappings.schema import FieldRules


def _slow(rules: FieldRules) -> list[tuple[str, object]]:
    return [(n, getattr(rules, n)) for n in type(rules).model_fields if getattr(rules, n) is not None]


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_field_rules_listed_once_equal_the_model_walk(platform: str) -> None:
    rules = load_mapping(default_mapping_path(platform)).spec.fields
    assert list(derive._field_rules(rules)) == _slow(rules)
    assert derive._field_rules(rules) is derive._field_rules(rules)  # memoised


def test_field_rules_follow_a_changed_mapping() -> None:
    rules = load_mapping(default_mapping_path("jira")).spec.fields
    first = dict(derive._field_rules(rules))
    name = next(iter(first))
    changed = rules.model_copy(update={name: None})
    assert name not in dict(derive._field_rules(changed))
    assert list(derive._field_rules(changed)) == _slow(changed)
    assert dict(derive._field_rules(rules)) == first


@pytest.mark.parametrize(
    "user",
    [
        None,
        "not a dict",
        {},
        {"accountId": "svc-complaints-bot"},
        {"accountId": "u1", "accountType": "app"},
        {"accountId": "u2", "accountType": "customer"},
        {"accountId": "reporter"},
        {"key": "agent-7"},
        {"name": "", "emailAddress": "a@example.com"},
    ],
)
@pytest.mark.parametrize("text", [None, "", "plain text", "[ISO 10002 check] marker"])
def test_role_with_a_known_user_id_equals_role_looked_up(user: object, text: str | None) -> None:
    spec = load_mapping(default_mapping_path("jira")).spec
    known = jira_payload._user_id(user)
    assert jira_payload._role(user, "reporter", spec, text, user_id=known) == jira_payload._role(
        user, "reporter", spec, text
    )
