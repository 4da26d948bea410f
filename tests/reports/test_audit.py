"""Audit report: coverage of every catalogued clause, exceptions, waivers, sample, content hash."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from compliance_checks.findings import Status
from report_templates.input import ReportInput, ReportOptions
from report_templates.views import build_audit_view
from report_templates.views.audit import draw_sample
from tests.reports.builders import dataset, small_registry

CATALOGUE = Path(__file__).resolve().parents[2] / "compliance_checks" / "clauses.yaml"


def test_coverage_matrix_lists_every_clause_of_the_catalogue(data: ReportInput) -> None:
    wanted = [c["id"] for c in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["clauses"]]
    view = build_audit_view(data)  # the full registry
    assert [row.clause for row in view.coverage] == wanted
    small = build_audit_view(data, registry=small_registry())
    rows = {row.clause: row for row in small.coverage}
    assert [c for c in wanted if rows[c].coverage == "MANUAL"] == [
        c for c in wanted if c not in ("7.4", "7.7", "8.2")
    ]
    # 7.4: acknowledged-in-time over CS-1..CS-5 -> PASS 3, WAIVED 1, FAIL 1
    assert rows["7.4"].counts["PASS"] == 3 and rows["7.4"].counts["WAIVED"] == 1
    assert rows["7.4"].counts["FAIL"] == 1


def test_exceptions_and_waivers(data: ReportInput) -> None:
    view = build_audit_view(data, registry=small_registry())
    # by status, then due time: AT_RISK; FAIL CS-3 (due 10-20) before CS-5 (10-22); WAIVED
    assert [(e.ticket, e.check, e.status) for e in view.exceptions] == [
        ("CS-4", "response-in-time", "AT_RISK"),
        ("CS-3", "response-in-time", "FAIL"),
        ("CS-5", "acknowledged-in-time", "FAIL"),
        ("CS-3", "acknowledged-in-time", "WAIVED"),
    ]
    waived = next(e for e in view.exceptions if e.status == Status.WAIVED.value)
    assert (waived.original_status, waived.waiver_approver) == ("FAIL", "Q. Lead")
    assert [(w.ticket, w.state, w.applied) for w in view.waivers] == [
        ("CS-9", "expired", False),
        ("CS-3", "active", True),
    ]


def test_sample_is_reproducible_and_has_full_timelines(data: ReportInput) -> None:
    first = build_audit_view(data)
    again = build_audit_view(data)
    assert [s.ticket for s in first.sample] == [s.ticket for s in again.sample]
    assert first.sample_seed == 7 and len(first.sample) == 3
    assert [s.ticket for s in first.sample] == draw_sample(["CS-1", "CS-2", "CS-3", "CS-4", "CS-5"], 7, 3)
    for item in first.sample:
        assert item.timeline and item.timeline[0].kind == "received"
    other = build_audit_view(replace(data, options=ReportOptions(sample_seed=8, sample_size=3)))
    assert other.sample_seed == 8


def test_content_hash_is_stable_and_input_sensitive(data: ReportInput) -> None:
    assert build_audit_view(data).content_hash == build_audit_view(dataset()).content_hash
    changed_waivers = replace(
        data, provenance=replace(data.provenance, waivers=replace(data.provenance.waivers, sha256="f" * 64))
    )
    assert build_audit_view(changed_waivers).content_hash != build_audit_view(data).content_hash
    findings = dict(data.current.findings)
    findings["CS-5"] = tuple(f.model_copy(update={"message": "edited"}) for f in findings["CS-5"])
    changed_finding = replace(data, current=replace(data.current, findings=findings))
    assert build_audit_view(changed_finding).content_hash != build_audit_view(data).content_hash
    later = replace(data, current=replace(data.current, as_of=data.as_of.replace(minute=1)))
    assert build_audit_view(later).content_hash != build_audit_view(data).content_hash
