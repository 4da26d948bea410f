"""Stage-1 and stage-2 letter content in the two-stage packs (hand-worked).

SPSO model CHP: a stage-1 (frontline) decision points to stage 2; only the stage-2 (final)
response must signpost the SPSO (the model CHP's stage-2 "Signposting to the SPSO"; the SPSO's
own text was not retrieved: docs/regulatory.md). Housing Ombudsman Complaint Handling Code 2024:
the stage-1 response list (6.9) has no Ombudsman rights; the stage-2 response (6.19) says how to
escalate to the Ombudsman.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from compliance_checks.findings import Status
from tests.regulatory.helpers import letter, record, ref, run

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2026, 3, 2, 10, tzinfo=LONDON)  # Mon 02 Mar 2026
DECIDED = datetime(2026, 3, 5, 10, tzinfo=LONDON)  # Thu 05 Mar: stage-1 decision
STAGE2 = datetime(2026, 3, 16, 10, tzinfo=LONDON)  # Mon 16 Mar: escalated
FINAL2 = datetime(2026, 4, 1, 10, tzinfo=LONDON)  # Wed 01 Apr: stage-2 response


def _stage1_only(pack_name: str, **content: bool) -> Status:
    rec = record(
        RECEIVED,
        decided=ref("changelog:30001", DECIDED),
        outcome="not_upheld",
        letters=(letter("final_response", "comment:10060", DECIDED, stage=1, **content),),
    )
    return run(pack_name, "final-response-content", rec, now=DECIDED.replace(hour=12)).status


def _stage2(pack_name: str, **content: bool) -> Status:
    rec = record(
        RECEIVED,
        decided=ref("changelog:30002", FINAL2),
        outcome="not_upheld",
        stage2_started=ref("changelog:30010", STAGE2),
        procedure_stage=2,
        letters=(
            letter("final_response", "comment:10060", DECIDED, stage=1, decision=True, reasons=True),
            letter("final_response", "comment:10080", FINAL2, stage=2, **content),
        ),
    )
    return run(pack_name, "final-response-content", rec, now=FINAL2.replace(hour=12)).status


@pytest.mark.parametrize("pack_name", ["spso", "housing-ombudsman"])
def test_stage1_letter_without_ombudsman_rights_passes(pack_name: str) -> None:
    # Not upheld: no remedy needed. Decision and reasons shown; no ombudsman signposting.
    assert _stage1_only(pack_name, decision=True, reasons=True) is Status.PASS


@pytest.mark.parametrize("pack_name", ["spso", "housing-ombudsman"])
def test_stage2_letter_without_ombudsman_rights_fails(pack_name: str) -> None:
    assert _stage2(pack_name, decision=True, reasons=True) is Status.FAIL


@pytest.mark.parametrize("pack_name", ["spso", "housing-ombudsman"])
def test_stage2_letter_with_ombudsman_rights_passes(pack_name: str) -> None:
    assert _stage2(pack_name, decision=True, reasons=True, ombudsman_rights=True) is Status.PASS


def test_stage1_letter_still_needs_the_decision() -> None:
    assert _stage1_only("spso", reasons=True) is Status.FAIL


def test_single_stage_pack_still_requires_ombudsman_rights_at_stage_1() -> None:
    # fca-disp has no required_stage1: its (only) final response must carry the FOS rights.
    assert _stage1_only("fca-disp", decision=True, reasons=True) is Status.FAIL
