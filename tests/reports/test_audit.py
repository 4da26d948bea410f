"""Audit report: coverage of every catalogued clause, exceptions, waivers, sample, content hash."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import yaml

from compliance_checks.findings import Status
from report_templates.html import render_html
from report_templates.input import ReportInput, ReportOptions
from report_templates.views import build_audit_view
from report_templates.views.audit import draw_sample
from tests.reports.builders import RENDER, dataset, small_registry

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


def test_coverage_lists_only_enabled_checks_and_names_manual_evidence(data: ReportInput) -> None:
    """The full registry holds checks the ISO-only test policy does not enable (regulatory ones,
    and stage2-handler-differs citing clause 4): they are not clause rows, and clause 4 is MANUAL
    with the evidence an auditor should ask for, not DISABLED."""
    view = build_audit_view(data)  # the full registry, the test policy's three checks enabled
    listed = {c.check for row in view.coverage for c in row.checks}
    assert listed == {"acknowledged-in-time", "response-in-time", "root-cause-recorded"}
    rows = {row.clause: row for row in view.coverage}
    assert {row.coverage for row in view.coverage} == {"AUTOMATED", "MANUAL"}
    for clause in ("4", "5", "6", "8.4", "8.5", "8.6", "8.7"):
        assert rows[clause].coverage == "MANUAL"
        assert rows[clause].evidence  # named, never a bare "human evidence needed"
    assert "policy" in (rows["4"].evidence or "")
    assert rows["7.4"].coverage == "AUTOMATED" and rows["7.4"].evidence is None
    html = render_html(view, RENDER)
    assert "disabled by policy" not in html and "DISABLED" not in html
    assert "Ask for: Top-management commitment" in html  # clause 5's evidence


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


def test_exception_groups_count_in_words_and_name_the_timezone(data: ReportInput) -> None:
    # groups: Billing/agent.a 2 (CS-3 twice), Complaints/agent.c 1 (CS-4), the hostile owner 1 (CS-5)
    html = render_html(build_audit_view(data, registry=small_registry()), RENDER)
    assert "Billing · agent.a: 2 findings</th>" in html
    assert "Complaints · agent.c: 1 finding</th>" in html
    assert "1 findings" not in html
    assert "4 findings, by team and owner, then by status and due time. Times in Europe/London." in html


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
    findings["CS-5"] = tuple(dataclasses.replace(f, message="edited") for f in findings["CS-5"])
    changed_finding = replace(data, current=replace(data.current, findings=findings))
    assert build_audit_view(changed_finding).content_hash != build_audit_view(data).content_hash
    later = replace(data, current=replace(data.current, as_of=data.as_of.replace(minute=1)))
    assert build_audit_view(later).content_hash != build_audit_view(data).content_hash


def test_audit_shows_the_regime_policy_chain_and_unconfirmed_figures(tmp_path: Path) -> None:
    """A policy extending the fca-disp pack: regime, chain with hashes, unconfirmed figures."""
    import hashlib

    from compliance_checks import load_policy
    from compliance_checks.inherit import PACKS_DIR
    from connector.reports.versions import policy_chain_refs
    from report_templates.html import render_html
    from report_templates.render import view_json
    from tests.reports.builders import RENDER

    child = tmp_path / "acme-policy.yaml"
    child.write_text("extends: fca-disp\nname: acme\nversion: 2\n", encoding="utf-8")
    policy = load_policy(child)
    base = dataset()
    data = replace(
        base, policy=policy, provenance=replace(base.provenance, policy_chain=policy_chain_refs(policy.chain))
    )
    view = build_audit_view(data)
    assert view.regime == "UK FCA DISP 1 (DISP 1.5, 1.6, 1.9, 1.10)" and view.jurisdiction == "GB-ENG"
    pack_file = PACKS_DIR / "fca-disp.yaml"
    assert [(c.level, c.name) for c in view.policy_chain] == [
        (0, "acme-policy.yaml"),
        (1, "fca-disp.yaml"),
        (2, "iso10002-baseline.yaml"),
    ]
    assert view.policy_chain[1].sha256 == hashlib.sha256(pack_file.read_bytes()).hexdigest()
    assert view.policy_chain[0].sha256 == hashlib.sha256(child.read_bytes()).hexdigest()
    keys = [u.key for u in view.unconfirmed]
    assert keys == sorted(f.key for f in policy.unconfirmed) and "credit-related-grouping" in keys
    credit = next(u for u in view.unconfirmed if u.key == "credit-related-grouping")
    assert credit.declared_in == "fca-disp.yaml" and "Annex 1B" in credit.source
    html = render_html(view, RENDER)
    assert "Regulatory regime and policy provenance" in html and "Unconfirmed figures" in html
    assert "UNCONFIRMED</span> credit-related-grouping" in html
    assert '"unconfirmed": [' in view_json(view) and "credit-related-grouping" in view_json(view)
    # the baseline-only policy of the other tests has none, and says so
    assert "None: every regulatory figure" in render_html(build_audit_view(base), RENDER)
    assert view.content_hash != build_audit_view(base).content_hash


def test_manual_clauses_show_no_counts_rather_than_zeros(data: ReportInput) -> None:
    """A clause no enabled check covers was not counted: 0 PASS / 0 FAIL there would read as a
    clause checked and found clean. The row says "—" and names the evidence to ask for."""
    view = build_audit_view(data)
    rows = {row.clause: row for row in view.coverage}
    assert rows["5"].coverage == "MANUAL" and rows["5"].counts is None
    assert rows["7.4"].counts is not None and rows["7.4"].counts["PASS"] == 3
    html = render_html(view, RENDER)
    start = html.index("5 Complaints-handling framework")
    manual = html[start : html.index("</tr>", start)]
    assert "Ask for: Top-management commitment" in manual
    assert "— not counted" in manual
    assert '<td class="n">0</td>' not in manual
    # the spreadsheet leaves the status cells empty, not 0
    table = next(t for t in view.tables() if t.name == "Clause coverage")
    five = next(r for r in table.rows if r["clause"] == "5")
    assert [five[s] for s in ("PASS", "FAIL", "MANUAL")] == [None, None, None]


def test_coverage_names_each_enabled_check_by_its_title_with_its_id(data: ReportInput) -> None:
    """An auditor reads "Complaint acknowledged promptly", with the id that docs/checks.md uses."""
    html = render_html(build_audit_view(data), RENDER)
    start = html.index("7.4 Acknowledgement of complaint")
    row = html[start : html.index("</tr>", start)]
    named = '<td>Complaint acknowledged promptly <small class="meta">(acknowledged-in-time)</small></td>'
    assert named in row


def test_evidence_source_ids_in_the_csv_keep_their_slots_aligned_with_the_sentences(
    data: ReportInput,
) -> None:
    """A sentence without a source id keeps its (empty) slot, so the n-th id is the n-th
    sentence's in the exported "Evidence source ids" column."""
    view = build_audit_view(data, registry=small_registry())
    row = view.exceptions[0].model_copy(update={
        "evidence": ("Received by email", "Replied by A. Agent", "Status set to Solved"),
        "evidence_sources": ("", "comment 901", "audit 77"),
    })
    table = next(t for t in view.model_copy(update={"exceptions": (row,)}).tables()
                 if any(c.key == "evidence_sources" for c in t.columns))
    (exported,) = table.rows
    sentences, ids = exported["evidence"].split(" | "), exported["evidence_sources"].split(" | ")
    assert list(zip(sentences, ids, strict=True)) == [
        ("Received by email", ""),
        ("Replied by A. Agent", "comment 901"),
        ("Status set to Solved", "audit 77"),
    ]
