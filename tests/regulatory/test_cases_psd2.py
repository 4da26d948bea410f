"""Hand-worked PSD2 cases (pack ``psd2``: Ireland's calendar), each run through ``iso10002 check`` on a
Zendesk and a Jira Cloud export (``tests/regulatory/cases.py``).

Rule: Directive (EU) 2015/2366 Art. 101(2), transposed in Ireland by S.I. No. 6/2018 (European
Union (Payment Services) Regulations 2018) reg 124(4)-(5): a reply on paper or another durable
medium addressing all points "at the latest within 15 business days of receipt"; in exceptional
situations a holding reply with the reasons for the delay and the deadline, the final reply within
35 business days. Calendar: Irish public holidays (``holidays`` IE: St Brigid's Day Mon 2 Feb, St
Patrick's Day Tue 17 Mar, Easter Monday 6 Apr, October bank holiday Mon 26 Oct 2026; Good Friday is
not a public holiday), Europe/Dublin, 09:00-17:00 Mon-Fri, counted from the day of receipt. Irish
Summer Time (UTC+1) from Sun 29 Mar to Sun 25 Oct 2026.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, Status, assert_finding, check_both

DUBLIN = ZoneInfo("Europe/Dublin")
UTC = ZoneInfo("UTC")
#: How an Irish final reply names the ADR body (S.I. 6/2018 reg 124(6); FSPO Act 2017).
FSPO = "You may refer your complaint to the Financial Services and Pensions Ombudsman, www.fspo.ie."


def dub(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=DUBLIN)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_after_hours_month_end_receipt_across_st_brigids_day(tmp_path: Path):
    """Received Fri 30 Jan 2026 17:45 GMT (after hours, month end). 15 business days after Fri 30 Jan:
    Mon 2 Feb St Brigid's Day closed, Tue 3 - Fri 6 (4), 9-13 (9), 16-20 (14), Mon 23 Feb (15): due Mon
    23 Feb 17:00 GMT (= UTC). Final reply (decision, reasons, FSPO rights) Mon 23 Feb 16:30: PASS;
    holding-response NOT_APPLICABLE (no holding reply needed), same due; the reply's content, naming
    the Financial Services and Pensions Ombudsman, is complete: final-response-content PASS.
    """
    case = Case(
        received=dub(1, 30, 17, 45),
        steps=[
            Reply(dub(2, 3, 10)),
            Reply(dub(2, 23, 16, 30), letter="final_response", content=("decision", "reasons"), text=FSPO),
            Status(dub(2, 23, 16, 30), "resolved"),
        ],
    )
    results = check_both(case, "psd2", as_of=dub(2, 24, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", utc(2, 23, 17))
    assert_finding(results, "holding-response", "NOT_APPLICABLE", utc(2, 23, 17))
    assert_finding(results, "final-response-content", "PASS", None)


def test_weekend_receipt_st_patricks_day_holding_reply_to_35_business_days(tmp_path: Path):
    """Received Sat 7 Mar 2026 10:00 GMT (weekend). 15 business days after Sat 7 Mar: Mon 9 - Fri 13
    (5), Mon 16 (6), Tue 17 St Patrick's Day closed, Wed 18 - Fri 20 (9), 23-27 (14), Mon 30 Mar (15):
    due Mon 30 Mar 17:00 IST (summer time from Sun 29 Mar) = 16:00 UTC. Holding reply (reasons, new
    date 24 Apr) Fri 27 Mar: holding-response PASS, due 30 Mar 16:00 UTC.
    35 business days: Tue 31 Mar - Fri 3 Apr (19; Good Friday is a working day in Ireland), Mon 6 Apr
    Easter Monday closed, Tue 7 - Fri 10 (23), 13-17 (28), 20-24 (33), Mon 27 (34), Tue 28 Apr (35):
    due Tue 28 Apr 17:00 IST = 16:00 UTC. Final reply Tue 28 Apr 16:30 IST: regulatory-response PASS.
    """
    case = Case(
        received=dub(3, 7, 10),
        steps=[
            Reply(dub(3, 9, 10)),
            Reply(
                dub(3, 27, 12), letter="holding_response", content=("reasons",), new_date=date(2026, 4, 24)
            ),
            Reply(dub(4, 28, 16, 30), letter="final_response", content=("decision", "reasons"), text=FSPO),
            Status(dub(4, 28, 16, 30), "resolved"),
        ],
    )
    results = check_both(case, "psd2", as_of=dub(4, 29, 9), tmp_path=tmp_path)
    assert_finding(results, "holding-response", "PASS", utc(3, 30, 16))
    assert_finding(results, "regulatory-response", "PASS", utc(4, 28, 16))


def test_no_reply_after_the_october_bank_holiday_and_clock_change(tmp_path: Path):
    """Received Fri 23 Oct 2026 20:00 IST (after hours; summer time ends Sun 25 Oct). 15 business days
    after Fri 23 Oct: Mon 26 Oct bank holiday closed, Tue 27 - Fri 30 (4), Mon 2 - Fri 6 Nov (9),
    9-13 (14), Mon 16 Nov (15): due Mon 16 Nov 17:00 GMT (= UTC). As of Tue 17 Nov 09:00 only an
    acknowledgement was sent: regulatory-response FAIL and holding-response FAIL, both due 16 Nov 17:00.
    """
    case = Case(received=dub(10, 23, 20), steps=[Reply(dub(10, 27, 10))])
    results = check_both(case, "psd2", as_of=dub(11, 17, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "FAIL", utc(11, 16, 17))
    assert_finding(results, "holding-response", "FAIL", utc(11, 16, 17))


def test_holding_reply_without_reasons_does_not_buy_the_35_days(tmp_path: Path):
    """Art. 101(2): the holding reply must clearly indicate the reasons for the delay and the
    deadline; one without reasons is not a holding reply and the 15-day deadline stands.
    Received Mon 2 Mar 2026 10:00 GMT. 15 business days: Tue 3 - Fri 6 (4), 9-13 (9), Mon 16 (10),
    Tue 17 St Patrick's Day closed, Wed 18 - Fri 20 (13), Mon 23 (14), Tue 24 Mar (15): due Tue 24
    Mar 17:00 GMT. A "holding reply" Fri 20 Mar gives a date (10 Apr) but no reasons; as of Mon 30
    Mar no final reply: regulatory-response FAIL, due 24 Mar 17:00 UTC (not PENDING to day 35), and
    holding-response FAIL (the letter lacks reasons).
    """
    case = Case(
        received=dub(3, 2, 10),
        steps=[
            Reply(dub(3, 3, 10)),
            Reply(dub(3, 20, 10), letter="holding_response", new_date=date(2026, 4, 10)),
        ],
    )
    results = check_both(case, "psd2", as_of=dub(3, 30, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "FAIL", utc(3, 24, 17))
    assert_finding(results, "holding-response", "FAIL", utc(3, 24, 17))
