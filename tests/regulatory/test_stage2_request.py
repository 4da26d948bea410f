"""Stage-2 clocks start at the complainant's request, not at the agent's stage-2 mark (hand-worked).

Housing Ombudsman Complaint Handling Code 2024 (statutory from 1 April 2024) 6.11: a stage-2
request is acknowledged within five working days of the escalation request being received; the
stage-2 response is due 20 working days from that acknowledgement (Ombudsman residents' page).
SPSO model CHP (council pages): stage 2 acknowledged within 3 working days, answered within 20.
Working days: Mon-Fri 09:00-17:00 Europe/London, bank holidays of England (GB-ENG) / Scotland.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from compliance_checks.findings import Status
from tests.regulatory.helpers import record, ref, run

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2026, 4, 1, 10, tzinfo=LONDON)
# The complainant asks for stage 2 on Fri 22 May 2026 at 18:30 (after hours; both packs count
# from the day of receipt, Fri 22; Mon 25 May 2026 is the Spring bank holiday in England and in
# Scotland).
REQUEST = datetime(2026, 5, 22, 18, 30, tzinfo=LONDON)
# The agent adds the stage-2 tag on Tue 26 May at 09:30.
TAGGED = datetime(2026, 5, 26, 9, 30, tzinfo=LONDON)


def _close(y: int, mo: int, d: int) -> datetime:
    return datetime.combine(datetime(y, mo, d).date(), time(17), tzinfo=LONDON)


def test_housing_ombudsman_stage2_ack_counts_from_the_request() -> None:
    # Request Fri 22 May 18:30, day of receipt Fri 22 (Sat, Sun, bank holiday Mon 25 skipped).
    # 5 working days after it: Tue 26, Wed 27, Thu 28, Fri 29, Mon 1 Jun -> Mon 1 Jun 17:00.
    # Take an acknowledgement on Wed 3 Jun 10:00 with the tag on Tue 2 Jun: from the tag the due
    # date would be Tue 9 Jun (a false PASS); from the request it is Mon 1 Jun 17:00 -> FAIL.
    tagged = datetime(2026, 6, 2, 9, 30, tzinfo=LONDON)
    ack = datetime(2026, 6, 3, 10, tzinfo=LONDON)
    rec = record(
        RECEIVED,
        stage2_requested=ref("comment:20001", REQUEST),
        stage2_started=ref("audit:20002", tagged),
        stage2_acknowledged=ref("comment:20003", ack),
        procedure_stage=2,
    )
    result = run("housing-ombudsman", "stage2-acknowledged", rec, now=ack.replace(hour=12))
    assert result.due_at == _close(2026, 6, 1)
    assert result.status is Status.FAIL
    assert result.facts["clock_start"] == "stage 2 requested by the complainant"


def test_housing_ombudsman_without_the_request_falls_back_to_the_tag_and_says_so() -> None:
    rec = record(RECEIVED, stage2_started=ref("audit:20002", TAGGED), procedure_stage=2)
    result = run("housing-ombudsman", "stage2-acknowledged", rec, now=TAGGED.replace(hour=12))
    # Tag Tue 26 May 09:30 -> 5 working days: Wed 27 .. Tue 2 Jun, close of business.
    assert result.due_at == _close(2026, 6, 2)
    assert "request time not mapped" in str(result.facts["clock_start"])


def test_spso_stage2_ack_friday_evening_request_monday_tag() -> None:
    # Request Fri 22 May 18:30; tag Tue 26 May 09:30 (Mon 25 May: Spring bank holiday, SCT too).
    # 3 working days after the day of receipt (Fri 22): Tue 26, Wed 27, Thu 28 May 17:00.
    rec = record(
        RECEIVED,
        stage2_requested=ref("comment:20001", REQUEST),
        stage2_started=ref("audit:20002", TAGGED),
        procedure_stage=2,
    )
    result = run("spso", "stage2-acknowledged", rec, now=TAGGED.replace(hour=12))
    assert result.due_at == _close(2026, 5, 28)


def test_spso_stage2_response_counts_from_the_request() -> None:
    # Request on Fri 15 May 18:00 (day of receipt Fri 15), tag Wed 20 May 10:00.
    # 20 working days after the request's day: 18-22 May (5), [25 May holiday], 26-29 (9),
    # 1-5 Jun (14), 8-12 Jun (19), [15 Jun: a Scottish bank holiday in the `holidays` package's
    # GB/SCT 2026 calendar], 16 Jun (20): Tue 16 Jun 17:00.
    # From the tag it would be Fri 19 Jun: no response by Thu 18 Jun is late.
    request = datetime(2026, 5, 15, 18, tzinfo=LONDON)
    tagged = datetime(2026, 5, 20, 10, tzinfo=LONDON)
    rec = record(
        RECEIVED,
        stage2_requested=ref("comment:20001", request),
        stage2_started=ref("audit:20002", tagged),
        procedure_stage=2,
    )
    result = run("spso", "stage2-response", rec, now=datetime(2026, 6, 18, 10, tzinfo=LONDON))
    assert result.due_at == _close(2026, 6, 16)
    assert result.status is Status.FAIL
