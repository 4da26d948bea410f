"""The runner: scope rule, ERROR isolation, registry rules, clause catalogue, defaults."""

from __future__ import annotations

import logging

import pytest
import yaml

from compliance_checks import BASELINE_POLICY, REGISTRY, context_for, evaluate, load_policy
from compliance_checks.clauses import clauses
from compliance_checks.findings import Status
from compliance_checks.model import Severity, Stage
from compliance_checks.policy import PolicySpec, build_policy, parse_policy
from compliance_checks.registry import CheckParams, CheckResult, CheckSpec, Registry, check
from tests.checks.conftest import at, make_record, ref

POLICY = load_policy(BASELINE_POLICY)
SHIPPED_IDS = [
    "record-complete",
    "remedy-recorded",
    "acknowledged-in-time",
    "assessed-in-time",
    "kept-informed",
    "escalated-when-required",
    "response-in-time",
    "decision-communicated",
    "closure-evidence",
    "root-cause-recorded",
    "satisfaction-offered",
]


def ctx(now=None):
    return context_for(POLICY, now or at(3, 12))


def test_every_shipped_check_is_registered_and_in_the_baseline_policy():
    # The regulatory checks ship for the packs (policies/packs/), not the ISO baseline.
    packs_only = {
        "compliance_checks.checks.regulatory",
        "compliance_checks.checks.letters",
        "compliance_checks.checks.regulatory_timing",
    }
    iso_ids = [i for i in REGISTRY.ids() if REGISTRY.get(i).fn.__module__ not in packs_only]
    assert sorted(iso_ids) == sorted(SHIPPED_IDS)
    assert [c.id for c in POLICY.checks] == SHIPPED_IDS


def test_findings_follow_policy_order_and_carry_metadata():
    record = make_record(acknowledged=ref("comment:10023", at(2, 11)))
    findings = evaluate(record, POLICY, ctx())
    assert [f.check for f in findings] == SHIPPED_IDS
    ack = findings[2]
    assert (ack.ticket, ack.platform, ack.status, ack.clauses, ack.severity) == (
        "CS-1",
        "jira",
        Status.PASS,
        ("7.4",),
        Severity.HIGH,
    )
    assert ack.remediation is None  # PASS needs no action
    assert ack.evidence[0].ref == "comment:10023"
    assessed = findings[3]  # due Thu 03-05 17:30, now Tue 12:00 -> PENDING
    assert assessed.status is Status.PENDING
    assert assessed.remediation == REGISTRY.get("assessed-in-time").remediation


SCOPE = [
    pytest.param(
        {"in_scope": False, "scope_reason": "employment-related dispute"},
        "Out of ISO 10002 scope: employment-related dispute",
        id="employment-dispute",
    ),
    pytest.param(
        {"in_scope": False, "scope_reason": "dispute referred for external resolution (ISO 10003)"},
        "Out of ISO 10002 scope: dispute referred for external resolution (ISO 10003)",
        id="external-dispute-keeps-reason-text-verbatim",
    ),
    pytest.param(
        {"in_scope": False}, "Out of ISO 10002 scope: excluded by the mapping", id="no-reason-given"
    ),
    pytest.param({"deleted": True}, "Deleted at the source", id="deleted-ticket"),
]


@pytest.mark.parametrize(("overrides", "message"), SCOPE)
def test_out_of_scope_or_deleted_is_not_applicable_everywhere(overrides, message):
    # a record that would otherwise FAIL several checks
    record = make_record(channel=None, stage=Stage.CLOSED, decided=ref("changelog:1", at(3, 9)), **overrides)
    findings = evaluate(record, POLICY, ctx(at(30, 12)))
    assert len(findings) == len(SHIPPED_IDS)
    assert {f.status for f in findings} == {Status.NOT_APPLICABLE}
    assert {f.message for f in findings} == {message}
    assert not any(f.remediation for f in findings)  # nothing to do on a NOT_APPLICABLE row


class _NoParams(CheckParams):
    pass


def _registry_with_broken_check() -> Registry:
    registry = Registry()
    for spec in REGISTRY:
        registry.register(spec)

    @check(
        id="always-raises",
        title="A broken check",
        clauses=("7.3",),
        severity=Severity.LOW,
        params=_NoParams,
        remediation="Fix the check.",
        registry=registry,
    )
    def always_raises(record, p, ctx):
        raise ZeroDivisionError("boom")

    return registry


