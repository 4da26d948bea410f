"""Per-mapping precomputed rules and shortcuts give what the per-ticket computation gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_checks.model import ActorRole, Event, EventKind, SourceKind, Stage
from mappings import derive, jira_payload
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path, load_mapping
from mappings.schema import FieldRules, MappingSpec
from mappings.values import casefold_set


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


# -- escalation: kinds that can never be a signal are skipped before the rule test --------------

def _slow_escalation(events: list[Event], spec: MappingSpec) -> Event | None:
    """The rule as it was written before the fast path: every event tested."""
    rules = spec.escalation
    fold = casefold_set
    groups, priorities, labels = fold(rules.groups), fold(rules.priorities), fold(rules.labels)
    statuses, fields = fold(rules.statuses), fold(rules.fields)
    for e in events:
        if e.actor_role is ActorRole.CONNECTOR or e.initial:
            continue
        to = (e.to_value or "").casefold()
        hit = (
            (e.kind is EventKind.GROUP_CHANGE and to in groups)
            or (e.kind is EventKind.PRIORITY_CHANGE and to in priorities)
            or (e.kind is EventKind.STATUS_CHANGE and to in statuses)
            or (
                e.kind is EventKind.LABEL_CHANGE
                and bool((set(to.split()) - set((e.from_value or "").casefold().split())) & labels)
            )
            or (e.kind is EventKind.FIELD_CHANGE and (e.field or "").casefold() in fields and bool(to))
        )
        if hit:
            return e
    return None


def _vocabulary(spec: MappingSpec) -> list[str]:
    rules = spec.escalation
    words = [*rules.groups, *rules.priorities, *rules.labels, *rules.statuses, *rules.fields]
    words += [*spec.decision.fields, *spec.assessment.fields, *spec.status.stages, "priority"]
    return [*words, *(w.upper() for w in words), "open", "Normal", "billing", ""]


SPECS = {p: load_mapping(default_mapping_path(p)).spec for p in ("jira", "zendesk")}


@st.composite
def timelines(draw: st.DrawFn) -> tuple[MappingSpec, list[Event]]:
    spec = SPECS[draw(st.sampled_from(sorted(SPECS)))]
    words = st.sampled_from(_vocabulary(spec))
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    events = [
        Event(
            at=start + timedelta(minutes=i),
            kind=draw(st.sampled_from(list(EventKind))),
            source_kind=SourceKind.CHANGELOG,
            source_id=str(i),
            actor_role=draw(st.sampled_from(list(ActorRole))),
            field=draw(st.none() | words),
            from_value=draw(st.none() | words),
            to_value=draw(st.none() | words | st.lists(words, max_size=3).map(" ".join)),
            initial=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 12)))
    ]
    return spec, events


@settings(max_examples=400, deadline=None, derandomize=True)
@given(timelines())
def test_escalation_fast_path_equals_testing_every_event(case: tuple[MappingSpec, list[Event]]) -> None:
    spec, events = case
    assert derive._escalation(events, None, spec) is _slow_escalation(events, spec)  # type: ignore[arg-type]


def _slow_assessment(events: list[Event], spec: MappingSpec) -> Event | None:
    stages_of = derive._Stages(spec)
    stages, fields = set(spec.assessment.stages), casefold_set(spec.assessment.fields)
    for e in events:
        if e.kind is EventKind.STATUS_CHANGE:
            if stages_of.of(e.to_value) in stages and e.actor_role in (
                ActorRole.AGENT,
                ActorRole.SYSTEM,
                ActorRole.UNKNOWN,
            ):
                return e
            continue
        if e.kind not in (EventKind.PRIORITY_CHANGE, EventKind.FIELD_CHANGE):
            continue
        named = (e.field or "").casefold() in fields or (
            e.kind is EventKind.PRIORITY_CHANGE and "priority" in fields
        )
        if named and e.actor_role is ActorRole.AGENT:
            return e
    return None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(timelines())
def test_assessment_fast_path_equals_testing_every_event(case: tuple[MappingSpec, list[Event]]) -> None:
    spec, events = case
    got = derive._assessment(events, spec, derive._Stages(spec))
    slow = _slow_assessment(events, spec)
    assert (got.source_id if got else None) == (slow.source_id if slow else None)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(timelines())
def test_decision_field_fast_path_equals_testing_every_event(case: tuple[MappingSpec, list[Event]]) -> None:
    spec, events = case
    fields = casefold_set(spec.decision.fields)
    slow = next(
        (
            e
            for e in events
            if e.kind is EventKind.FIELD_CHANGE and (e.field or "").casefold() in fields and bool(e.to_value)
        ),
        None,
    )
    facts = TicketFacts(key="K-1", id="1", platform=spec.platform, created=events[0].at if events else
                               datetime(2026, 1, 5, tzinfo=UTC), raw={})
    got = derive._decision(events, [], facts, spec, Stage.RECEIVED)
    assert (got.source_id if got else None) == (slow.source_id if slow else None)
