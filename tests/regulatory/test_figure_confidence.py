"""Findings say when their deadline figure is unconfirmed in the pack (facts and message).

ASIC RG 271 (Australia/Sydney, AEDT until Sun 5 Apr 2026): received Mon 2 Mar 2026 10:00 AEDT;
30 calendar days -> Wed 1 Apr 23:59:59 AEDT (unconfirmed: news reports only). FCA 8 weeks from
Mon 2 Mar 10:00 GMT -> Mon 27 Apr 23:59:59 BST (confirmed: DISP 1.6.2R).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from compliance_checks import context_for, load_policy
from compliance_checks.calendar import END_OF_DAY
from compliance_checks.configfile import ConfigError
from compliance_checks.engine import evaluate
from compliance_checks.findings import Finding, as_json_document
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.policy import Policy
from connector.platforms.jira.notes import note_text
from tests.regulatory.helpers import pack, record, run

SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "findings.schema.json"
RECEIVED = datetime(2026, 3, 2, 10, tzinfo=SYDNEY)
NOW = datetime(2026, 4, 3, 10, tzinfo=SYDNEY)  # past the 30-day deadline, nothing sent


def finding(policy: Policy, check_id: str, **overrides: object) -> Finding:
    rec = record(RECEIVED, **overrides)
    return next(f for f in evaluate(rec, policy, context_for(policy, NOW)) if f.check == check_id)


def test_asic_30_days_is_marked_unconfirmed_in_facts_and_message():
    result = finding(pack("asic-rg271"), "regulatory-response")
    assert result.status.value == "FAIL"
    assert result.due_at == datetime.combine(date(2026, 4, 1), END_OF_DAY, tzinfo=SYDNEY)
    assert result.facts["figure_confidence"] == "unconfirmed"
    assert str(result.facts["unconfirmed_figures"]).startswith("target.default (RG 271.56 and Table 2")
    assert "Deadline figure unconfirmed in the pack: target.default (RG 271.56" in result.message


def test_the_figure_actually_used_is_the_one_reported():
    # Superannuation: 45 days (target.by_category, unconfirmed), not the 30-day default.
    result = finding(pack("asic-rg271"), "regulatory-response", category="superannuation")
    assert str(result.facts["unconfirmed_figures"]).startswith("target.by_category (RG 271.58-59")
    assert "target.default" not in str(result.facts["unconfirmed_figures"])


def test_both_readings_of_the_asic_acknowledgement_are_reported():
    result = finding(pack("asic-rg271"), "regulatory-acknowledged")
    figures = str(result.facts["unconfirmed_figures"])
    assert figures.startswith("target.default (") and "; alternative (" in figures


def test_a_confirmed_figure_is_not_marked():
    received = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    result = run("fca-disp", "regulatory-response", record(received), datetime(2026, 4, 28, tzinfo=LONDON))
    assert result.status.value == "FAIL"
    assert "figure_confidence" not in result.facts and "unconfirmed" not in result.message


def test_a_figure_the_firm_overrides_is_its_own_choice(tmp_path: Path):
    child = tmp_path / "ours.yaml"
    child.write_text(
        "extends: asic-rg271\nname: ours\nchecks:\n  regulatory-response:\n"
        "    params: {target: {default: 30 days}}\n",
        encoding="utf-8",
    )
    result = finding(load_policy(child), "regulatory-response")
    assert result.status.value == "FAIL" and "figure_confidence" not in result.facts


def test_the_mark_reaches_the_json_document_and_the_ticket_note():
    jsonschema = pytest.importorskip("jsonschema")
    result = finding(pack("asic-rg271"), "regulatory-response")
    document = as_json_document([result], as_of=NOW)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    note = note_text([result], resolved=False, marker="[iso10002]")
    assert "Deadline figure unconfirmed in the pack" in note


def test_unconfirmed_figures_cannot_be_set_by_hand(tmp_path: Path):
    child = tmp_path / "ours.yaml"
    child.write_text(
        f"extends: {PACKS_DIR / 'asic-rg271.yaml'}\nname: ours\nchecks:\n  regulatory-response:\n"
        "    params: {unconfirmed_figures: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="filled from the pack's provenance"):
        load_policy(child)


DUBLIN = ZoneInfo("Europe/Dublin")


@pytest.mark.parametrize(("check_id", "figure"), [("acknowledged-in-time", "target"),
                                                  ("kept-informed", "max_gap")])
def test_cbi_operational_clocks_say_their_figures_are_unconfirmed(check_id: str, figure: str):
    # cbi-cpc marks every figure unconfirmed, including the ISO checks' acknowledgement target
    # (5 business days) and update interval (20 business days) it sets: received Mon 2 Mar
    # 2026, nothing sent by Fri 3 Apr, so both clocks have run out and both findings say so.
    policy = pack("cbi-cpc")
    received = datetime(2026, 3, 2, 10, tzinfo=DUBLIN)
    result = next(f for f in evaluate(record(received), policy,
                                      context_for(policy, datetime(2026, 4, 3, 10, tzinfo=DUBLIN)))
                  if f.check == check_id)
    assert result.status.value == "FAIL"
    assert result.facts["figure_confidence"] == "unconfirmed"
    assert str(result.facts["unconfirmed_figures"]).startswith(f"{figure} (")
    assert "Deadline figure unconfirmed in the pack" in result.message


def test_iso_baseline_clocks_are_not_marked():
    from compliance_checks import BASELINE_POLICY

    policy = load_policy(BASELINE_POLICY)
    findings = evaluate(record(RECEIVED), policy, context_for(policy, NOW))
    assert all("figure_confidence" not in f.facts for f in findings)