def test_a_check_that_raises_gives_error_and_the_others_still_run(caplog):
    registry = _registry_with_broken_check()
    spec = PolicySpec.model_validate(
        {
            "name": "t",
            "calendar": {"timezone": "Europe/London"},
            "checks": {"remedy-recorded": {}, "always-raises": {}, "acknowledged-in-time": {}},
        }
    )
    policy = build_policy(spec, source="test.yaml", sha256="x", registry=registry)
    with caplog.at_level(logging.WARNING, logger="compliance_checks.engine"):
        findings = evaluate(make_record(), policy, context_for(policy, at(3, 12)), registry=registry)
    assert [(f.check, f.status) for f in findings] == [
        ("remedy-recorded", Status.PASS),
        ("always-raises", Status.ERROR),
        ("acknowledged-in-time", Status.AT_RISK),
    ]
    error = findings[1]
    assert "ZeroDivisionError: boom" in error.message
    assert error.remediation == "Fix the check."
    assert error.evidence[0].kind == "absent"
    assert "always-raises" in caplog.text


def test_registering_a_check_id_twice_raises():
    registry = Registry()
    spec = REGISTRY.get("remedy-recorded")
    registry.register(spec)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(spec)
    with pytest.raises(ValueError, match="registered twice"):
        check(
            id="remedy-recorded",
            title="t",
            clauses=("7.2",),
            severity=Severity.LOW,
            params=_NoParams,
            remediation="r",
            registry=registry,
        )(lambda r, p, c: CheckResult(Status.PASS, "ok"))


def test_unknown_check_lookup_raises_key_error():
    with pytest.raises(KeyError, match="unknown check 'nope'"):
        REGISTRY.get("nope")


@pytest.mark.parametrize("status", [Status.WAIVED, Status.ERROR], ids=["waived", "error"])
def test_a_check_may_not_return_runner_statuses(status):
    with pytest.raises(ValueError, match="only the runner sets it"):
        CheckResult(status, "nope")


def test_a_check_returning_waived_becomes_an_error_finding():
    registry = Registry()

    @check(
        id="sneaky",
        title="Returns WAIVED",
        clauses=("7.2",),
        severity=Severity.LOW,
        params=_NoParams,
        remediation="r",
        registry=registry,
    )
    def sneaky(record, p, ctx):
        return CheckResult(Status.WAIVED, "waived by the check itself")

    spec = PolicySpec.model_validate({"name": "t", "checks": {"sneaky": {}}})
    policy = build_policy(spec, source="t.yaml", sha256="x", registry=registry)
    [finding] = evaluate(make_record(), policy, context_for(policy, at(3, 12)), registry=registry)
    assert finding.status is Status.ERROR
    assert "only the runner sets it" in finding.message


@pytest.mark.parametrize("check_id", SHIPPED_IDS)
def test_every_check_cites_clauses_from_the_catalogue(check_id):
    known = {c.id for c in clauses()}
    spec: CheckSpec = REGISTRY.get(check_id)
    assert spec.clauses
    assert set(spec.clauses) <= known, spec.clauses
    assert spec.title and spec.remediation and spec.description


@pytest.mark.parametrize("check_id", SHIPPED_IDS)
def test_every_check_has_params_with_defaults(check_id):
    params = REGISTRY.get(check_id).params.model_validate({})
    assert isinstance(params, CheckParams)
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        REGISTRY.get(check_id).params.model_validate({"no_such_param": 1})


def test_policy_with_empty_params_for_every_check_validates():
    text = yaml.safe_dump(
        {"name": "defaults", "checks": {check_id: {} for check_id in SHIPPED_IDS}}, sort_keys=False
    )
    policy = parse_policy(text, "defaults.yaml")
    assert [c.id for c in policy.checks] == SHIPPED_IDS
    findings = evaluate(make_record(), policy, context_for(policy, at(3, 12)))
    assert Status.ERROR not in {f.status for f in findings}


def test_disabled_check_does_not_run_and_severity_override_applies():
    text = yaml.safe_dump(
        {
            "name": "p",
            "checks": {
                "remedy-recorded": {"enabled": False},
                "acknowledged-in-time": {"severity": "critical"},
            },
        }
    )
    policy = parse_policy(text, "p.yaml")
    [finding] = evaluate(make_record(), policy, context_for(policy, at(3, 12)))
    assert (finding.check, finding.severity) == ("acknowledged-in-time", Severity.CRITICAL)
