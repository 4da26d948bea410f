"""Hand-worked cases, pack ``bahrain-cbb``, run through ``iso10002 check`` on Zendesk and Jira Cloud.

Primary text: CBB Rulebook, BC-2.3.2 (October 2010; https://cbben.thomsonreuters.com/rulebook/bc-232-8):
licensees must "(a) Acknowledge complaints promptly, within 5 business days" and "(c) Provide
final responses ... without undue delay and within 20 business days". No deeming rule: counted
from the day of receipt. Calendar (pack; hours unconfirmed): Asia/Bahrain (UTC+3, no DST),
Sun-Thu 08:00-16:00, weekend Fri-Sat; Bahrain public holidays (``holidays`` package, BH 2026:
National Day Wed 16 and Thu 17 Dec). A deadline is 16:00 AST = 13:00 UTC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, assert_finding, check_both

BH = ZoneInfo("Asia/Bahrain")
UTC = ZoneInfo("UTC")
PACK = "bahrain-cbb"
FINAL = ("decision", "reasons", "ombudsman_rights")


def bh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BH)


def test_friday_complaint_acknowledged_after_national_day(tmp_path: Path) -> None:
    """BC-2.3.2(a), 5 business days; weekend Fri-Sat.

    Received Fri 11 Dec 2026 10:00 AST (weekend). Day of receipt Fri 11; Sat 12 closed; Sun 13 (1),
    Mon 14 (2), Tue 15 (3), Wed 16 and Thu 17 National Day (closed), Fri 18 and Sat 19 weekend, Sun
    20 (4), Mon 21 Dec (5): due Mon 21 Dec 16:00 AST = 13:00 UTC. Acknowledged Sun 20 Dec 09:00 AST
    (a working day in Bahrain): PASS.
    """
    case = Case(received=bh(12, 11, 10), steps=[Reply(bh(12, 20, 9))])
    results = check_both(case, PACK, as_of=bh(12, 22, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", datetime(2026, 12, 21, 13, tzinfo=UTC))


# Received Thu 29 Oct 2026 20:00 AST: after hours on the last working day of the week; the day of
# receipt is Thu 29 Oct all the same. 20 business days after it: Sun 1 - Thu 5 Nov (5), 8-12
# (10), 15-19 (15), 22-26 (20): due Thu 26 Nov 16:00 AST = 13:00 UTC. (From the next opening,
# Sun 1 Nov, it would be Sun 29 Nov.)
AFTER_HOURS = bh(10, 29, 20)
DUE = datetime(2026, 11, 26, 13, tzinfo=UTC)


def test_final_response_on_the_twentieth_business_day_passes(tmp_path: Path) -> None:
    """BC-2.3.2(c): acknowledged Sun 1 Nov 09:00 (5 business days: due Thu 5 Nov 16:00 AST);
    final response Thu 26 Nov 15:30 AST: both PASS."""
    case = Case(
        received=AFTER_HOURS,
        steps=[Reply(bh(11, 1, 9)), Reply(bh(11, 26, 15, 30), letter="final_response", content=FINAL)],
    )
    results = check_both(case, PACK, as_of=bh(11, 30, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", datetime(2026, 11, 5, 13, tzinfo=UTC))
    assert_finding(results, "regulatory-response", "PASS", DUE)


def test_final_response_on_the_next_sunday_is_late(tmp_path: Path) -> None:
    """BC-2.3.2(c): final response Sun 29 Nov 09:00 AST, after Thu 26 Nov 16:00 AST: FAIL."""
    case = Case(
        received=AFTER_HOURS,
        steps=[Reply(bh(11, 1, 9)), Reply(bh(11, 29, 9), letter="final_response", content=FINAL)],
    )
    results = check_both(case, PACK, as_of=bh(11, 30, 10), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "FAIL", DUE)
