"""KPI arithmetic on the hand-counted set of builders.py (counts worked out in the comments)."""

from __future__ import annotations

import pytest

from report_templates.input import ReportInput, Snapshot
from report_templates.views import build_kpi_view, build_review_view
from report_templates.views.common import percentile


def test_percentile_is_nearest_rank() -> None:
    # [1, 2, 6, 30]: rank ceil(0.9 * 4) = 4 -> 30; rank ceil(0.5 * 4) = 2 -> 2
    assert percentile([30, 1, 6, 2], 90) == 30
    assert percentile([30, 1, 6, 2], 50) == 2
    assert percentile([], 90) is None


def test_kpis_hand_counted(data: ReportInput) -> None:
    view = build_kpi_view(data)
    m = {x.key: x for x in view.metrics}
    # October cohort in scope: CS-1..CS-5 (CS-6 is out of scope) -> 5
    assert m["received"].value == 5
    # 5 complaints per 2,000 customers -> 2.5 per 1,000
    assert m["per_1000_customers"].value == pytest.approx(2.5)
    # acknowledgement hours CS-1 2, CS-2 6, CS-3 30, CS-4 1 (CS-5 none): median (2+6)/2 = 4, P90 = 30
    assert (m["ack_median_hours"].value, m["ack_p90_hours"].value) == (4.0, 30.0)
    # acknowledged-in-time: PASS CS-1, CS-2, CS-4; WAIVED CS-3 (was FAIL); FAIL CS-5 -> 3 / 5
    assert (m["ack_in_target"].numerator, m["ack_in_target"].denominator) == (3, 5)
    # decided after 3, 10, 20 days -> median 10, P90 20
    assert (m["response_median_days"].value, m["response_p90_days"].value) == (10.0, 20.0)
    # response-in-time settled: PASS CS-1, CS-2; FAIL CS-3 (CS-4 AT_RISK, CS-5 PENDING left out) -> 2 / 3
    assert (m["response_in_target"].numerator, m["response_in_target"].denominator) == (2, 3)
    # closed after 5, 12, 21 days -> median 12, P90 21
    assert (m["closure_median_days"].value, m["closure_p90_days"].value) == (12.0, 21.0)
    # closed by the response due time: CS-1 (10-06 <= 10-29), CS-2 (10-14 <= 10-30); CS-3 10-26 > 10-20
    assert (m["closed_in_target"].numerator, m["closed_in_target"].denominator) == (2, 3)
    # escalated: CS-1 -> 1 / 5; reopened: CS-2 -> 1 / 3 closed; upheld: CS-1 upheld + CS-3 partly -> 2 / 3
    assert (m["escalation_rate"].numerator, m["escalation_rate"].denominator) == (1, 5)
    assert (m["reopen_rate"].numerator, m["reopen_rate"].denominator) == (1, 3)
    assert (m["upheld_rate"].numerator, m["upheld_rate"].denominator) == (2, 3)
    # repeats within 30 days: same complainant P1: CS-1 (CS-7 on 09-15), CS-3 (CS-1 on 10-01) -> 2 / 5;
    # a shared root cause ('pricing': CS-1 (CS-7), CS-2 (CS-1) -> 2) is recurrence, not a repeat
    assert (m["repeat_rate"].numerator, m["repeat_rate"].value) == (2, pytest.approx(0.4))
    assert m["repeat_root_cause_rate"].numerator == 2
    # rated: good, bad, "5" -> satisfied good and 5 -> 2 / 3
    assert (m["satisfaction_rate"].numerator, m["satisfaction_rate"].denominator) == (2, 3)
    # objective text comes from the policy
    assert m["response_in_target"].target == "20 business days (critical: 5 business days)"


def test_trend_baseline_is_the_earlier_evaluation(data: ReportInput) -> None:
    view = build_kpi_view(data)
    m = {x.key: x for x in view.metrics}
    assert view.baseline == "snapshot"
    assert (str(view.previous_start), str(view.previous_end)) == ("2026-09-01", "2026-09-30")
    # September as known on 1 October: CS-7 and CS-8 received; only CS-7 closed (upheld)
    assert m["received"].previous == 2
    assert m["received"].change == 3
    # acknowledgement hours 4 (CS-7) and 50 (CS-8) -> median 27
    assert m["ack_median_hours"].previous == 27.0
    assert m["upheld_rate"].previous == 1.0


def test_backlog_and_breakdowns(data: ReportInput) -> None:
    view = build_kpi_view(data)
    # open at 11-05 12:00 UTC: CS-4 (26 days) and CS-5 (16 days) -> both 15-28 days
    assert {r.label: r.count for r in view.backlog}["15-28 days"] == 2
    # at the baseline (10-01): CS-8 open, 10 days old
    assert {r.label: r.previous for r in view.backlog}["8-14 days"] == 1
    assert [(r.label, r.count) for r in view.by_channel] == [("email", 2), ("web", 2), ("phone", 1)]
    # Pareto over recorded root causes: pricing 2, staff 1
    assert [(r.label, r.count, round(r.cumulative, 3)) for r in view.root_causes] == [
        ("pricing", 2, 0.667),
        ("staff", 1, 1.0),
    ]
    teams = {r.key: r.needs_action for r in view.findings_by_team}
    # Billing: CS-3 response FAIL -> 1; Complaints: CS-4 AT_RISK + CS-5 FAIL -> 2
    assert teams == {"Billing": 1, "Complaints": 2}


