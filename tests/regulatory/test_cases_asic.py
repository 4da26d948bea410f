"""Hand-worked ASIC RG 271 cases (pack ``asic-rg271``: New South Wales), each run through ``iso10002
check`` on a Zendesk and a Jira Cloud export (``tests/regulatory/cases.py``).

Rules as the pack reads RG 271 (July 2020, for complaints from 5 Oct 2021; the guide's text was not
retrieved, figures unconfirmed): acknowledge "within 24 hours (or one business day)", the later of
the two counted from the day of receipt; IDR response within 30 calendar days (credit hardship /
default notice 21); an IDR delay notification (reasons, AFCA rights) before the deadline ends the
IDR timeframe (RG 271.60-63); a complaint resolved to the complainant's satisfaction within 5
business days needs no written IDR response, except hardship / default-notice complaints (RG
271.71-75). Calendar: NSW public holidays (``holidays`` AU/NSW: Anzac Day Sat 25 Apr 2026 with the
additional Monday 27 Apr that NSW declared for 2026 and 2027 (NSW Premier, 15 Feb 2026); Labour
Day Mon 5 Oct; Christmas Fri 25 Dec, Boxing Day observed Mon 28 Dec; New Year Fri 1 Jan 2027),
Australia/Sydney 09:00-17:00 Mon-Fri. AEDT (UTC+11) until Sun 5 Apr 2026 and from Sun 4 Oct 2026,
AEST (UTC+10) between.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Field, Reply, Status, assert_finding, check_both

SYDNEY = ZoneInfo("Australia/Sydney")
UTC = ZoneInfo("UTC")
AFCA = "You can take your complaint to the Australian Financial Complaints Authority (AFCA)."


def syd(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SYDNEY)


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0,
        year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def test_acknowledgement_after_hours_friday_over_daylight_saving_start_and_labour_day(tmp_path: Path):
    """Received Fri 2 Oct 2026 18:00 AEST (after hours; AEDT from Sun 4 Oct). 24 hours: Sat 3 Oct
    18:00 AEST. One business day after the day of receipt: Mon 5 Oct Labour Day closed, Tue 6 Oct,
    close 17:00 AEDT = 06:00 UTC. The later: Tue 6 Oct 06:00 UTC. Acknowledged Tue 6 Oct 16:00 AEDT:
    regulatory-acknowledged PASS.
    """
    case = Case(received=syd(10, 2, 18), steps=[Reply(syd(10, 6, 16))])
    results = check_both(case, "asic-rg271", as_of=syd(10, 7, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-acknowledged", "PASS", utc(10, 6, 6))


def test_acknowledgement_over_the_anzac_day_additional_holiday(tmp_path: Path):
    """Received Fri 24 Apr 2026 16:00 AEST. 24 hours: Sat 25 Apr 16:00. One business day after Fri 24:
    Mon 27 Apr is the additional Anzac Day holiday (NSW 2026), so Tue 28 Apr, close 17:00 AEST =
    07:00 UTC. Acknowledged Tue 28 Apr 09:30: PASS, due 28 Apr 07:00 UTC.
    """
    case = Case(received=syd(4, 24, 16), steps=[Reply(syd(4, 28, 9, 30))])
    results = check_both(case, "asic-rg271", as_of=syd(4, 29, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-acknowledged", "PASS", utc(4, 28, 7))


def test_thirty_days_from_a_month_end_receipt_across_daylight_saving_end(tmp_path: Path):
    """Received Tue 31 Mar 2026 10:00 AEDT (month end; AEST from Sun 5 Apr). 30 calendar days after
    Tue 31 Mar: Thu 30 Apr, end of day 23:59:59.999999 AEST = 13:59:59.999999 UTC. IDR response
    (decision, reasons, AFCA rights) Thu 30 Apr 16:00: regulatory-response PASS; holding-response
    NOT_APPLICABLE (none needed), same due.
    """
    case = Case(
        received=syd(3, 31, 10),
        steps=[
            Reply(syd(3, 31, 11)),
            Reply(syd(4, 30, 16), letter="final_response", content=("decision", "reasons"), text=AFCA),
            Status(syd(4, 30, 16), "resolved"),
        ],
    )
    results = check_both(case, "asic-rg271", as_of=syd(5, 1, 9), tmp_path=tmp_path)
    due = utc(4, 30, 13, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "PASS", due)
    assert_finding(results, "holding-response", "NOT_APPLICABLE", due)
    assert_finding(results, "final-response-content", "PASS", None)


def test_credit_hardship_21_days_ended_by_an_idr_delay_notification(tmp_path: Path):
    """Credit hardship (category). Received Mon 1 Jun 2026 10:00 AEST. 21 calendar days after Mon 1
    Jun: Mon 22 Jun, end of day AEST = 13:59:59.999999 UTC (King's Birthday Mon 8 Jun does not count
    for calendar days). IDR delay notification (reasons, AFCA rights) Fri 19 Jun: it ends the IDR
    timeframe (regulatory-response PASS) and is timely and complete (holding-response PASS).
    """
    case = Case(
        received=syd(6, 1, 10),
        category="Credit hardship",
        steps=[
            Reply(syd(6, 1, 11)),
            Reply(syd(6, 19, 10), letter="holding_response", content=("reasons", "ombudsman_rights")),
        ],
    )
    results = check_both(case, "asic-rg271", as_of=syd(6, 23, 9), tmp_path=tmp_path)
    due = utc(6, 22, 13, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "PASS", due)
    assert_finding(results, "holding-response", "PASS", due)


def _christmas_case(category: str) -> Case:
    return Case(
        received=syd(12, 23, 14),
        category=category,
        steps=[
            Reply(syd(12, 23, 15)),
            Status(syd(12, 31, 11), "resolved"),
            Field(syd(12, 31, 11), "outcome", "upheld"),
            Field(syd(12, 31, 11), "complainant_response", "accepted"),
        ],
    )


def test_resolved_and_accepted_within_5_business_days_over_christmas(tmp_path: Path):
    """Received Wed 23 Dec 2026 14:00 AEDT. 5 business days after Wed 23 Dec: Thu 24 (1), Fri 25
    Christmas closed, Mon 28 Boxing Day observed closed, Tue 29 (2), Wed 30 (3), Thu 31 (4), Fri 1 Jan
    2027 closed, Mon 4 Jan 2027 (5): close 17:00 AEDT = 06:00 UTC. Resolved and accepted Thu 31 Dec
    11:00 (year end): no written IDR response needed (RG 271.71-75): regulatory-response PASS, due
    4 Jan 2027 06:00 UTC.
    """
    results = check_both(_christmas_case("Service"), "asic-rg271", as_of=syd(1, 5, 9, year=2027),
                         tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", utc(1, 4, 6, year=2027))


def test_hardship_complaint_accepted_early_still_needs_its_written_response(tmp_path: Path):
    """The same dates, category credit hardship: the 5-business-day exemption does not apply, the
    written IDR response is due in 21 calendar days after Wed 23 Dec: Wed 13 Jan 2027, end of day
    AEDT = 12:59:59.999999 UTC. As of Tue 5 Jan 2027 none was sent: regulatory-response PENDING.
    """
    results = check_both(_christmas_case("Credit hardship"), "asic-rg271", as_of=syd(1, 5, 9, year=2027),
                         tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PENDING", utc(1, 13, 12, 59, 59, 999999, year=2027))


def test_delay_notification_without_afca_rights_does_not_end_the_idr_timeframe(tmp_path: Path):
    """RG 271.60-63 (AFCA's RG 271 page): the IDR delay notification gives the reasons for the delay
    and the complainant's right to complain to AFCA. Received Mon 1 Jun 2026 10:00 AEST; 30 calendar
    days: Wed 1 Jul, end of day AEST = 13:59:59.999999 UTC. A delay letter Fri 26 Jun with reasons
    only; as of Fri 3 Jul no IDR response: regulatory-response FAIL and holding-response FAIL, both
    due 1 Jul 13:59:59.999999 UTC.
    """
    case = Case(
        received=syd(6, 1, 10),
        steps=[Reply(syd(6, 1, 11)), Reply(syd(6, 26, 10), letter="holding_response", content=("reasons",))],
    )
    results = check_both(case, "asic-rg271", as_of=syd(7, 3, 9), tmp_path=tmp_path)
    due = utc(7, 1, 13, 59, 59, 999999)
    assert_finding(results, "regulatory-response", "FAIL", due)
    assert_finding(results, "holding-response", "FAIL", due)


def test_sunday_night_receipt_before_the_kings_birthday_acknowledged_late(tmp_path: Path):
    """Received Sun 7 Jun 2026 20:00 AEST. 24 hours: Mon 8 Jun 20:00. One business day after the day of
    receipt: Mon 8 Jun King's Birthday closed, Tue 9 Jun, close 17:00 AEST = 07:00 UTC. The later:
    Tue 9 Jun 07:00 UTC. Acknowledged Wed 10 Jun 09:00: regulatory-acknowledged FAIL.
    """
    case = Case(received=syd(6, 7, 20), steps=[Reply(syd(6, 10, 9))])
    results = check_both(case, "asic-rg271", as_of=syd(6, 10, 12), tmp_path=tmp_path)
    assert_finding(results, "regulatory-acknowledged", "FAIL", utc(6, 9, 7))
