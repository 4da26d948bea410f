"""Hand-worked cases, pack ``singapore-fa``, run through ``iso10002 check`` on Zendesk and Jira Cloud.

Primary text: Financial Advisers (Complaints Handling and Resolution) Regulations 2021, reg 5(3)
(as amended by S 225/2023; https://laws.sg/legislation/sub-leg-2001-faa-s912-2021/reg-5):
(a) a written acknowledgment "within 2 business days after the date on which the complaint is
received"; (e) "within 20 business days after the date on which the complaint is received" the
final response, or a written response giving the reason for the delay. No deeming rule: a clock
counts from the day of receipt whatever the hour (pack ``receipt: day_of_receipt``).
Calendar: Asia/Singapore (UTC+8, no DST), Mon-Fri 09:00-17:00, Singapore public holidays (the
``holidays`` package, SG 2026: National Day Sun 9 Aug, observed Mon 10 Aug; Deepavali Sun 8 Nov,
observed Mon 9 Nov). A deadline is 17:00 SGT = 09:00 UTC of the last business day.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, assert_finding, check_both

SG = ZoneInfo("Asia/Singapore")
UTC = ZoneInfo("UTC")
PACK = "singapore-fa"
FINAL = ("decision", "reasons", "ombudsman_rights")


def sg(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SG)


def test_acknowledgement_of_a_saturday_complaint_skips_the_weekend_and_national_day(tmp_path: Path) -> None:
    """Reg 5(3)(a), 2 business days.

    Received Sat 8 Aug 2026 11:00 SGT (a closed day). Day of receipt Sat 8 Aug; after it: Sun 9
    Aug (weekend, National Day), Mon 10 Aug (National Day observed: closed), Tue 11 Aug (1), Wed 12
    Aug (2): due Wed 12 Aug 17:00 SGT = 09:00 UTC. Acknowledged Wed 12 Aug 16:00 SGT: PASS (without
    the observed holiday the deadline would be Tue 11 Aug and this acknowledgement late).
    """
    case = Case(received=sg(8, 8, 11), steps=[Reply(sg(8, 12, 16))])
    results = check_both(case, PACK, as_of=sg(8, 13, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", datetime(2026, 8, 12, 9, tzinfo=UTC))


# Received Fri 30 Oct 2026 19:30 SGT, after hours; the day of receipt is Fri 30 Oct all the same.
# 20 business days after it: Mon 2 - Fri 6 Nov (5), Mon 9 Nov Deepavali observed (closed),
# Tue 10 - Fri 13 (9), 16-20 (14), 23-27 (19), Mon 30 Nov (20): due Mon 30 Nov 17:00 SGT
# = 09:00 UTC, the last day of the month. (Counting from the next opening, Mon 2 Nov, would give
# Tue 1 Dec: a late response would pass.)
AFTER_HOURS = sg(10, 30, 19, 30)
DUE_30_NOV = datetime(2026, 11, 30, 9, tzinfo=UTC)


def test_delay_notice_with_reasons_by_day_20_meets_reg_5_3_e(tmp_path: Path) -> None:
    """Reg 5(3)(e)(ii): a written response with the reason for the delay, by day 20.

    Acknowledged Mon 2 Nov 10:00; delay notice with its reasons Fri 27 Nov 10:00 SGT (day 19),
    before the deadline Mon 30 Nov 17:00 SGT: regulatory-response PASS (the notice stops the
    clock: ``stop_on`` holding_response) and holding-response PASS (on time, reasons present).
    """
    case = Case(
        received=AFTER_HOURS,
        steps=[Reply(sg(11, 2, 10)), Reply(sg(11, 27, 10), letter="holding_response", content=("reasons",))],
    )
    results = check_both(case, PACK, as_of=sg(12, 1, 10), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", DUE_30_NOV)
    assert_finding(results, "holding-response", "PASS", DUE_30_NOV)


def test_after_hours_complaint_final_response_the_day_after_the_month_end_is_late(tmp_path: Path) -> None:
    """Same receipt; no delay notice; final response Tue 1 Dec 09:30 SGT, after the deadline
    Mon 30 Nov 17:00 SGT: regulatory-response FAIL; holding-response FAIL (no final response and no
    delay notice by the deadline)."""
    case = Case(
        received=AFTER_HOURS,
        steps=[
            Reply(sg(11, 2, 10)),
            Reply(sg(12, 1, 9, 30), letter="final_response", content=FINAL),
        ],
    )
    results = check_both(case, PACK, as_of=sg(12, 2, 10), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "FAIL", DUE_30_NOV)
    assert_finding(results, "holding-response", "FAIL", DUE_30_NOV)