def test_review_pack(data: ReportInput) -> None:
    view = build_review_view(data)
    # systemic threshold 2: pricing (CS-1, CS-2) only
    assert [(s.root_cause, s.complaints) for s in view.systemic] == [("pricing", ("CS-1", "CS-2"))]
    # open and flagged: CS-5 (FAIL, due 10-22) before CS-4 (AT_RISK, due 11-06)
    assert [a.ticket for a in view.open_actions] == ["CS-5", "CS-4"]
    assert view.open_actions_total == view.open_actions_shown == 2


def test_findings_by_clause_lists_only_cited_clauses_and_names_the_rest(data: ReportInput) -> None:
    """A clause no finding cites had a row of zeros, which reads as "no problems" although no
    enabled check evidences it; it is named in the caption instead."""
    from report_templates.html import render_html
    from tests.reports.builders import RENDER

    view = build_kpi_view(data)
    # acknowledged-in-time (7.4): PASS CS-1, CS-2, CS-4; FAIL CS-5 (CS-3 WAIVED)
    assert [(r.key, r.counts["PASS"], r.counts["FAIL"]) for r in view.findings_by_clause] == [
        ("7.4", 3, 1),
        ("7.7", 2, 1),
        ("8.2", 2, 0),
    ]
    assert view.clauses_without_findings[:3] == ("4", "5", "6")
    assert "7.4" not in view.clauses_without_findings
    html = render_html(view, RENDER)
    assert "no finding cites clauses 4, 5, 6, 7.1, 7.2," in html
    assert "4 Guiding principles</th>" not in html


def test_review_marks_open_actions_received_before_the_period() -> None:
    """CS-8 (received 20 September, still open, two FAILs) is an open action of the October
    review: carried over from September, and said so, with how many there are."""
    from report_templates.html import render_html
    from tests.reports.builders import (
        AS_OF,
        RENDER,
        dataset,
        october_findings,
        october_records,
        september_records,
    )

    records = tuple(september_records(as_known_on_oct_1=True) + october_records())
    data = dataset(current=Snapshot(AS_OF, records, october_findings()))
    view = build_review_view(data)
    actions = {a.ticket: a for a in view.open_actions}
    assert set(actions) == {"CS-4", "CS-5", "CS-8"}
    assert [t for t, a in actions.items() if a.carried_over] == ["CS-8"]
    assert (
        actions["CS-8"].received_at is not None
        and actions["CS-8"].received_at.date().isoformat() == "2026-09-20"
    )
    assert view.open_actions_carried_over == 1
    html = render_html(view, RENDER)
    caption = "3 in all (2 received in the period; 1 received before it began on 2026-10-01 and carried"
    assert caption in html
    row = html[html.index(">CS-8</a>") : html.index("</tr>", html.index(">CS-8</a>"))]
    assert "2026-09-20" in row and "carried over" in row
    for ticket in ("CS-4", "CS-5"):
        other = html[html.index(f">{ticket}</a>") : html.index("</tr>", html.index(f">{ticket}</a>"))]
        assert "carried over" not in other
    table = next(t for t in view.tables() if t.name == "Open actions")
    assert {r["ticket"]: r["carried_over"] for r in table.rows} == {
        "CS-4": False,
        "CS-5": False,
        "CS-8": True,
    }


def test_evaluation_trend_times_are_in_the_report_zone(data: ReportInput) -> None:
    """The baseline is taken at 00:00 Europe/London and the current evaluation at 12:00 UTC: both
    rows read in the report's zone (BST, then GMT after the clocks change), never a third zone."""
    from report_templates.html import render_html
    from tests.reports.builders import RENDER

    view = build_kpi_view(data)
    assert [p.as_of.isoformat() for p in view.history] == [
        "2026-10-01T00:00:00+01:00",
        "2026-11-05T12:00:00+00:00",
    ]
    html = render_html(view, RENDER)
    table = html[html.index("<caption>Evaluations</caption>") :]
    table = table[: table.index("</table>")]
    assert "2026-10-01 00:00 BST" in table and "2026-11-05 12:00 GMT" in table
    assert "UTC" not in table


def test_complaints_per_customer_says_why_it_is_empty(data: ReportInput) -> None:
    """Without the number of customers served the rate cannot be computed: the row says so
    instead of a bare dash a board member would read as missing data."""
    from dataclasses import replace

    from report_templates.html import render_html
    from report_templates.input import ReportOptions
    from tests.reports.builders import RENDER

    no_customers = replace(data, options=ReportOptions(sample_seed=7, sample_size=3))
    html = render_html(build_kpi_view(no_customers), RENDER)
    start = html.index("Complaints per 1,000 customers")
    row = html[start : html.index("</tr>", start)]
    assert "customers served not given (<code>--customers</code>)" in row
