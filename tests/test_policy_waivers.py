"""Policy files (validated, every error reported with file and key path) and waivers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from compliance_checks import BASELINE_POLICY, load_policy, load_waivers
from compliance_checks.calendar import Duration
from compliance_checks.configfile import ConfigError
from compliance_checks.findings import Finding, Status
from compliance_checks.model import Severity
from compliance_checks.policy import parse_policy
from compliance_checks.waivers import NO_WAIVERS, WaiverApplier, parse_waivers
from tests.checks.conftest import at

# -- policy -------------------------------------------------------------------------------------


def test_baseline_policy_loads():
    policy = load_policy(BASELINE_POLICY)
    assert policy.spec.name == "iso10002-baseline"
    assert policy.spec.calendar.timezone == "Europe/London"
    assert policy.spec.warning_window == Duration.parse("1 business days")
    assert len(policy.checks) == 11
    assert len(policy.sha256) == 64
    assert policy.source == str(BASELINE_POLICY)
    # England: Good Friday 2026 is a bank holiday, Saturday is closed
    assert not policy.calendar.is_business_day(date(2026, 4, 3))
    assert not policy.calendar.is_business_day(date(2026, 3, 7))
    assert policy.calendar.is_business_day(date(2026, 3, 2))
    response = next(c for c in policy.checks if c.id == "response-in-time")
    assert str(response.params.target.by_severity[Severity.CRITICAL]) == "5 business days"


def _issues(text: str, tmp_path: Path) -> list[tuple[str, str, str]]:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    for issue in info.value.issues:
        assert issue.source == str(path)
        assert str(path) in str(issue)
    return [(i.source, i.key_path, i.message) for i in info.value.issues]


def test_invalid_policy_reports_every_error_with_key_path(tmp_path):
    issues = _issues(
        """
name: broken
calendar: {timezone: Europe/Lundon}
colour: red
checks:
  acknowledged-in-time:
    params: {target: 2 fortnights}
  no-such-check: {}
  remedy-recorded:
    params: {grace: 2 business days, shade: dark}
""",
        tmp_path,
    )
    by_key = {key: message for _, key, message in issues}
    assert "unknown IANA timezone 'Europe/Lundon'" in by_key["calendar.timezone"]
    assert "unknown key" in by_key["colour"]
    assert "unknown check" in by_key["checks.no-such-check"]
    assert "unknown key" in by_key["checks.remedy-recorded.params.shade"]
    [target_key] = [k for k in by_key if k.startswith("checks.acknowledged-in-time.params.target")]
    assert "'2 fortnights' is not a duration" in by_key[target_key]
    assert len(issues) == 5


INVALID = [
    pytest.param(
        "name: p\nchecks:\n  acknowledged-in-time:\n    params: {target: 2 fortnights}\n",
        "checks.acknowledged-in-time.params.target",
        "'2 fortnights' is not a duration",
        id="bad-duration",
    ),
    pytest.param(
        "name: p\nchecks:\n  ack-in-time: {}\n",
        "checks.ack-in-time",
        "unknown check (known: acknowledged-in-time,",
        id="unknown-check-id",
    ),
    pytest.param(
        "name: p\nchecks:\n  remedy-recorded: {enabeld: false}\n",
        "checks.remedy-recorded.enabeld",
        "unknown key",
        id="unknown-key",
    ),
    pytest.param(
        "name: p\ncalendar: {timezone: Mars/Olympus}\nchecks: {}\n",
        "calendar.timezone",
        "unknown IANA timezone",
        id="bad-timezone",
    ),
    pytest.param(
        "name: p\ncalendar: {working_hours: {mon: '17:00-09:00'}}\nchecks: {}\n",
        "calendar.working_hours",
        "must end after they start",
        id="working-hours-backwards",
    ),
    pytest.param(
        "name: p\ncalendar: {holidays: {country: XX}}\nchecks: {}\n",
        "calendar.holidays",
        "no calendar for 'XX'",
        id="unknown-holiday-country",
    ),
    pytest.param(
        "name: p\nchecks:\n  assessed-in-time:\n    params: {target: {by_severity: {urgent: 1 hours}}}\n",
        "checks.assessed-in-time.params.target.by_severity.urgent",
        "",
        id="unknown-severity-key",
    ),
    pytest.param(
        "name: p\nchecks:\n  response-in-time:\n    params: {target: 1.5 business days}\n",
        "checks.response-in-time.params.target",
        "must be a whole number",
        id="fractional-business-days",
    ),
    pytest.param("checks: {}\n", "name", "Field required", id="missing-name"),
    pytest.param("name: [unclosed\n", "", "line 2", id="yaml-syntax-error"),
    pytest.param("", "", "the file is empty", id="empty-file"),
]


@pytest.mark.parametrize(("text", "key_path", "message"), INVALID)
def test_invalid_policy_files(text, key_path, message, tmp_path):
    issues = _issues(text, tmp_path)
    matching = [(k, m) for _, k, m in issues if k.startswith(key_path)]
    assert matching, issues
    assert any(message in m for _, m in matching), issues


def test_missing_policy_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read file"):
        load_policy(tmp_path / "nope.yaml")


def test_policy_target_shorthand_and_by_category():
    policy = parse_policy(
        """
