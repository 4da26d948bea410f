"""ASIC RG 271 (July 2020, in effect 5 Oct 2021) clocks of the asic-rg271 pack, worked by hand.

Pack calendar: Australia/Sydney, NSW holidays, 09:00-17:00 Mon-Fri (AEDT until Sun 5 Apr 2026,
AEST after). ``N days`` is due at the end of the calendar day N days after the local day of
receipt (weekends and holidays count); ``N business days`` at the close of the N-th business day
after the (effective) day of receipt. Figures and their sources: the pack's provenance block.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from compliance_checks import load_policy
from compliance_checks.calendar import END_OF_DAY
from compliance_checks.model import ComplainantResponse, Letter
from compliance_checks.registry import CheckResult
from tests.regulatory.helpers import letter, pack, record, ref, run, run_policy

SYDNEY = ZoneInfo("Australia/Sydney")
MELBOURNE = ZoneInfo("Australia/Melbourne")


def t(y: int, mo: int, d: int, h: int = 10, mi: int = 0, tz: ZoneInfo = SYDNEY) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


def eod(y: int, mo: int, d: int) -> datetime:
    return datetime.combine(datetime(y, mo, d).date(), END_OF_DAY, tzinfo=SYDNEY)


def expect(result: CheckResult, status: str, due: datetime) -> None:
    assert result.status.value == status, result.message
    assert result.due_at == due, (result.due_at, due)


# ---- acknowledgement: "within 24 hours (or one business day)", the later, from the receipt day --


def test_ack_after_hours_on_a_weekend_is_due_at_the_close_of_the_next_business_day():
    # Sat 7 Mar 2026 20:00 AEDT. 24 hours -> Sun 8 Mar 20:00; 1 business day after the day of
    # receipt (Sat 7; Mon 9 Mar is no NSW holiday) -> close of Mon 9 Mar, 17:00 AEDT. The later:
    # Mon 9 Mar 17:00 (not two business days, as the old after-hours cut-off gave: Tue 10 Mar).
    received = t(2026, 3, 7, 20)
    on_time = record(received, acknowledged=ref("comment:1", t(2026, 3, 9, 9, 30)))
    due = t(2026, 3, 9, 17)
    expect(run("asic-rg271", "regulatory-acknowledged", on_time, t(2026, 3, 9, 10)), "PASS", due)
    late = record(received, acknowledged=ref("comment:2", t(2026, 3, 10, 9)))
    expect(run("asic-rg271", "regulatory-acknowledged", late, t(2026, 3, 10, 10)), "FAIL", due)


def test_ack_across_a_victorian_holiday(tmp_path: Path):
    # Victoria (Labour Day Mon 9 Mar 2026). Received Fri 6 Mar 16:30 AEDT: 24 hours -> Sat 7 Mar
    # 16:30; 1 business day skips the weekend and Labour Day -> Tue 10 Mar 17:00. The later: Tue.
    child = tmp_path / "vic.yaml"
    child.write_text(
        "extends: asic-rg271\nname: vic\n"
        "calendar: {timezone: Australia/Melbourne, holidays: {subdivision: VIC}}\n",
        encoding="utf-8",
    )
    received = t(2026, 3, 6, 16, 30, tz=MELBOURNE)
    rec = record(received, acknowledged=ref("comment:3", t(2026, 3, 10, 18, tz=MELBOURNE)))
    result = run_policy(load_policy(child), "regulatory-acknowledged", rec, t(2026, 3, 11, 9, tz=MELBOURNE))
    expect(result, "FAIL", t(2026, 3, 10, 17, tz=MELBOURNE))
    assert result.facts["alternative"] == "later of 24 hours and 1 business day"
    # In NSW (no holiday on 9 Mar) the same Tuesday-evening acknowledgement is a day late too:
    # due at the close of Mon 9 Mar.
    nsw = run("asic-rg271", "regulatory-acknowledged", record(t(2026, 3, 6, 16, 30)), t(2026, 3, 6, 17))
    assert nsw.due_at == t(2026, 3, 9, 17)


def test_ack_at_month_end_late_evening():
    # Tue 31 Mar 2026 23:00 AEDT + 24 hours -> Wed 1 Apr 23:00 AEDT; 1 business day counted from
    # the day of receipt (the pack's receipt rule: Tue 31 Mar) -> close of Wed 1 Apr, 17:00 AEDT
    # (Sydney leaves daylight time on Sun 5 Apr). The later of the two: Wed 1 Apr 23:00.
    rec = record(t(2026, 3, 31, 23))
    expect(run("asic-rg271", "regulatory-acknowledged", rec), "PENDING", t(2026, 4, 1, 23))


# ---- traditional trustee: 45 calendar days ------------------------------------------------


def test_traditional_trustee_45_days_from_a_weekend_month_end_evening():
    # Sat 31 Jan 2026 20:00 AEDT: the day of receipt is Sat 31 Jan (calendar days, no opening
    # shift). +28 -> Sat 28 Feb, +45 -> Tue 17 Mar, end of day AEDT (not the 30-day default,
    # which would be Mon 2 Mar).
    rec = record(t(2026, 1, 31, 20), category="Traditional Trustee")
    expect(run("asic-rg271", "regulatory-response", rec, t(2026, 3, 3)), "PENDING", eod(2026, 3, 17))
    late = run("asic-rg271", "regulatory-response", rec, t(2026, 3, 18, 9))
    expect(late, "FAIL", eod(2026, 3, 17))
    assert late.facts["target"] == "45 days"


# ---- superannuation death benefit: 90 calendar days, counted from receipt -------------------


def test_death_benefit_90_days_over_anzac_day():
    # Fri 24 Apr 2026 18:30 AEST (after hours; ANZAC Day Sat 25, observed Mon 27 Apr in NSW: no
    # effect on calendar days). Counted from receipt (the 28-day objection period's end is not on
    # the record; receipt is never later): 24 Apr +6 -> 30 Apr, +37 -> 31 May, +67 -> 30 Jun,
    # +90 -> Thu 23 Jul 2026, end of day AEST.
    rec = record(t(2026, 4, 24, 18, 30), category="death benefit")
    expect(run("asic-rg271", "regulatory-response", rec, t(2026, 5, 25)), "PENDING", eod(2026, 7, 23))
    answered = rec.model_copy(update={"letters": (_final("comment:9", t(2026, 7, 23, 16)),)})
    expect(run("asic-rg271", "regulatory-response", answered, t(2026, 7, 24)), "PASS", eod(2026, 7, 23))


def _final(source: str, when: datetime) -> Letter:
    return letter("final_response", source, when, decision=True, reasons=True, ombudsman_rights=True)


# ---- the 5-business-day no-written-response rule and its exclusions ------------------------

# Received Fri 24 Apr 2026 16:00 AEST; resolved and accepted Thu 30 Apr 10:00. 5 business days
# (NSW): Mon 27 Apr (ANZAC Day observed) skipped -> 28, 29, 30 Apr, 1 May, Mon 4 May 17:00 AEST.
RECEIVED = t(2026, 4, 24, 16)
RESOLVED = {
    "decided": ref("changelog:5", t(2026, 4, 30)),
    "complainant_response": ComplainantResponse.ACCEPTED,
    "accepted": ref("changelog:6", t(2026, 4, 30)),
}
NOW = t(2026, 4, 30, 11)


def test_resolved_within_5_business_days_needs_no_written_response():
    rec = record(RECEIVED, **RESOLVED)
    window_end = datetime.combine(datetime(2026, 5, 4).date(), time(17), tzinfo=SYDNEY)
    expect(run("asic-rg271", "regulatory-response", rec, NOW), "PASS", window_end)
    assert run("asic-rg271", "final-response-content", rec, NOW).status.value == "NOT_APPLICABLE"


def test_hardship_and_default_notice_complaints_still_need_the_written_response():
    # Credit hardship / default notice: 21 days from Fri 24 Apr -> Fri 15 May, end of day AEST;
    # the early acceptance does not stop that clock, and the final response letter is due one
    # business day after the decision (Thu 30 Apr 10:00 -> close of Fri 1 May).
    for category in ("credit hardship", "Default Notice"):
        rec = record(RECEIVED, category=category, **RESOLVED)
        response = run("asic-rg271", "regulatory-response", rec, NOW)
        expect(response, "PENDING", eod(2026, 5, 15))
        assert "written response is required" in str(response.facts["accepted_within_excluded"])
        letter_due = run("asic-rg271", "final-response-content", rec, t(2026, 5, 4, 9))
        expect(letter_due, "FAIL", datetime.combine(datetime(2026, 5, 1).date(), time(17), tzinfo=SYDNEY))


def test_the_pack_cites_each_figure():
    params = {c.id: c.params for c in pack("asic-rg271").checks}
    response = params["regulatory-response"]
    assert response.target is not None
    assert {k.casefold() for k in response.target.by_category} >= {"traditional trustee", "death benefit"}
    assert response.accepted_within_excludes == ["credit hardship", "default notice"]
    assert params["final-response-content"].accepted_within_excludes == ["credit hardship", "default notice"]


def test_an_agent_comment_of_unknown_visibility_is_named_not_counted():
    """A Data Center comment whose visibility could not be read (``public`` None) is no
    acknowledgement; the finding names it so a reviewer can check it by hand."""
    from compliance_checks.model import ActorRole, Event, EventKind, SourceKind

    received = t(2026, 3, 2, 10)
    unknown = Event(at=t(2026, 3, 2, 11), kind=EventKind.COMMENT, source_kind=SourceKind.COMMENT,
                    source_id="501", actor_role=ActorRole.AGENT, actor_id="a1", public=None)
    rec = record(received, timeline=(unknown,))
    result = run("asic-rg271", "regulatory-acknowledged", rec, t(2026, 3, 2, 12))
    assert result.status.value != "PASS"  # the comment is not an acknowledgement
    assert result.facts["visibility_unknown"] == 1
    named = [e for e in result.evidence if e.ref == "comment:501"]
    assert len(named) == 1 and "visibility unknown" in named[0].note
