"""Hand-worked FCA DISP cases (pack ``fca-disp``), each run through ``iso10002 check`` on a Zendesk and
a Jira Cloud export (``tests/regulatory/cases.py``).

Rules (FCA Handbook, DISP 1 as in force 2026): DISP 1.6.1R(1) prompt written acknowledgement (no
number: the pack's firm target, 3 business days); DISP 1.6.2R final response or holding response
with ombudsman rights by the end of 8 weeks after receipt; DISP 1.6.2AR payment services / e-money
complaints 15 business days after receipt, 35 with a holding reply in exceptional circumstances;
DISP 1.5.1R summary resolution communication for complaints resolved by close of the 3rd business
day after the day of receipt. Calendar: England and Wales bank holidays (``holidays`` GB/ENG: Good
Friday 3 Apr, Easter Monday 6 Apr, early May 4 May 2026), Europe/London, 09:00-17:00 Mon-Fri; every
clock counts from the day of receipt (DISP 1.5.3G's next-business-day deeming deleted 30/06/2016).
BST (UTC+1) from Sun 29 Mar to Sun 25 Oct 2026.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Field, Reply, Status, assert_finding, check_both

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# DISP 1.6.2R(1)(a)-(f) with the DISP 1 Annex 3R wording (the pack's final-response-content).
FINAL = (
    "decision",
    "reasons",
    "remedy",
    "ombudsman_rights",
    "ombudsman_leaflet",
    "ombudsman_website",
    "time_limit_six_months",
    "consent_to_waive_wording",
)
# DISP 1.5.4R(1)-(4): resolved, may refer to the FOS, the Annex 3R waiver wording, the FOS website.
SUMMARY = ("resolved_statement", "ombudsman_rights", "consent_to_waive_wording", "ombudsman_website")
HOLDING = ("reasons", "ombudsman_rights")


def ldn(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, micro, tzinfo=UTC)


def test_acknowledgement_after_hours_friday_before_the_clocks_go_forward(tmp_path: Path):
    """Received Fri 27 Mar 2026 18:30 GMT: after hours, before a weekend, two days before BST starts
    (Sun 29 Mar). Firm target 3 business days from the day of receipt (Fri 27): Mon 30 (1), Tue 31
    (2, month end), Wed 1 Apr (3): due Wed 1 Apr 17:00 BST = 16:00 UTC (not 17:00 UTC: the clocks
    moved). Acknowledged (public reply) Wed 1 Apr 16:30 BST: PASS.
    """
    case = Case(received=ldn(3, 27, 18, 30), steps=[Reply(ldn(4, 1, 16, 30))])
    results = check_both(case, "fca-disp", as_of=ldn(4, 2, 9), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", utc(4, 1, 16))


def test_eight_week_holding_response_on_the_last_day_across_the_october_clock_change(tmp_path: Path):
    """Received Fri 23 Oct 2026 18:30 BST (after hours; BST ends Sun 25 Oct). DISP 1.6.2R: by the end
    of 8 weeks = 56 calendar days after the day of receipt: Fri 18 Dec 2026, end of day 23:59:59.999999
    GMT (= UTC). A holding response (reasons, new date, Financial Ombudsman Service rights: DISP
    1.6.2R(2)) sent Fri 18 Dec 16:00 satisfies the time rule: regulatory-response PASS (the holding
    response is a stop event in this pack) and holding-response PASS, both due 18 Dec 23:59:59.999999.
    """
    case = Case(
        received=ldn(10, 23, 18, 30),
        steps=[
            Reply(ldn(10, 26, 10)),
            Reply(ldn(12, 18, 16), letter="holding_response", content=HOLDING, new_date=date(2027, 1, 29)),
        ],
    )
    results = check_both(case, "fca-disp", as_of=ldn(12, 21, 9), tmp_path=tmp_path)
    due = utc(12, 18, 23, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "PASS", due)
    assert_finding(results, "holding-response", "PASS", due)


def test_eight_weeks_missed_by_a_day(tmp_path: Path):
    """Received Sat 31 Jan 2026 11:00 GMT (weekend, month end). 8 weeks = 56 days after Sat 31 Jan: Sat
    28 Mar 2026 (the day before BST starts), end of day 23:59:59.999999 GMT. Final response (decision,
    reasons, remedy, FOS rights) Mon 30 Mar 10:00 BST: after the deadline: FAIL, due 28 Mar
    23:59:59.999999 UTC; no holding letter was sent by then: holding-response FAIL with the same due;
    the letter itself is complete: final-response-content PASS.
    """
    case = Case(
        received=ldn(1, 31, 11),
        steps=[
            Reply(ldn(2, 2, 10)),
            Reply(ldn(3, 30, 10), letter="final_response", content=FINAL),
            Status(ldn(3, 30, 10), "resolved"),
        ],
    )
    results = check_both(case, "fca-disp", as_of=ldn(4, 1, 9), tmp_path=tmp_path)
    due = utc(3, 28, 23, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "FAIL", due)
    assert_finding(results, "holding-response", "FAIL", due)
    # Late, but complete (decision, reasons, remedy, FOS rights: DISP 1.6.2R, DISP 1 Annex 3R).
    assert_finding(results, "final-response-content", "PASS", None)


def test_payment_services_weekend_receipt_easter_and_may_bank_holidays(tmp_path: Path):
    """Payment services (DISP 1.6.2AR), category "Payment services". Received Sat 28 Mar 2026 11:00
    GMT (weekend; BST starts the next day). 15 business days after Sat 28 Mar: Mon 30 (1), Tue 31 (2),
    Wed 1 Apr (3), Thu 2 (4), Good Friday 3 and Easter Monday 6 closed, Tue 7 - Fri 10 (8), 13-17 (13),
    Mon 20 (14), Tue 21 Apr (15): due Tue 21 Apr 17:00 BST = 16:00 UTC. Holding reply (reasons, FOS
    rights, new date 15 May) Mon 20 Apr: holding-response PASS, due 21 Apr 16:00 UTC.
    35 business days: Wed 22 - Fri 24 Apr (18), 27-30 Apr (22), Fri 1 May (23), Mon 4 May bank holiday
    closed, Tue 5 - Fri 8 (27), 11-15 (32), Mon 18 (33), Tue 19 (34), Wed 20 May (35): due Wed 20 May
    17:00 BST = 16:00 UTC. Final response Thu 21 May 10:00: regulatory-response FAIL, due 20 May 16:00.
    """
    case = Case(
        received=ldn(3, 28, 11),
        category="Payment services",
        steps=[
            Reply(ldn(3, 30, 10)),
            Reply(ldn(4, 20, 10), letter="holding_response", content=HOLDING, new_date=date(2026, 5, 15)),
            Reply(ldn(5, 21, 10), letter="final_response", content=FINAL),
            Status(ldn(5, 21, 10), "resolved"),
        ],
    )
    results = check_both(case, "fca-disp", as_of=ldn(5, 22, 9), tmp_path=tmp_path)
    assert_finding(results, "holding-response", "PASS", utc(4, 21, 16))
    assert_finding(results, "regulatory-response", "FAIL", utc(5, 20, 16))


def _summary_case(accepted_at: datetime) -> Case:
    # Resolved Tue 5 May 11:00 BST; the complainant's acceptance recorded at ``accepted_at``.
    return Case(
        received=ldn(4, 30, 16),
        steps=[
            Reply(ldn(5, 1, 9, 30)),
            Status(ldn(5, 5, 11), "resolved"),
            Field(ldn(5, 5, 11), "outcome", "upheld"),
            Field(accepted_at, "complainant_response", "accepted"),
            Reply(ldn(5, 6, 10), letter="summary_resolution", content=SUMMARY),
        ],
    )


def test_summary_resolution_month_end_receipt_across_the_may_bank_holiday(tmp_path: Path):
    """DISP 1.5.1R: received Thu 30 Apr 2026 16:00 BST (month end). Close of the 3rd business day
    after the day of receipt: Fri 1 May (1), Mon 4 May bank holiday closed, Tue 5 (2), Wed 6 May (3):
    Wed 6 May 17:00 BST = 16:00 UTC. Resolved and accepted Tue 5 May 11:00 (within, also under "accepted
    by close of the 3rd business day"): no final response deadline (regulatory-response PASS, due
    6 May 16:00 UTC). Summary resolution communication (with the ombudsman's website, DISP 1.5.4R)
    within the pack's 1 business day of the decision day Tue 5 May: Wed 6 May 17:00 BST; sent Wed 6 May
    10:00: PASS, due 6 May 16:00 UTC.
    """
    results = check_both(_summary_case(ldn(5, 5, 11)), "fca-disp", as_of=ldn(5, 11, 12), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", utc(5, 6, 16))
    assert_finding(results, "summary-resolution", "PASS", utc(5, 6, 16))


def test_acceptance_after_the_third_business_day_leaves_the_eight_week_clock(tmp_path: Path):
    """Same complaint (received Thu 30 Apr 2026 16:00 BST, resolved Tue 5 May 11:00), but the
    complainant accepts on Fri 8 May 10:00, after the close of the 3rd business day (Wed 6 May 17:00
    BST). DISP 1.5.1R needs the complaint resolved *to the complainant's satisfaction* by then, so
    the summary route is closed: summary-resolution NOT_APPLICABLE, and the final response is due by
    the end of 8 weeks: 56 days after Thu 30 Apr = Thu 25 Jun 23:59:59.999999 BST = 22:59:59.999999
    UTC; as of Mon 11 May no final response: regulatory-response PENDING.
    """
    results = check_both(_summary_case(ldn(5, 8, 10)), "fca-disp", as_of=ldn(5, 11, 12), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PENDING", utc(6, 25, 22, 59, 59, 999999))
    for found in results.values():
        assert found["summary-resolution"].status == "NOT_APPLICABLE"


def test_payment_services_holding_reply_without_a_deadline_does_not_buy_the_35_days(tmp_path: Path):
    """DISP 1.6.2AR: in exceptional circumstances a holding reply "clearly indicating the reasons for
    the delay ... and specifying the deadline" by which the final reply comes (at most 35 business
    days). Payment services (product group field). Received Mon 2 Mar 2026 10:00 GMT; 15 business
    days: 3-6 Mar (4), 9-13 (9), 16-20 (14), Mon 23 Mar (15): due Mon 23 Mar 17:00 GMT (= UTC). A
    holding reply Fri 20 Mar with reasons and FOS rights but no deadline; as of Mon 30 Mar 09:00 BST
    no final reply: regulatory-response FAIL, due 23 Mar 17:00 UTC (not PENDING to day 35).
    """
    case = Case(
        received=ldn(3, 2, 10),
        regulatory={"product_group": "Payment services"},
        steps=[Reply(ldn(3, 3, 10)), Reply(ldn(3, 20, 10), letter="holding_response", content=HOLDING)],
    )
    results = check_both(case, "fca-disp", as_of=ldn(3, 30, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "FAIL", utc(3, 23, 17))


def test_eight_week_letter_without_ombudsman_rights_does_not_meet_the_time_rule(tmp_path: Path):
    """DISP 1.6.2R(2): the written response by the end of 8 weeks explains why there is no final
    response yet, says when one is expected, and tells the complainant they may now refer the
    complaint to the Financial Ombudsman Service. Received Mon 5 Jan 2026 10:00 GMT; 8 weeks = 56
    days after Mon 5 Jan: Mon 2 Mar, end of day 23:59:59.999999 GMT (= UTC). A letter Fri 20 Feb
    with reasons and a date (31 Mar) but no FOS rights; as of Tue 10 Mar no final response:
    regulatory-response FAIL (the letter is not a DISP 1.6.2R(2) response) and holding-response FAIL,
    both due 2 Mar 23:59:59.999999 UTC.
    """
    case = Case(
        received=ldn(1, 5, 10),
        steps=[
            Reply(ldn(1, 6, 10)),
            Reply(
                ldn(2, 20, 10), letter="holding_response", content=("reasons",), new_date=date(2026, 3, 31)
            ),
        ],
    )
    results = check_both(case, "fca-disp", as_of=ldn(3, 10, 9), tmp_path=tmp_path)
    due = utc(3, 2, 23, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "FAIL", due)
    assert_finding(results, "holding-response", "FAIL", due)


def test_summary_resolution_communication_missing_after_a_saturday_receipt(tmp_path: Path):
    """DISP 1.5.1R: received Sat 1 Aug 2026 11:00 BST (weekend). 3rd
    business day after Sat 1 Aug: Mon 3 (1), Tue 4 (2), Wed 5 Aug (3): close 17:00 BST = 16:00 UTC.
    Resolved and accepted Tue 4 Aug 15:00: summary route; regulatory-response PASS, due 5 Aug 16:00 UTC.
    The summary resolution communication (DISP 1.5.4R) is due within the pack's 1 business day of the
    decision day Tue 4: Wed 5 Aug 17:00 BST = 16:00 UTC; none sent by Thu 6 Aug: summary-resolution
    FAIL, due 5 Aug 16:00 UTC.
    """
    case = Case(
        received=ldn(8, 1, 11),
        steps=[
            Reply(ldn(8, 3, 9, 30)),
            Status(ldn(8, 4, 15), "resolved"),
            Field(ldn(8, 4, 15), "outcome", "upheld"),
            Field(ldn(8, 4, 15), "complainant_response", "accepted"),
        ],
    )
    results = check_both(case, "fca-disp", as_of=ldn(8, 6, 12), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", utc(8, 5, 16))
    assert_finding(results, "summary-resolution", "FAIL", utc(8, 5, 16))