name: p
checks:
  acknowledged-in-time:
    params:
      target: {default: 5 business days, by_category: {Safety: 4 hours}}
  response-in-time:
    params: {target: 8 weeks, pausable: false}
""",
        "p.yaml",
    )
    ack, response = policy.checks
    assert str(ack.params.target.by_category["Safety"]) == "4 hours"
    assert str(response.params.target.default) == "8 weeks"
    assert response.params.pausable is False


# -- waivers ------------------------------------------------------------------------------------


def _finding(ticket: str, check: str = "acknowledged-in-time", status: Status = Status.FAIL) -> Finding:
    return Finding(
        ticket=ticket,
        platform="jira",
        check=check,
        title="t",
        status=status,
        clauses=("7.4",),
        severity=Severity.HIGH,
        due_at=at(4, 17, 30),
        message="Acknowledgement overdue since 2026-03-04 17:30 GMT",
        remediation="Acknowledge.",
    )


WAIVERS_YAML = """
waivers:
  - check: acknowledged-in-time
    ticket: CS-1
    reason: Complainant asked for no contact until their return
    approver: j.smith
    expires: 2026-06-30
  - check: kept-informed
    ticket: CS-2
    reason: Agreed monthly updates
    approver: j.smith
    expires: 2026-02-28
  - check: response-in-time
    ticket: CS-3
    reason: Waiting on regulator
    approver: a.lead
    expires: 2026-12-31
