"""What the written acknowledgement must carry (Singapore FA (CHR) Regs, Bahrain CBB), hand-worked.

Sources (pack YAML provenance, docs/regulatory.md "Letter content"):
- Singapore Financial Advisers (Complaints Handling and Resolution) Regulations 2021 reg 5(3)(a),
  as amended by S 225/2023 (https://laws.sg/legislation/sub-leg-2001-faa-s912-2021/reg-5): within
  2 business days after the date the complaint is received, a written acknowledgment "and the
  written notice mentioned in regulation 7(2)". Calendar: Asia/Singapore, Mon-Fri 09:00-17:00,
  counted from the day of receipt.
- CBB Rulebook BC-2.3.2(a) (October 2010, https://cbben.thomsonreuters.com/entiresection/501310):
  acknowledge within 5 business days and explain how the complaint will be handled and any actions
  required of the customer. Calendar: Asia/Bahrain, Sun-Thu 08:00-16:00, from the day of receipt.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from compliance_checks.model import Stage
from tests.regulatory.helpers import letter, pack, record, ref, run

SINGAPORE = ZoneInfo("Asia/Singapore")
BAHRAIN = ZoneInfo("Asia/Bahrain")


def at(tz: ZoneInfo, day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=tz)


def _singapore(now: datetime, **elements: bool):
    """Received Mon 2 Mar 10:00 SGT. Business days after the day of receipt: Tue 3, Wed 4 (no
    Singapore public holiday) -> due Wed 4 Mar 17:00 SGT. Acknowledged Mon 2 Mar 15:00."""
    ack = letter("acknowledgement", "comment:11", at(SINGAPORE, 2, 15), elements=elements)
    rec = record(
        at(SINGAPORE, 2),
        stage=Stage.INVESTIGATING,
        acknowledged=ref("comment:11", at(SINGAPORE, 2, 15)),
        letters=(ack,),
    )
    return run("singapore-fa", "acknowledgement-content", rec, now)


def test_singapore_acknowledgement_with_the_reg7_notice_passes():
    result = _singapore(at(SINGAPORE, 3), reg7_notice=True)
    assert result.status.value == "PASS", result.message
    assert result.due_at == at(SINGAPORE, 4, 17)


def test_singapore_acknowledgement_without_the_reg7_notice_fails_after_the_deadline():
    """Thu 5 Mar 09:00, after Wed 4 Mar 17:00: the acknowledgement lacks the notice -> FAIL."""
    result = _singapore(at(SINGAPORE, 5, 9))
    assert result.status.value == "FAIL", result.message
    assert result.message.startswith("Acknowledgement does not show: reg7 notice")
    assert "reg 5(3)(a), 7(2)" in result.message
    assert result.facts["missing"] == "reg7 notice"
    assert result.due_at == at(SINGAPORE, 4, 17)


def test_singapore_acknowledgement_without_the_notice_is_pending_before_the_deadline():
    """Tue 3 Mar 10:00: the notice may still follow by Wed 4 Mar 17:00 -> PENDING."""
    result = _singapore(at(SINGAPORE, 3))
    assert result.status.value == "PENDING", result.message
    assert "due by 2026-03-04 17:00" in result.message


def test_singapore_notice_in_a_second_message_before_the_deadline_counts():
    """Acknowledged Mon 2 Mar 15:00 without the notice; the notice follows in a recognised
    acknowledgement letter Wed 4 Mar 11:00 (before 17:00): PASS. One sent Thu 5 Mar is late."""
    first = letter("acknowledgement", "comment:11", at(SINGAPORE, 2, 15))
    second = letter("acknowledgement", "comment:12", at(SINGAPORE, 4, 11), elements={"reg7_notice": True})
    late = letter("acknowledgement", "comment:13", at(SINGAPORE, 5, 11), elements={"reg7_notice": True})
    base = {"stage": Stage.INVESTIGATING, "acknowledged": ref("comment:11", at(SINGAPORE, 2, 15))}
    on_time = record(at(SINGAPORE, 2), letters=(first, second), **base)
    too_late = record(at(SINGAPORE, 2), letters=(first, late), **base)
    assert run("singapore-fa", "acknowledgement-content", on_time, at(SINGAPORE, 6)).status.value == "PASS"
    assert run("singapore-fa", "acknowledgement-content", too_late, at(SINGAPORE, 6)).status.value == "FAIL"


def test_singapore_acknowledged_but_content_not_mapped_is_never_pass():
    """Acknowledged (first public reply) but no acknowledgement letter recognised (the mapping has
    no regulatory.acknowledgement rule): pending before the deadline, FAIL after."""
    rec = record(
        at(SINGAPORE, 2), stage=Stage.INVESTIGATING, acknowledged=ref("comment:11", at(SINGAPORE, 2, 15))
    )
    before = run("singapore-fa", "acknowledgement-content", rec, at(SINGAPORE, 2, 16))
    after = run("singapore-fa", "acknowledgement-content", rec, at(SINGAPORE, 5, 9))
    assert before.status.value in ("PENDING", "AT_RISK"), before.message
    assert after.status.value == "FAIL", after.message
    assert "overdue since 2026-03-04 17:00" in after.message


def _bahrain(now: datetime, **elements: bool):
    """Received Sun 1 Mar 09:00 AST (a working day in Bahrain). Business days after the day of
    receipt: Mon 2, Tue 3, Wed 4, Thu 5, (Fri 6, Sat 7 weekend) Sun 8 -> due Sun 8 Mar 16:00.
    Acknowledged Mon 2 Mar 10:00."""
    ack = letter("acknowledgement", "comment:21", at(BAHRAIN, 2), elements=elements)
    rec = record(
        at(BAHRAIN, 1, 9),
        stage=Stage.INVESTIGATING,
        acknowledged=ref("comment:21", at(BAHRAIN, 2)),
        letters=(ack,),
    )
    return run("bahrain-cbb", "acknowledgement-content", rec, now)


def test_bahrain_acknowledgement_with_the_handling_explanation_passes():
    result = _bahrain(at(BAHRAIN, 3), handling_explanation=True)
    assert result.status.value == "PASS", result.message
    assert result.due_at == at(BAHRAIN, 8, 16)


def test_bahrain_acknowledgement_without_the_explanation_fails():
    """Mon 9 Mar 10:00, after Sun 8 Mar 16:00: no explanation of how it will be handled -> FAIL."""
    result = _bahrain(at(BAHRAIN, 9))
    assert result.status.value == "FAIL", result.message
    assert result.message == "Acknowledgement does not show: handling explanation (CBB Rulebook BC-2.3.2(a))"
    assert result.due_at == at(BAHRAIN, 8, 16)
    # Thu 5 Mar: before the deadline -> PENDING.
    assert _bahrain(at(BAHRAIN, 5)).status.value == "PENDING"


def test_packs_without_prescribed_acknowledgement_content_do_not_run_the_check():
    assert "acknowledgement-content" not in {c.id for c in pack("fca-disp").checks}
