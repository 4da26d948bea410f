"""Judgement against the policy's KPI objectives, first-period handling, the compliance trend by
month and the stated definitions of repeat complaints and systemic issues (hand-counted on the
builders.py set; its policy sets the objectives and the ``analysis`` block)."""

from __future__ import annotations

import pytest

from compliance_checks import parse_policy
from compliance_checks.configfile import ConfigError
from compliance_checks.policy import BASELINE_POLICY, load_policy
from report_templates.html import render_html
from report_templates.input import ReportInput, Snapshot
from report_templates.views import build_kpi_view, build_review_view
from tests.reports.builders import AS_OF, POLICY_TEXT, RENDER, dataset, october_findings, october_records


def test_kpis_are_judged_against_the_policy_objectives(data: ReportInput) -> None:
    m = {x.key: x for x in build_kpi_view(data).metrics}
    # acknowledged in time 3 / 5 = 60 %: objective 95 %, amber 60 % -> amber
    assert (m["ack_in_target"].objective, m["ack_in_target"].amber) == (0.95, 0.6)
    assert m["ack_in_target"].judgement == "amber"
    # responded in time 2 / 3 = 66.7 % >= 50 % -> met
    assert m["response_in_target"].judgement == "met"
    # escalated 1 / 5 = 20 %: lower is better, objective 10 %, amber 15 % -> missed
    assert m["escalation_rate"].judgement == "missed"
    # no objective in the policy: no judgement (never a default verdict)
    assert m["satisfaction_rate"].objective is None and m["satisfaction_rate"].judgement is None
    # the per-complaint target stays what it is, apart from the KPI objective
    assert m["ack_in_target"].target == "2 business days"


def test_kpi_and_review_html_say_met_amber_missed(data: ReportInput) -> None:
    kpi = render_html(build_kpi_view(data), RENDER)
    assert "≥ 95" in kpi and "(60" in kpi  # the objective and its amber line are shown
    for word in ("MET", "AMBER", "MISSED"):
        assert f">{word}</span>" in kpi
    review = render_html(build_review_view(data), RENDER)
    assert ">AMBER</span>" in review and ">MET</span>" in review


def test_first_period_says_so_instead_of_a_change_from_zero() -> None:
    """No complaints before the period (no history, no September records): no previous figures,
    no change, and the report says why, not "Previous period 0, change +5"."""
    data = dataset(current=Snapshot(AS_OF, tuple(october_records()), october_findings()), history=())
    view = build_kpi_view(data)
    assert view.has_previous is False
    received = view.metric("received")
    assert (received.value, received.previous, received.change) == (5, None, None)
    assert all(m.change is None for m in view.metrics)
    assert all(r.previous is None for r in view.by_channel)
    html = render_html(view, RENDER)
    assert "first period with data, so there is no comparison" in html
    review = build_review_view(data)
    assert review.has_previous is False
    assert "first period: no comparison" in render_html(review, RENDER)


def test_a_period_with_a_previous_one_compares(data: ReportInput) -> None:
    view = build_kpi_view(data)
    assert view.has_previous is True
    assert view.metric("received").previous is not None


def test_compliance_trend_by_month_per_check(data: ReportInput) -> None:
    rows = {r.check: r for r in build_kpi_view(data).compliance_by_month}
    # October: acknowledged-in-time PASS 3 of settled 5 (PASS 3, WAIVED 1, FAIL 1)
    assert rows["acknowledged-in-time"].by_month == {"2026-10": pytest.approx(0.6)}
    assert rows["acknowledged-in-time"].settled == {"2026-10": 5}
    # response-in-time: PASS 2 of settled 3 (AT_RISK and PENDING are still running)
    assert rows["response-in-time"].settled == {"2026-10": 3}
    # the same figures are a sheet of the XLSX/tabular export
    table = next(t for t in build_kpi_view(data).tables() if t.name == "Compliance by month")
    first = next(r for r in table.rows if r["check"] == "acknowledged-in-time")
    assert (first["2026-10"], first["2026-10 settled"]) == (pytest.approx(0.6), 5)


def test_definitions_come_from_the_policy_and_are_stated(data: ReportInput) -> None:
    view = build_kpi_view(data)
    assert (view.repeat_window_days, view.systemic_min_count, view.systemic_min_share) == (30, 2, 0.0)
    html = render_html(view, RENDER)
    assert "the same complainant made another complaint in the 30 days before" in html
    assert "at least 2 complaints in the period" in html
    review = build_review_view(data)
    assert "Repeat complaint: the same complainant within 30 days" in render_html(review, RENDER)


def test_systemic_issue_needs_both_the_count_and_the_share() -> None:
    """Root causes this October: pricing 2 of 3 (66.7 %), staff 1 of 3 (33.3 %)."""
    text = POLICY_TEXT.replace("systemic_min_share: 0 %", "systemic_min_share: 70 %")
    data = dataset(policy=parse_policy(text, "report-test-policy.yaml"))
    assert build_review_view(data).systemic == ()  # pricing has the count (2) but not 70 %
    text = POLICY_TEXT.replace("systemic_min_count: 2", "systemic_min_count: 1").replace(
        "systemic_min_share: 0 %", "systemic_min_share: 30 %"
    )
    data = dataset(policy=parse_policy(text, "report-test-policy.yaml"))
    assert [s.root_cause for s in build_review_view(data).systemic] == ["pricing", "staff"]


def test_baseline_policy_states_the_default_objectives() -> None:
    spec = load_policy(BASELINE_POLICY).spec
    assert spec.kpis.acknowledged_in_time is not None
    assert (spec.kpis.acknowledged_in_time.objective, spec.kpis.acknowledged_in_time.amber) == (0.95, 0.9)
    assert spec.analysis.repeat_window_days == 30


@pytest.mark.parametrize(
    ("block", "path", "message"),
    [
        ("kpis: {acknowledged_in_tme: {objective: 95 %}}", "kpis.acknowledged_in_tme", "unknown key"),
        ("kpis: {acknowledged_in_time: {objective: 95}}", "kpis.acknowledged_in_time.objective", "between"),
        ("kpis: {acknowledged_in_time: {objective: ninety}}", "kpis.acknowledged_in_time.objective", "95 %"),
        (
            "kpis: {acknowledged_in_time: {objective: 90 %, amber: 95 %}}",
            "kpis.acknowledged_in_time",
            "above",
        ),
        ("kpis: {escalated: {objective: 5 %, amber: 2 %}}", "kpis.escalated", "below"),
        ("analysis: {repeat_window_days: 0}", "analysis.repeat_window_days", "greater than"),
    ],
)
def test_bad_objectives_are_reported_with_file_and_key_path(block: str, path: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_policy(f"name: x\nchecks: {{}}\n{block}\n", "mine.yaml")
    text = str(err.value)
    assert f"mine.yaml: {path}:" in text and message in text