"""


def test_waiver_turns_fail_into_waived_keeping_original_status():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10))
    [waived] = applier.apply([_finding("CS-1")])
    assert waived.status is Status.WAIVED
    assert waived.waiver is not None
    assert waived.waiver.original_status is Status.FAIL
    assert waived.waiver.approver == "j.smith"
    assert waived.waiver.expires == date(2026, 6, 30)
    assert waived.message.startswith("Acknowledgement overdue since")
    assert "waived: Complainant asked for no contact" in waived.message
    assert waived.due_at == at(4, 17, 30)  # everything else is kept


def test_waiver_covers_at_risk_but_not_pass():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10))
    [at_risk] = applier.apply([_finding("CS-1", status=Status.AT_RISK)])
    assert at_risk.status is Status.WAIVED
    assert at_risk.waiver.original_status is Status.AT_RISK
    [passed] = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10)).apply(
        [_finding("CS-1", status=Status.PASS)]
    )
    assert passed.status is Status.PASS
    assert passed.waiver is None


def test_waiver_matches_exactly():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10))
    findings = applier.apply(
        [
            _finding("CS-12"),  # not CS-1
            _finding("cs-1"),  # case matters
            _finding("CS-1", check="kept-informed"),  # other check
        ]
    )
    assert [f.status for f in findings] == [Status.FAIL, Status.FAIL, Status.FAIL]
    assert all(f.waiver is None for f in findings)


def test_expired_waiver_is_not_applied_and_warns():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10))
    [finding] = applier.apply([_finding("CS-2", check="kept-informed")])
    assert finding.status is Status.FAIL
    assert finding.waiver is None
    assert applier.warnings == [
        "waiver for kept-informed on CS-2 expired on 2026-02-28 (approved by j.smith); finding stays FAIL"
    ]


def test_waiver_valid_on_its_expiry_date():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 6, 30))
    [finding] = applier.apply([_finding("CS-1")])
    assert finding.status is Status.WAIVED


def test_unused_waivers_are_reported():
    applier = WaiverApplier(parse_waivers(WAIVERS_YAML, "w.yaml"), date(2026, 3, 10))
    applier.apply([_finding("CS-1")])
    assert applier.unused() == [
        "waiver for kept-informed on CS-2 matched no FAIL/AT_RISK finding",
        "waiver for response-in-time on CS-3 matched no FAIL/AT_RISK finding",
    ]


INVALID_WAIVERS = [
    pytest.param(
        "waivers:\n  - {check: acknowledged-in-time, ticket: 'CS-*', reason: why not, approver: js, "
        "expires: 2026-06-30}\n",
        "waivers[0].ticket",
        "patterns are not allowed",
        id="ticket-pattern-rejected",
    ),
    pytest.param(
        "waivers:\n  - {check: 'acknowledged-*', ticket: CS-1, reason: why not, approver: js, "
        "expires: 2026-06-30}\n",
        "waivers[0].check",
        "patterns are not allowed",
        id="check-pattern-rejected",
    ),
    pytest.param(
        "waivers:\n"
        "  - {check: acknowledged-in-time, ticket: CS-1, reason: one, approver: js, expires: 2026-06-30}\n"
        "  - {check: acknowledged-in-time, ticket: CS-1, reason: two, approver: js, expires: 2026-07-30}\n",
        "waivers[1]",
        "duplicate waiver for acknowledged-in-time on CS-1",
        id="duplicate-rejected",
    ),
    pytest.param(
        "waivers:\n  - {check: ack, ticket: CS-1, reason: why not, approver: js, expires: 2026-06-30}\n",
        "waivers[0].check",
        "unknown check 'ack'",
        id="unknown-check",
    ),
    pytest.param(
        "waivers:\n  - {check: acknowledged-in-time, ticket: CS-1, reason: why not, approver: js}\n",
        "waivers[0].expires",
        "Field required",
        id="expiry-required",
    ),
    pytest.param(
        "waivers:\n  - {check: acknowledged-in-time, ticket: CS-1, reason: why not, approver: js, "
        "expires: 2026-06-30, scope: all}\n",
        "waivers[0].scope",
        "unknown key",
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("text", "key_path", "message"), INVALID_WAIVERS)
def test_invalid_waivers(text, key_path, message, tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_waivers(path)
    issues = [(i.key_path, i.message) for i in info.value.issues]
    assert any(k == key_path and message in m for k, m in issues), issues
    assert all(i.source == str(path) for i in info.value.issues)


def test_no_waivers_changes_nothing():
    applier = WaiverApplier(NO_WAIVERS, date(2026, 3, 10))
    finding = _finding("CS-1")
    assert applier.apply([finding]) == [finding]
    assert applier.unused() == []
    assert applier.warnings == []


# -- every error in one run -------------------------------------------------------------------


def test_impossible_yaml_dates_are_reported_with_their_key_path(tmp_path):
    # PyYAML built these as dates and raised a bare ValueError for the whole file.
    issues = _issues(
        "name: p\ncalendar: {extra_holidays: [2026-12-25, 2026-13-45]}\nchecks: {}\n", tmp_path
    )
    assert [(k, "month" in m) for _, k, m in issues] == [("calendar.extra_holidays[1]", True)]
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "waivers:\n  - {check: acknowledged-in-time, ticket: CS-1, reason: why not, approver: js, "
        "expires: 2026-02-30}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_waivers(path)
    assert [i.key_path for i in info.value.issues] == ["waivers[0].expires"]


def test_valid_yaml_dates_still_load(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("name: p\ncalendar: {extra_holidays: [2026-12-24]}\nchecks: {}\n", encoding="utf-8")
    assert load_policy(path).spec.calendar.extra_holidays == [date(2026, 12, 24)]


def test_every_bad_working_hours_day_is_reported_at_once(tmp_path):
    issues = _issues(
        'name: p\ncalendar:\n  working_hours: {mon: "9-5", tue: "17:00-09:00", wed: "09:00-17:00", '
        'funday: "10:00-11:00"}\nchecks: {}\n',
        tmp_path,
    )
    by_key = {key: message for _, key, message in issues}
    assert "must look like '09:00-17:00'" in by_key["calendar.working_hours.mon"]
    assert "must end after they start" in by_key["calendar.working_hours.tue"]
    assert "unknown weekday 'funday'" in by_key["calendar.working_hours.funday"]
    assert len(issues) == 3


@pytest.mark.parametrize("value", ['"true"', "1", '"yes"', "0"])
def test_pausable_in_a_regulatory_child_must_be_a_real_boolean(value, tmp_path):
    # cbi-cpc makes kept-informed regulatory: a truthy non-boolean was silently replaced by false.
    issues = _issues(
        f"extends: cbi-cpc\nname: child\nchecks:\n  kept-informed:\n    params: {{pausable: {value}}}\n",
        tmp_path,
    )
    assert [(k, m) for _, k, m in issues] == [
        ("checks.kept-informed.params.pausable", "Input should be a valid boolean")
    ]


def test_pausable_in_an_operational_check_must_be_a_real_boolean(tmp_path):
    issues = _issues(
        'name: p\nchecks:\n  response-in-time:\n    params: {target: 5 business days, pausable: "no"}\n',
        tmp_path,
    )
    assert [k for _, k, _m in issues] == ["checks.response-in-time.params.pausable"]


def test_regulatory_pausable_true_is_reported_next_to_other_errors(tmp_path):
    issues = _issues(
        "extends: cbi-cpc\nname: child\ncalendar: {extra_holidays: [2026-13-45]}\n"
        "checks:\n  kept-informed:\n    params: {pausable: true}\n",
        tmp_path,
    )
    by_key = {key: message for _, key, message in issues}
    assert set(by_key) == {"calendar.extra_holidays[0]", "checks.kept-informed.params.pausable"}
    assert "regulatory" in by_key["checks.kept-informed.params.pausable"]


def test_waivers_report_schema_errors_unknown_checks_and_duplicates_together(tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "waivers:\n"
        "  - {check: acknowledged-in-time, ticket: CS-1, reason: one, approver: js, expires: 2026-02-30}\n"
        "  - {check: no-such-check, ticket: CS-2, reason: two, approver: js, expires: 2026-06-30}\n"
        "  - {check: acknowledged-in-time, ticket: ' CS-1', reason: three, approver: js, "
        "expires: 2026-07-30}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_waivers(path)
    by_key = {i.key_path: i.message for i in info.value.issues}
    assert set(by_key) == {"waivers[0].expires", "waivers[1].check", "waivers[2]"}
    assert "unknown check 'no-such-check'" in by_key["waivers[1].check"]
    # Both positions are named, so the reader finds the pair.
    assert "same check and ticket as waivers[0]" in by_key["waivers[2]"]
