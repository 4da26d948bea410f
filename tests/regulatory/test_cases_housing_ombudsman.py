"""Hand-worked cases, pack ``housing-ombudsman``, run through ``iso10002 check`` on Zendesk and Jira Cloud.

Primary text: Housing Ombudsman Complaint Handling Code 2024 (statutory from 1 April 2024), as
quoted in landlords' self-assessments against it (Slough 2024/2025) and the Ombudsman's
residents' page "waiting for a final response": 6.2 acknowledge within five working days of
receipt; 6.3 stage-1 response within 10 working days of the acknowledgement; 6.4 extension no more
than 10 working days; 6.11 a stage-2 request acknowledged within five working days of its receipt;
stage-2 response within 20 working days of the escalation acknowledgement (6.14), extension up to
20 more (6.15, secondary sources). No deeming rule: counted from the day of receipt.
Calendar: Europe/London, Mon-Fri 09:00-17:00, bank holidays of England (``holidays`` GB/ENG 2026:
Late Summer bank holiday Mon 31 Aug). BST ends Sun 25 Oct 2026: 17:00 is 16:00 UTC before it,
17:00 UTC after it.

Letters are the shipped mappings' markers; the stage-2 request is the complainant's public comment
marked by the agent's ``stage-2-requested`` label (Zendesk tag ``stage_2_requested``), stage 2 the
``stage-2`` label (tag ``stage_2``).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Label, Message, Reply, assert_finding, check_both

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
PACK = "housing-ombudsman"
STAGE1 = ("decision", "reasons", "remedy")
STAGE2 = ("decision", "reasons", "remedy", "ombudsman_rights")


def uk(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def extension(at: datetime, new_date: date) -> Reply:
    return Reply(at, letter="extension_letter", content=("reasons",), new_date=new_date)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_stage1_across_the_end_of_bst_with_an_extension_letter(tmp_path: Path) -> None:
    """6.2 / 6.3 / 6.4.

    Received Fri 23 Oct 2026 16:30 BST. Acknowledgement: 5 working days after Fri 23: Mon 26 (BST
    ended Sun 25), Tue 27, Wed 28, Thu 29, Fri 30 Oct: due Fri 30 Oct 17:00 GMT = 17:00 UTC;
    acknowledged Tue 27 Oct 11:00: PASS. Response: 10 working days after the acknowledgement's
    day (Tue 27): Wed 28, Thu 29, Fri 30 (3), Mon 2 - Fri 6 Nov (8), Mon 9 (9), Tue 10 Nov (10):
    due Tue 10 Nov 17:00 GMT. Extension letter (reasons, new date Fri 20 Nov) Mon 9 Nov, before
    the deadline and within 20 working days of the acknowledgement (Tue 24 Nov): holding-response
    PASS (due 10 Nov), the response deadline moves to Fri 20 Nov 17:00 GMT; response Thu 19 Nov:
    regulatory-response PASS.
    """
    case = Case(
        received=uk(10, 23, 16, 30),
        steps=[
            Reply(uk(10, 27, 11)),
            extension(uk(11, 9, 10), date(2026, 11, 20)),
            Reply(uk(11, 19, 10), letter="final_response", content=STAGE1),
        ],
    )
    results = check_both(case, PACK, as_of=uk(11, 23, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", utc(10, 30, 17))
    assert_finding(results, "holding-response", "PASS", utc(11, 10, 17))
    assert_finding(results, "regulatory-response", "PASS", utc(11, 20, 17))


def test_two_stages_request_before_the_bank_holiday_month_end_with_a_stage2_extension(tmp_path: Path) -> None:
    """6.2 / 6.3 at stage 1; 6.11 / 6.14 / 6.15 at stage 2, from the complainant's request.

    Stage 1: received Mon 3 Aug 2026 10:00 BST; acknowledged Tue 4 Aug (due Mon 10 Aug 17:00 BST
    = 16:00 UTC: PASS); response due 10 working days after Tue 4: Wed 5 .. Fri 7 (3), 10-14 (8),
    Mon 17 (9), Tue 18 Aug (10) 17:00 BST; stage-1 response Fri 14 Aug: PASS.
    Stage 2: the resident asks on Fri 28 Aug 19:00 BST (after hours; the day of receipt is Fri 28);
    the agent labels it on Tue 1 Sep 09:30. 5 working days after Fri 28: Mon 31 Aug (Late Summer
    bank holiday, the month's last day: closed), Tue 1 (1), Wed 2, Thu 3, Fri 4 (4), Mon 7 Sep (5):
    due Mon 7 Sep 17:00 BST = 16:00 UTC. Acknowledged Tue 8 Sep 10:00: FAIL (counted from the
    label, Tue 1 Sep, it would be due Tue 8 Sep and pass).
    Stage-2 response: 20 working days from the acknowledgement, which came a day late, so from its
    deadline (Mon 7 Sep: acknowledging late buys no time): Tue 8 - Fri 11 (4), 14-18 (9), 21-25
    (14), 28 Sep - 2 Oct (19), Mon 5 Oct (20): due Mon 5 Oct 17:00 BST = 16:00 UTC. Extension
    letter (reasons, new date Fri 30 Oct, within 40 working days: Mon 2 Nov) Mon 5 Oct 10:00,
    before the deadline: stage2-extension PASS (due 5 Oct); the deadline moves to Fri 30 Oct 17:00
    GMT (after the end of BST) = 17:00 UTC; stage-2 response Wed 28 Oct: PASS.
    """
    case = Case(
        received=uk(8, 3, 10),
        steps=[
            Reply(uk(8, 4, 10)),
            Reply(uk(8, 14, 11), letter="final_response", content=STAGE1),
            Message(uk(8, 28, 19), "Please escalate my complaint to stage 2."),
            Label(uk(9, 1, 9, 30), "stage-2-requested"),
            Label(uk(9, 1, 9, 31), "stage-2"),
            Reply(uk(9, 8, 10)),
            extension(uk(10, 5, 10), date(2026, 10, 30)),
            Reply(uk(10, 28, 10), letter="final_response", content=STAGE2),
        ],
    )
    results = check_both(case, PACK, as_of=uk(11, 2, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "PASS", utc(8, 10, 16))
    assert_finding(results, "regulatory-response", "PASS", utc(8, 18, 16))
    assert_finding(results, "stage2-acknowledged", "FAIL", utc(9, 7, 16))
    assert_finding(results, "stage2-extension", "PASS", utc(10, 5, 16))
    assert_finding(results, "stage2-response", "PASS", utc(10, 30, 17))


def test_a_response_that_is_also_the_first_acknowledgement_does_not_restart_the_clock(tmp_path: Path) -> None:
    """6.2 / 6.3: received Mon 7 Sep 2026 10:00 BST; nothing is sent until the stage-1 response on
    Mon 19 Oct (six weeks). The acknowledgement was due 5 working days after Mon 7: Mon 14 Sep 17:00
    BST = 16:00 UTC (acknowledged-in-time FAIL). The response is due 10 working days from the
    acknowledgement; acknowledging late buys no time, so from Mon 14 Sep: Tue 15 - Fri 18 (4), 21-25
    (9), Mon 28 Sep (10): due Mon 28 Sep 17:00 BST = 16:00 UTC; the response of 19 Oct is late:
    FAIL. (Before, the response itself counted as the acknowledgement and the clock ran from
    19 Oct: "on time".)
    """
    case = Case(received=uk(9, 7, 10), steps=[Reply(uk(10, 19, 10), letter="final_response", content=STAGE1)])
    results = check_both(case, PACK, as_of=uk(10, 20, 10), tmp_path=tmp_path)
    assert_finding(results, "acknowledged-in-time", "FAIL", utc(9, 14, 16))
    assert_finding(results, "regulatory-response", "FAIL", utc(9, 28, 16))


def test_a_stage2_response_that_is_also_the_stage2_acknowledgement_is_late(tmp_path: Path) -> None:
    """6.11 / 6.14: stage 1 answered in June; the resident asks for stage 2 on Mon 22 Jun 2026
    12:00 BST (labelled 13:00). Nothing is sent until the stage-2 response on Mon 28 Sep. The
    stage-2 acknowledgement was due 5 working days after Mon 22 Jun: Tue 23 - Fri 26 (4), Mon 29 Jun
    (5) 17:00 BST = 16:00 UTC: FAIL. The stage-2 response: 20 working days from that deadline: Tue
    30 Jun (1), 1-3 Jul (4), 6-10 (9), 13-17 (14), 20-24 (19), Mon 27 Jul (20): due Mon 27 Jul
    17:00 BST = 16:00 UTC; the response of 28 Sep is late: FAIL. (Before, it counted as its own
    acknowledgement and passed, due 26 Oct.)
    """
    case = Case(
        received=uk(6, 1, 10),
        steps=[
            Reply(uk(6, 2, 10)),
            Reply(uk(6, 10, 11), letter="final_response", content=STAGE1),
            Message(uk(6, 22, 12), "Please escalate my complaint to stage 2."),
            Label(uk(6, 22, 13), "stage-2-requested"),
            Label(uk(6, 22, 13, 1), "stage-2"),
            Reply(uk(9, 28, 10), letter="final_response", content=STAGE2),
        ],
    )
    results = check_both(case, PACK, as_of=uk(9, 29, 10), tmp_path=tmp_path)
    assert_finding(results, "stage2-acknowledged", "FAIL", utc(6, 29, 16))
    assert_finding(results, "stage2-response", "FAIL", utc(7, 27, 16))


def test_stage2_extension_promising_more_than_20_extra_working_days(tmp_path: Path) -> None:
    """6.14 / 6.15: the resident asks on Fri 28 Aug 2026 19:00 BST; labelled Tue 1 Sep; acknowledged
    Wed 2 Sep (due Mon 7 Sep 17:00 BST: PASS). Response: 20 working days after Wed 2 Sep: Thu 3, Fri 4
    (2), 7-11 (7), 14-18 (12), 21-25 (17), 28, 29, Wed 30 Sep (20): due Wed 30 Sep 17:00 BST = 16:00
    UTC. Extension letter Wed 30 Sep 10:00 (in time) promising Fri 20 Nov, beyond the 40 working
    days limit: 1-2 Oct (22), 5-9 (27), 12-16 (32), 19-23 (37), 26-28 Oct (40) = Wed 28 Oct:
    stage2-extension FAIL (due 30 Sep); the deadline moves no further than Wed 28 Oct 17:00 GMT
    (BST ended Sun 25 Oct) = 17:00 UTC; the response of Thu 19 Nov is late: FAIL.
    """
    case = Case(
        received=uk(8, 3, 10),
        steps=[
            Reply(uk(8, 4, 10)),
            Reply(uk(8, 14, 11), letter="final_response", content=STAGE1),
            Message(uk(8, 28, 19), "Please escalate my complaint to stage 2."),
            Label(uk(9, 1, 9, 30), "stage-2-requested"),
            Label(uk(9, 1, 9, 31), "stage-2"),
            Reply(uk(9, 2, 10)),
            extension(uk(9, 30, 10), date(2026, 11, 20)),
            Reply(uk(11, 19, 10), letter="final_response", content=STAGE2),
        ],
    )
    results = check_both(case, PACK, as_of=uk(11, 23, 10), tmp_path=tmp_path)
    assert_finding(results, "stage2-acknowledged", "PASS", utc(9, 7, 16))
    assert_finding(results, "stage2-extension", "FAIL", utc(9, 30, 16))
    assert_finding(results, "stage2-response", "FAIL", utc(10, 28, 17))
