"""The calendar's receipt rule: ``next_opening`` (ISO baseline) vs ``day_of_receipt`` (packs).

Worked by hand on 2026 dates, 09:00-17:00 Mon-Fri. Sources (also in the packs' comments):
FCA DISP 1.5.1R (in force 30/06/2016): resolved "by close of business on the third business day
following the day on which it is received"; the old DISP 1.5.3G (a complaint received on a
non-business day or after close may be treated as received on the next business day) was deleted
from 30/06/2016 (https://public-ui-fcahandbook-dev.azurewebsites.net/handbook/disp1/disp1s5; old
text https://handbook.fca.org.uk/handbook/DISP/1/5.html?date=2012-02-14). Singapore FA (Complaints
Handling and Resolution) Regulations 2021 reg 5: counted "after the date on which the complaint is
received" (no deeming rule).
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from compliance_checks import load_policy
from compliance_checks.calendar import BusinessCalendar, CalendarConfig, Duration, ReceiptRule
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import ComplainantResponse, Stage
from connector.cli import app
from tests.regulatory.helpers import FCA_SUMMARY_ELEMENTS, letter, pack, record, ref, run

LONDON = ZoneInfo("Europe/London")
SINGAPORE = ZoneInfo("Asia/Singapore")
POLICIES = PACKS_DIR.parent


def at(tz: ZoneInfo, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


def close(tz: ZoneInfo, month: int, day: int) -> datetime:
    return datetime.combine(datetime(2026, month, day).date(), time(17), tzinfo=tz)


def test_every_pack_sets_its_receipt_rule_and_the_baseline_keeps_next_opening() -> None:
    for path in sorted(PACKS_DIR.glob("*.yaml")):
        assert "  receipt: day_of_receipt" in path.read_text(encoding="utf-8"), path.name
        assert pack(path.stem).calendar.config.receipt is ReceiptRule.DAY_OF_RECEIPT, path.name
    baseline = (POLICIES / "iso10002-baseline.yaml").read_text(encoding="utf-8")
    assert "  receipt: next_opening" in baseline
    assert CalendarConfig().receipt is ReceiptRule.NEXT_OPENING


def test_fca_saturday_receipt_resolved_on_the_fourth_business_day_is_not_a_summary_resolution() -> None:
    """Received Sat 7 Mar 2026 11:00 GMT. DISP 1.5.1R: the 3 business days following the day of
    receipt (Sat 7) are Mon 9, Tue 10, Wed 11 -> resolved by Wed 11 Mar 17:00. Resolved and
    accepted Thu 12 Mar 10:00 (the 4th business day): not a summary resolution, the final
    response rules apply. (With the old next-opening rule receipt became Mon 9 and the window ran
    to Thu 12 17:00, so this passed as a summary resolution.)"""
    received = at(LONDON, 3, 7, 11)
    decided = at(LONDON, 3, 12, 10)
    summary = letter(
        "summary_resolution",
        "comment:50",
        at(LONDON, 3, 12, 11),
        ombudsman_rights=True,
        elements=FCA_SUMMARY_ELEMENTS,
    )
    rec = record(
        received,
        stage=Stage.RESOLVED,
        decided=ref("changelog:9", decided),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:10", decided),
        letters=(summary,),
    )
    result = run("fca-disp", "summary-resolution", rec, at(LONDON, 3, 13))
    assert result.status.value == "NOT_APPLICABLE", result.message
    assert "2026-03-11 17:00" in result.message
    # The same resolution on Wed 11 (3rd business day) is a summary resolution.
    early = rec.model_copy(
        update={
            "decided": ref("changelog:9", at(LONDON, 3, 11, 10)),
            "accepted": ref("changelog:10", at(LONDON, 3, 11, 10)),
        }
    )
    assert run("fca-disp", "summary-resolution", early, at(LONDON, 3, 13)).status.value == "PASS"


def test_weekday_after_hours_receipt_counts_from_that_day() -> None:
    """Received Tue 10 Mar 2026 20:00 GMT (after the 17:00 close). Day of receipt: Tue 10; the 3
    business days following it: Wed 11, Thu 12, Fri 13 -> due Fri 13 Mar 17:00. Next opening
    (ISO baseline): received Wed 11 09:00; 3 bd after Wed 11: Thu 12, Fri 13, Mon 16 -> Mon 16."""
    received = at(LONDON, 3, 10, 20)
    three = Duration.parse("3 business days")
    fca = pack("fca-disp").calendar
    assert fca.due(received, three) == close(LONDON, 3, 13)
    baseline_like = BusinessCalendar(fca.config.model_copy(update={"receipt": ReceiptRule.NEXT_OPENING}))
    assert baseline_like.due(received, three) == close(LONDON, 3, 16)
    # Before opening on a business day both rules agree: Tue 10 07:00 -> Fri 13.
    assert fca.due(at(LONDON, 3, 10, 7), three) == baseline_like.due(at(LONDON, 3, 10, 7), three)


def test_singapore_acknowledgement_one_day_late_fails() -> None:
    """Received Fri 6 Mar 2026 18:00 SGT (after close). Reg 5: acknowledge within 2 business days
    after the date of receipt (Fri 6): Mon 9, Tue 10 -> due Tue 10 Mar 17:00 SGT (no holiday that
    week). Acknowledged Wed 11 Mar 10:00: one day late -> FAIL. (The next-opening rule made receipt
    Mon 9 and the due time Wed 11 17:00, so this passed.)"""
    received = at(SINGAPORE, 3, 6, 18)
    rec = record(received, acknowledged=ref("comment:7", at(SINGAPORE, 3, 11, 10)))
    result = run("singapore-fa", "acknowledged-in-time", rec, at(SINGAPORE, 3, 12))
    assert result.status.value == "FAIL", result.message
    assert result.due_at == close(SINGAPORE, 3, 10)


def test_baseline_keeps_next_opening() -> None:
    """ISO baseline (09:00-17:30 Mon-Thu, 17:00 Fri): received Sat 7 Mar 2026 -> next opening Mon 9
    09:00; 3 business days after Mon 9: Tue 10, Wed 11, Thu 12 -> Thu 12 Mar 17:30 GMT."""
    calendar = load_policy(POLICIES / "iso10002-baseline.yaml").calendar
    assert calendar.config.receipt is ReceiptRule.NEXT_OPENING
    due = calendar.due(at(LONDON, 3, 7, 11), Duration.parse("3 business days"))
    assert due == datetime(2026, 3, 12, 17, 30, tzinfo=LONDON)


@pytest.mark.parametrize("value", ["next_business_day", "", "1"])
def test_bad_receipt_value_is_a_config_error_with_file_and_key(tmp_path: Path, value: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"extends: fca-disp\nname: child\ncalendar:\n  receipt: '{value}'\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate-config", "--policy", str(policy)])
    assert result.exit_code == 2, result.output
    assert str(policy) in result.stdout
    assert "calendar.receipt" in result.stdout
    assert "Traceback" not in result.output
