"""Hand-worked CFPB company-portal cases (pack ``cfpb``), each run through ``iso10002 check`` on a
Zendesk and a Jira Cloud export (``tests/regulatory/cases.py``).

Rule: CFPB Company Portal Manual 8.1 (as quoted by insideARM and CFPB Monitor; the pack's
provenance): the company responds within 15 calendar days of the date the CFPB sent the
complaint; if it is not closed then, it marks it "In progress" and gives the final response within
60 calendar days. Calendar days in America/New_York: due at the end of the 15th / 60th day after the
day sent (23:59:59.999999 local); weekends and US federal holidays do not move it. EDT (UTC-4)
from Sun 8 Mar to Sun 1 Nov 2026, EST (UTC-5) otherwise.

The sent-to-company date is the mapping's ``regulatory.sent_to_company`` field: Zendesk's custom
field value (ISO 8601), Jira's date-time custom field (``2026-10-31T21:00:00.000-0400``, the format
of ``created`` in Jira Cloud REST v3 payloads).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, Status, assert_finding, check_both

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
FINAL = ("decision", "reasons")


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def end_of_day_utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 59, 59, 999999, tzinfo=UTC)


def sent(moment: datetime) -> dict[str, str | dict[str, str]]:
    jira = moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")
    return {"sent_to_company": {"zendesk": moment.isoformat(), "jira": jira}}


def test_sent_saturday_night_at_month_end_before_the_clocks_go_back(tmp_path: Path):
    """Sent Sat 31 Oct 2026 21:00 EDT (weekend, after hours, month end; EST from Sun 1 Nov). 15
    calendar days after Sat 31 Oct: Sun 15 Nov, end of day 23:59:59.999999 EST = Mon 16 Nov
    04:59:59.999999 UTC. Final response Fri 13 Nov 10:00 EST: PASS.
    """
    at = ny(10, 31, 21)
    case = Case(
        received=at,
        regulatory=sent(at),
        steps=[
            Reply(ny(11, 13, 10), letter="final_response", content=FINAL),
            Status(ny(11, 13, 10), "resolved"),
        ],
    )
    results = check_both(case, "cfpb", as_of=ny(11, 20, 9), tmp_path=tmp_path)
    assert_finding(results, "cfpb-timely-response", "PASS", end_of_day_utc(11, 16, 4))


def test_in_progress_by_day_15_then_final_response_late_for_day_60(tmp_path: Path):
    """Sent Sat 7 Mar 2026 10:00 EST (weekend; EDT from Sun 8 Mar). 15 days: Sun 22 Mar end of day
    EDT = Mon 23 Mar 03:59:59.999999 UTC. An "In progress" response (the holding letter) Fri 20 Mar,
    in time, so the final response is due by 60 days: Wed 6 May end of day EDT = Thu 7 May
    03:59:59.999999 UTC. Final response Thu 7 May 10:00 EDT: FAIL, due 7 May 03:59:59.999999 UTC.
    """
    at = ny(3, 7, 10)
    case = Case(
        received=at,
        regulatory=sent(at),
        steps=[
            Reply(ny(3, 20, 10), letter="holding_response", content=("reasons",)),
            Reply(ny(5, 7, 10), letter="final_response", content=FINAL),
            Status(ny(5, 7, 10), "resolved"),
        ],
    )
    results = check_both(case, "cfpb", as_of=ny(5, 8, 9), tmp_path=tmp_path)
    assert_finding(results, "cfpb-timely-response", "FAIL", end_of_day_utc(5, 7, 3))


def test_federal_holidays_do_not_move_a_calendar_day_deadline(tmp_path: Path):
    """Sent Wed 11 Nov 2026 09:00 EST, Veterans Day. 15 calendar days: Thu 26 Nov, Thanksgiving, end of
    day EST = Fri 27 Nov 04:59:59.999999 UTC; the holiday does not move it. Final response Fri 27 Nov
    10:00 EST: FAIL.
    """
    at = ny(11, 11, 9)
    case = Case(
        received=at,
        regulatory=sent(at),
        steps=[
            Reply(ny(11, 27, 10), letter="final_response", content=FINAL),
            Status(ny(11, 27, 10), "resolved"),
        ],
    )
    results = check_both(case, "cfpb", as_of=ny(11, 30, 9), tmp_path=tmp_path)
    assert_finding(results, "cfpb-timely-response", "FAIL", end_of_day_utc(11, 27, 4))
