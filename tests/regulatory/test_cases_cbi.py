"""Hand-worked Central Bank of Ireland CPC cases (pack ``cbi-cpc``), each run through ``iso10002
check`` on a Zendesk and a Jira Cloud export (``tests/regulatory/cases.py``).

Rule (as the pack reads Consumer Protection Code 2012 provision 10.9; the text was not retrieved,
every figure is unconfirmed): acknowledge within 5 business days, update the consumer at intervals
of not more than 20 business days, resolve within 40 business days or tell the consumer the
expected timeframe and their right to refer to the Financial Services and Pensions Ombudsman.
Calendar: Irish public holidays (``holidays`` IE: St Brigid's Day Mon 2 Feb, Easter Monday 6 Apr,
May bank holiday Mon 4 May 2026), Europe/Dublin, 09:00-17:00 Mon-Fri, from the day of receipt.
Irish Summer Time (UTC+1) from Sun 29 Mar 2026.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, Status, assert_finding, check_both

DUBLIN = ZoneInfo("Europe/Dublin")
UTC = ZoneInfo("UTC")
FSPO = "You may refer your complaint to the Financial Services and Pensions Ombudsman, www.fspo.ie."


def dub(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=DUBLIN)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_sunday_receipt_before_st_brigids_day_acknowledgement_and_updates(tmp_path: Path):
    """Received Sun 1 Feb 2026 14:00 GMT (weekend). Acknowledgement, 5 business days after Sun 1 Feb:
    Mon 2 Feb St Brigid's Day closed, Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4), Mon 9 Feb (5): due
    Mon 9 Feb 17:00 GMT (= UTC). Acknowledged Mon 9 Feb 16:00: acknowledged-in-time PASS.
    Updates at most every 20 business days: from the acknowledgement's day Mon 9 Feb, Tue 10 - Fri 13
    (4), 16-20 (9), 23-27 (14), Mon 2 - Fri 6 Mar (19), Mon 9 Mar (20): next update due Mon 9 Mar
    17:00 GMT. As of Tue 10 Mar 09:00 none was sent: kept-informed FAIL, due 9 Mar 17:00 UTC.
    """
    case = Case(received=dub(2, 1, 14), steps=[Reply(dub(2, 9, 16))])
    results = check_both(case, "cbi-cpc", as_of=dub(3, 10, 9), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", utc(2, 9, 17))
    assert_finding(results, "kept-informed", "FAIL", utc(3, 9, 17))


def test_after_hours_month_end_receipt_holding_letter_on_day_39(tmp_path: Path):
    """Received Tue 31 Mar 2026 18:00 IST (after hours, month end). 40 business days after Tue 31 Mar:
    Wed 1 - Fri 3 Apr (3), Mon 6 Apr Easter Monday closed, Tue 7 - Fri 10 (7), 13-17 (12), 20-24
    (17), 27-30 Apr (21), Fri 1 May (22), Mon 4 May bank holiday closed, Tue 5 - Fri 8 (26), 11-15
    (31), 18-22 (36), Mon 25 (37), Tue 26 (38), Wed 27 (39), Thu 28 May (40): due Thu 28 May 17:00
    IST = 16:00 UTC. Holding letter (reasons, expected date 26 Jun, FSPO rights) Wed 27 May: the pack
    accepts it in place of the resolution (regulatory-response PASS) and it is complete and on time
    (holding-response PASS), both due 28 May 16:00 UTC.
    """
    case = Case(
        received=dub(3, 31, 18),
        steps=[
            Reply(dub(4, 1, 10)),
            Reply(dub(4, 24, 10)),
            Reply(dub(5, 20, 10)),
            Reply(
                dub(5, 27, 15),
                letter="holding_response",
                content=("reasons",),
                new_date=date(2026, 6, 26),
                text=FSPO,
            ),
        ],
    )
    results = check_both(case, "cbi-cpc", as_of=dub(5, 29, 9), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", utc(5, 28, 16))
    assert_finding(results, "holding-response", "PASS", utc(5, 28, 16))


def test_october_bank_holiday_and_clock_change_updates_kept_and_final_response_by_day_40(tmp_path: Path):
    """Received Thu 22 Oct 2026 15:00 IST (summer time ends Sun 25 Oct; October bank holiday Mon 26).
    Acknowledgement, 5 business days after Thu 22: Fri 23 (1), Mon 26 closed, Tue 27 - Fri 30 Oct (5):
    due Fri 30 Oct 17:00 GMT (= UTC); acknowledged Fri 30 Oct 16:00: PASS.
    Updates: from Fri 30 Oct, 20 business days: 2-6 Nov (5), 9-13 (10), 16-20 (15), 23-27 (20): Fri
    27 Nov 17:00; updated Thu 26 Nov; from Thu 26 Nov the next 20 run past the decision (Fri 11 Dec):
    kept-informed PASS (no due: decided).
    Resolution, 40 business days after Thu 22 Oct: Fri 23 (1), 27-30 Oct (5), 2-6 Nov (10), 9-13
    (15), 16-20 (20), 23-27 (25), 30 Nov - 4 Dec (30), 7-11 (35), 14-18 Dec (40): due Fri 18 Dec 17:00
    GMT. Final response (decision, reasons, FSPO rights) Fri 11 Dec 12:00: regulatory-response PASS,
    final-response-content PASS.
    """
    case = Case(
        received=dub(10, 22, 15),
        steps=[
            Reply(dub(10, 30, 16)),
            Reply(dub(11, 26, 10)),
            Reply(dub(12, 11, 12), letter="final_response", content=("decision", "reasons"), text=FSPO),
            Status(dub(12, 11, 12), "resolved"),
        ],
    )
    results = check_both(case, "cbi-cpc", as_of=dub(12, 14, 9), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", utc(10, 30, 17))
    assert_finding(results, "kept-informed", "PASS", None)
    assert_finding(results, "regulatory-response", "PASS", utc(12, 18, 17))
    assert_finding(results, "final-response-content", "PASS", None)
