"""The audit's exception rows show the advice that can still be followed (``compliance_checks.advice``)."""

from __future__ import annotations

from compliance_checks.advice import CLOSED_ADVICE, LATE_ADVICE
from compliance_checks.findings import Status
from compliance_checks.model import Stage
from report_templates.audit_rows import exception_row_html
from report_templates.views.audit import exception_row
from tests.reports.builders import at, finding, record

TZ = "Europe/London"
CLOSED = record("CS-1", at("2026-10-01"), stage=Stage.CLOSED)


def test_a_breach_on_a_closed_complaint_asks_for_the_corrective_action() -> None:
    f = finding("CS-1", "kept-informed", Status.FAIL, at("2026-10-06"))
    assert exception_row(f, TZ).remediation == "Act on it."
    row = exception_row(f, TZ, CLOSED)
    assert row.remediation == CLOSED_ADVICE
    assert "can no longer be fixed on the ticket" in exception_row_html(row)


def test_a_step_done_late_cannot_be_undone_on_an_open_complaint() -> None:
    f = finding("CS-2", "acknowledged-in-time", Status.FAIL, at("2026-10-06"), facts={"late_by_hours": 3.0})
    assert exception_row(f, TZ).remediation == LATE_ADVICE


def test_a_waived_exception_has_no_remedy() -> None:
    from datetime import date

    from compliance_checks.findings import WaiverApplied

    waiver = WaiverApplied(reason="agreed", approver="Head of Complaints", expires=date(2027, 1, 1),
                           original_status=Status.FAIL)
    f = finding("CS-3", "kept-informed", Status.WAIVED, at("2026-10-06"), waiver=waiver)
    assert exception_row(f, TZ, CLOSED).remediation is None


def test_the_audit_page_states_each_advice_once_and_rows_refer_to_it() -> None:
    """The same ~40-word closed-complaint advice stood on almost every exception row (thousands
    at 10,000 complaints). The page states each distinct advice once; a row names it by number
    and short name, linking to it; the CSV/JSON exports keep each row's full text."""
    import re

    from report_templates.html import render_html
    from report_templates.input import Snapshot
    from report_templates.views import build_audit_view
    from tests.reports.builders import AS_OF, RENDER, dataset, small_registry

    closed = [record(f"CS-{n}", at("2026-10-05"), stage=Stage.CLOSED, closed_d=3) for n in range(1, 6)]
    still_open = record("CS-9", at("2026-10-06"))
    findings = {r.id: (finding(r.id, "acknowledged-in-time", Status.FAIL, at("2026-10-06")),
                       finding(r.id, "response-in-time", Status.FAIL, at("2026-10-20")))
                for r in closed}
    findings["CS-9"] = (finding("CS-9", "response-in-time", Status.AT_RISK, at("2026-10-21")),)
    data = dataset(current=Snapshot(AS_OF, (*closed, still_open), findings), history=())
    view = build_audit_view(data, registry=small_registry())
    html = render_html(view, RENDER)

    assert html.count(CLOSED_ADVICE) == 1 and html.count("Act on it.") == 1
    legend = dict(re.findall(r'<tr id="(advice-\d+)"><th scope="row">\[\d+\]</th><td>([^<]*)</td>', html))
    assert legend == {"advice-1": CLOSED_ADVICE, "advice-2": "Act on it."}
    cells = re.findall(r'<td><a href="#(advice-\d+)">\[\d+\] ([^<]*)</a></td></tr>', html)
    assert sorted(cells) == [("advice-1", "The complaint is closed")] * 10 + [("advice-2", "Act on it")]
    # every row's advice is unambiguous: its reference resolves to the view's own text
    by_ticket = {(e.ticket, e.check): e.remediation for e in view.exceptions}
    assert sorted(by_ticket.values(), key=str) == sorted([CLOSED_ADVICE] * 10 + ["Act on it."], key=str)
    exported = view.tables()[0].rows
    assert [r["remediation"] for r in exported].count(CLOSED_ADVICE) == 10  # the CSV keeps it whole
