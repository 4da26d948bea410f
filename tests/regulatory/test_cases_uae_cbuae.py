"""Hand-worked cases, pack ``uae-cbuae``, run through ``iso10002 check`` on Zendesk and Jira Cloud.

Primary text: CBUAE rulebook 17.3 "Turnaround Time" (N 35/2018 STA;
https://cbuae.thomsonreuters.com/en/rulebook/173-turnaround-time): 17.3.1 a confirmation of
receipt "within two (2) business days"; 17.3.2 / 17.3.3 resolution and final response "within ten
(10) business days". (Consumer Protection Standards C 8/2020, effective 25/12/2020, 8.1.2.5: a
written acknowledgment "within 2 complete business days".) No deeming rule: counted from the day
of receipt. Calendar (pack, working week unconfirmed): Asia/Dubai (UTC+4, no DST), Mon-Thu
08:00-16:00, Fri 08:00-12:00, weekend Sat-Sun (the federal working week since 1 Jan 2022); UAE
public holidays (``holidays`` package, AE 2026: National Day Wed 2 and Thu 3 Dec).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, assert_finding, check_both

AE = ZoneInfo("Asia/Dubai")
UTC = ZoneInfo("UTC")
PACK = "uae-cbuae"
FINAL = ("decision", "reasons")


def ae(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AE)


def test_saturday_complaint_is_confirmed_by_the_second_business_day_after_the_weekend(tmp_path: Path) -> None:
    """17.3.1, 2 business days; weekend Sat-Sun.

    Received Sat 24 Oct 2026 10:00 GST. Day of receipt Sat 24; Sun 25 closed (weekend since 2022;
    it was a working day under the old Fri-Sat week); Mon 26 (1), Tue 27 (2): due Tue 27 Oct 16:00
    GST = 12:00 UTC. Confirmation Tue 27 Oct 15:00 GST: PASS.
    """
    case = Case(received=ae(10, 24, 10), steps=[Reply(ae(10, 27, 15))])
    results = check_both(case, PACK, as_of=ae(10, 28, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", datetime(2026, 10, 27, 12, tzinfo=UTC))


# Received Mon 30 Nov 2026 17:30 GST: after hours, the last day of the month; the day of receipt is
# Mon 30 Nov all the same. Business days after it: Tue 1 Dec (1), Wed 2 and Thu 3 Dec National Day
# (closed), Fri 4 Dec (2; the working day ends at 12:00), Mon 7 (3), Tue 8 (4), Wed 9 (5), Thu 10
# (6), Fri 11 (7), Mon 14 (8), Tue 15 (9), Wed 16 Dec (10).
MONTH_END = ae(11, 30, 17, 30)


def test_confirmation_after_fridays_noon_close_is_late(tmp_path: Path) -> None:
    """17.3.1: 2 business days from Mon 30 Nov: due Fri 4 Dec 12:00 GST (Friday's close) = 08:00
    UTC. Confirmation Fri 4 Dec 13:00 GST, after the close: FAIL."""
    case = Case(received=MONTH_END, steps=[Reply(ae(12, 4, 13))])
    results = check_both(case, PACK, as_of=ae(12, 7, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "FAIL", datetime(2026, 12, 4, 8, tzinfo=UTC))


def test_final_response_on_the_tenth_business_day_after_national_day(tmp_path: Path) -> None:
    """17.3.3: 10 business days from Mon 30 Nov: due Wed 16 Dec 16:00 GST = 12:00 UTC. Confirmed
    Tue 1 Dec 09:00; final response (decision and reasons) Wed 16 Dec 15:00 GST: PASS (without the
    two National Day holidays the deadline would be Mon 14 Dec and the response late)."""
    case = Case(
        received=MONTH_END,
        steps=[Reply(ae(12, 1, 9)), Reply(ae(12, 16, 15), letter="final_response", content=FINAL)],
    )
    results = check_both(case, PACK, as_of=ae(12, 17, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", datetime(2026, 12, 4, 8, tzinfo=UTC))
    assert_finding(results, "regulatory-response", "PASS", datetime(2026, 12, 16, 12, tzinfo=UTC))
