"""Hand-worked cases, pack ``spso``, run through ``iso10002 check`` on Zendesk and Jira Cloud.

Source (the SPSO model CHP text itself was not retrieved; every figure is unconfirmed in the
pack): the model CHP as published by bodies that adopted it (North Lanarkshire Council, Scottish
Parliament, Scottish Commission on Social Security "Stage 2: Investigation"): stage 1 decision
within five working days; stage 2 acknowledged within three working days and answered within 20
working days; a longer stage-2 investigation needs revised time limits told to the complainant (an
extension letter with reasons and a new date). No deeming rule: counted from the day of receipt.
Calendar: Europe/London, Mon-Fri 09:00-17:00, Scottish bank holidays (``holidays`` GB/SCT: St
Andrew's Day Sun 30 Nov 2025, substitute Mon 1 Dec 2025; Good Friday 3 Apr 2026; Easter Monday is
not a Scottish bank holiday; May Day Mon 4 May 2026). BST starts Sun 29 Mar 2026: 17:00 is
17:00 UTC before it, 16:00 UTC after it.

The stage-2 request is the complainant's public comment marked by the agent's
``stage-2-requested`` label (Zendesk tag ``stage_2_requested``); stage 2 the ``stage-2`` label.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Label, Message, Reply, assert_finding, check_both

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
PACK = "spso"
STAGE1 = ("decision", "reasons")
STAGE2 = ("decision", "reasons", "ombudsman_rights")
NEW_DATE = date(2026, 5, 8)


def uk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_stage1_friday_evening_complaint_skips_the_st_andrews_day_substitute(tmp_path: Path) -> None:
    """Stage 1, five working days.

    Received Fri 28 Nov 2025 18:00 GMT (after hours; the day of receipt is Fri 28). Working days
    after it: Mon 1 Dec (St Andrew's Day substitute, Scotland only: closed), Tue 2 (1), Wed 3, Thu
    4, Fri 5 (4), Mon 8 Dec (5): due Mon 8 Dec 17:00 GMT = 17:00 UTC. Stage-1 decision Mon 8 Dec
    16:00: PASS (with England's calendar it would be due Fri 5 Dec and be late).
    """
    case = Case(
        received=uk(2025, 11, 28, 18),
        steps=[Reply(uk(2025, 12, 8, 16), letter="final_response", content=STAGE1)],
    )
    results = check_both(case, PACK, as_of=uk(2025, 12, 9, 10), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", datetime(2025, 12, 8, 17, tzinfo=UTC))


def test_two_stages_request_before_the_clocks_go_forward_with_an_extension(tmp_path: Path) -> None:
    """Stage 1, then stage 2 from the complainant's request, across the start of BST.

    Stage 1: received Mon 9 Mar 2026 10:00 GMT; 5 working days: 10-13 (4), Mon 16 Mar (5): due Mon
    16 Mar 17:00 GMT = 17:00 UTC; decision Fri 13 Mar: PASS.
    Stage 2: the complainant asks on Fri 27 Mar 17:45 GMT (after hours; the day of receipt is Fri
    27); the agent labels it Mon 30 Mar 09:15 BST. Acknowledgement, 3 working days after Fri 27:
    Mon 30, Tue 31 Mar, Wed 1 Apr: due Wed 1 Apr 17:00 BST = 16:00 UTC; acknowledged Wed 1 Apr
    10:00: PASS. Response, 20 working days after Fri 27: Mon 30 Mar - Thu 2 Apr (4), Good Friday
    3 Apr closed, Mon 6 Apr (5; Easter Monday is a working day in Scotland), 7-10 (9), 13-17 (14),
    20-24 (19), Mon 27 Apr (20): due Mon 27 Apr 17:00 BST = 16:00 UTC. Extension letter (reasons,
    new date Fri 8 May) Thu 23 Apr, before it: stage2-extension PASS (due 27 Apr); the deadline
    moves to Fri 8 May 17:00 BST = 16:00 UTC (no maximum in our sources); stage-2 response with
    SPSO signposting Thu 7 May: PASS.
    """
    case = Case(
        received=uk(2026, 3, 9, 10),
        steps=[
            Reply(uk(2026, 3, 13, 11), letter="final_response", content=STAGE1),
            Message(uk(2026, 3, 27, 17, 45), "I want my complaint looked at again at stage 2."),
            Label(uk(2026, 3, 30, 9, 15), "stage-2-requested"),
            Label(uk(2026, 3, 30, 9, 16), "stage-2"),
            Reply(uk(2026, 4, 1, 10)),
            Reply(uk(2026, 4, 23, 10), letter="extension_letter", content=("reasons",), new_date=NEW_DATE),
            Reply(uk(2026, 5, 7, 10), letter="final_response", content=STAGE2),
        ],
    )
    results = check_both(case, PACK, as_of=uk(2026, 5, 11, 10), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PASS", datetime(2026, 3, 16, 17, tzinfo=UTC))
    assert_finding(results, "stage2-acknowledged", "PASS", datetime(2026, 4, 1, 16, tzinfo=UTC))
    assert_finding(results, "stage2-extension", "PASS", datetime(2026, 4, 27, 16, tzinfo=UTC))
    assert_finding(results, "stage2-response", "PASS", datetime(2026, 5, 8, 16, tzinfo=UTC))
    assert_finding(results, "final-response-content", "PASS", None)


def test_stage2_not_answered_by_day_20_without_an_extension(tmp_path: Path) -> None:
    """Same stage 2 without the extension letter and no response yet: as of Tue 28 Apr 10:00 BST
    the 20 working days ended Mon 27 Apr 17:00 BST = 16:00 UTC: stage2-response FAIL; no
    extension letter: stage2-extension NOT_APPLICABLE."""
    case = Case(
        received=uk(2026, 3, 9, 10),
        steps=[
            Reply(uk(2026, 3, 13, 11), letter="final_response", content=STAGE1),
            Message(uk(2026, 3, 27, 17, 45), "I want my complaint looked at again at stage 2."),
            Label(uk(2026, 3, 30, 9, 15), "stage-2-requested"),
            Label(uk(2026, 3, 30, 9, 16), "stage-2"),
            Reply(uk(2026, 4, 1, 10)),
        ],
    )
    results = check_both(case, PACK, as_of=uk(2026, 4, 28, 10), tmp_path=tmp_path)
    assert_finding(results, "stage2-response", "FAIL", datetime(2026, 4, 27, 16, tzinfo=UTC))
    assert_finding(results, "stage2-extension", "NOT_APPLICABLE", None)


def test_stage2_acknowledgement_sent_before_the_agent_labels_the_request_counts(tmp_path: Path) -> None:
    """Stage 2 as above: the complainant asks Fri 27 Mar 17:45 GMT; the agent answers "we have
    received your request for a stage 2 investigation" on Mon 30 Mar 09:00 BST and labels the
    ticket at 09:15. The acknowledgement is due Wed 1 Apr 17:00 BST = 16:00 UTC (3 working days
    after Fri 27); it was sent Mon 30 Mar 09:00: PASS. (Before, only replies after the label
    counted, so the next reply, the stage-2 response of Thu 23 Apr, was taken as the
    acknowledgement: FAIL.)
    """
    case = Case(
        received=uk(2026, 3, 9, 10),
        steps=[
            Reply(uk(2026, 3, 13, 11), letter="final_response", content=STAGE1),
            Message(uk(2026, 3, 27, 17, 45), "I want my complaint looked at again at stage 2."),
            Reply(uk(2026, 3, 30, 9), text="We have received your request for a stage 2 investigation."),
            Label(uk(2026, 3, 30, 9, 15), "stage-2-requested"),
            Label(uk(2026, 3, 30, 9, 16), "stage-2"),
            Reply(uk(2026, 4, 23, 10), letter="final_response", content=STAGE2),
        ],
    )
    results = check_both(case, PACK, as_of=uk(2026, 4, 28, 10), tmp_path=tmp_path)
    assert_finding(results, "stage2-acknowledged", "PASS", datetime(2026, 4, 1, 16, tzinfo=UTC))
    assert_finding(results, "stage2-response", "PASS", datetime(2026, 4, 27, 16, tzinfo=UTC))
