"""The register's findings columns, counted in one loop, equal the per-status counts they
replaced (checks passed, findings flagged, the summary) for any mix of statuses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_checks.findings import Finding, Status
from compliance_checks.model import Severity
from compliance_checks.registry import REGISTRY
from report_templates.views.common import status_counts
from report_templates.views.register import _FLAGGED, _findings_columns, findings_summary

FINDINGS = st.lists(
    st.builds(
        lambda check, status: Finding(
            ticket="CS-1",
            platform="jira",
            check=check,
            title=check,
            status=status,
            clauses=("7.4",),
            severity=Severity.HIGH,
            message="m",
        ),
        st.sampled_from(["a", "b", "z-check", "\u00e9t\u00e9", "<x>", "kept-informed", "response-in-time"]),
        st.sampled_from(list(Status)),
    ),
    max_size=14,
).map(tuple)


def _reference(findings: tuple[Finding, ...]) -> tuple[int, int, str]:
    counts = status_counts(findings)
    flagged: dict[Status, list[str]] = {}
    for f in findings:
        if f.status in _FLAGGED:
            flagged.setdefault(f.status, []).append(REGISTRY.label(f.check))
    parts = [f"{s.value}: {', '.join(sorted(flagged[s]))}" for s in _FLAGGED if s in flagged]
    idle = "on track: nothing due yet" if counts["PENDING"] else "all clear" if findings else "not checked"
    summary = "; ".join(parts) if parts else idle
    return counts["PASS"], sum(counts[s.value] for s in _FLAGGED), summary


@settings(derandomize=True, max_examples=300, deadline=None)
@given(FINDINGS)
def test_one_loop_equals_the_status_counts(findings: tuple[Finding, ...]) -> None:
    assert _findings_columns(findings) == _reference(findings)
    assert findings_summary(findings) == _reference(findings)[2]


def test_unassigned_complaint_says_so_in_owner_team() -> None:
    """A complaint with a team but no assignee read "/ Complaints" in the register's owner/team
    cell (seen on a 10,000-complaint Zendesk export: new tickets have a group, no assignee)."""
    from datetime import date

    from report_templates.html import render_html
    from report_templates.input import Period, Snapshot
    from report_templates.views import build_register_view
    from tests.reports.builders import AS_OF, RENDER, at, dataset, record

    records = (
        record("CS-1", at("2026-10-02"), team="Complaints"),
        record("CS-2", at("2026-10-03"), team="Billing", assignee="u-7", assignee_name="Grace Murphy"),
    )
    data = dataset(
        current=Snapshot(AS_OF, records, {}),
        period=Period(date(2026, 10, 1), date(2026, 10, 31), "Europe/London"),
        history=(),
    )
    html = render_html(build_register_view(data), RENDER)
    assert ">Unassigned / Complaints</td>" in html
    assert ">Grace Murphy / Billing</td>" in html


def test_a_complaint_whose_clocks_still_run_is_on_track_not_all_clear() -> None:
    """Only PENDING findings (nothing due yet) read as compliant when summarised "all clear";
    the register says what it is, in the words of the ticket's due-state label (``on-track``),
    with the earliest due time in the report's zone."""
    from datetime import UTC, datetime

    def pending(check: str, due: datetime | None) -> Finding:
        return Finding(ticket="CS-1", platform="jira", check=check, title=check, status=Status.PENDING,
                       clauses=("7.4",), severity=Severity.HIGH, message="m", due_at=due)

    findings = (pending("response-in-time", datetime(2026, 12, 3, 17, 30, tzinfo=UTC)),
                pending("acknowledged-in-time", datetime(2026, 11, 2, 17, 30, tzinfo=UTC)),
                pending("kept-informed", None))
    summary = findings_summary(findings, "Europe/London")
    assert summary == "on track: nothing due yet, next due 2026-11-02 17:30 GMT"
    assert _findings_columns(findings[2:]) == (0, 0, "on track: nothing due yet")
    passed = Finding(ticket="CS-1", platform="jira", check="a", title="a", status=Status.PASS,
                     clauses=("7.4",), severity=Severity.HIGH, message="m")
    assert findings_summary((passed,)) == "all clear"
    assert findings_summary((passed, *findings), "UTC").startswith("on track")
