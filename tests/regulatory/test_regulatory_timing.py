"""Hand-worked timing cases: the CBUAE overdue-complaint update (17.3.4), the CBI outcome letter
(CPC 2012 10.9) and the SPSO stage-1 extension, each with the pack's own calendar.

Every pack counts business days from the day of receipt (``calendar.receipt: day_of_receipt``):
the n-th business day *after* the local day the clock starts on, closing at the pack's close of
business. Holidays are those of the `holidays` package for the pack's country / subdivision.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from compliance_checks.findings import Status
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import Stage
from connector.cli import app
from tests.regulatory.helpers import letter, record, ref, run

DUBAI = ZoneInfo("Asia/Dubai")
DUBLIN = ZoneInfo("Europe/Dublin")
LONDON = ZoneInfo("Europe/London")


def t(tz: ZoneInfo, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


# ---- uae-cbuae: overdue-update (17.3.4) ------------------------------------------------------
# Received Wed 18 Nov 2026 10:00 Dubai (UTC+4). Week Mon-Fri (Sat-Sun off since 2022; the pack's
# hours Mon-Thu 08:00-16:00, Fri 08:00-12:00). Business days after Wed 18: Thu 19 (1), Fri 20 (2),
# Mon 23 (3), Tue 24 (4), Wed 25 (5), Thu 26 (6), Fri 27 (7), Mon 30 (8), Tue 1 Dec (9); Wed 2 and
# Thu 3 Dec are National Day; Fri 4 Dec (10): resolution due at its close, 12:00 Dubai = 08:00Z.
# Overdue from then; the very next business day is Mon 7 Dec (weekend between): the update is due
# by its close, 16:00 Dubai = 12:00Z.
UAE_RECEIVED = t(DUBAI, 11, 18)
UAE_RESOLUTION_DUE = datetime(2026, 12, 4, 8, tzinfo=UTC)
UAE_UPDATE_DUE = datetime(2026, 12, 7, 12, tzinfo=UTC)


def uae(now: datetime, *letters: object) -> tuple[Status, datetime | None, str, dict[str, object]]:
    result = run("uae-cbuae", "overdue-update", record(UAE_RECEIVED, letters=letters), now)
    return result.status, result.due_at, result.message, dict(result.facts)


def update(when: datetime, **content: object) -> object:
    return letter("overdue_update", "comment:501", when, **content)


def test_uae_update_with_reasons_on_the_next_business_day_passes_with_the_reply_as_evidence():
    rec = record(UAE_RECEIVED, letters=(update(t(DUBAI, 12, 7, 11), reasons=True),))
    result = run("uae-cbuae", "overdue-update", rec, t(DUBAI, 12, 8))
    assert (result.status, result.due_at) == (Status.PASS, UAE_UPDATE_DUE)
    assert result.facts["resolution_due"] == UAE_RESOLUTION_DUE.isoformat()
    assert [e.ref for e in result.evidence] == ["comment:501"]


def test_uae_update_after_the_friday_half_day_close_counts():
    # Fri 4 Dec 13:00 Dubai is after the 12:00 close that made it overdue, before Monday's close.
    status, due, _, _ = uae(t(DUBAI, 12, 8), update(t(DUBAI, 12, 4, 13), reasons=True))
    assert (status, due) == (Status.PASS, UAE_UPDATE_DUE)


def test_uae_no_update_fails_after_the_next_business_day_and_is_open_before():
    status, due, message, _ = uae(t(DUBAI, 12, 8, 9))
    assert (status, due) == (Status.FAIL, UAE_UPDATE_DUE)
    assert "overdue since 2026-12-07 16:00" in message and "17.3.4" in message
    # Mon 23 Nov: not overdue yet, the update would be due Mon 7 Dec.
    assert uae(t(DUBAI, 11, 23))[:2] == (Status.PENDING, UAE_UPDATE_DUE)
    # During Mon 7 Dec, the update's day: open, inside the policy's 1-business-day warning window.
    assert uae(t(DUBAI, 12, 7, 9))[:2] == (Status.AT_RISK, UAE_UPDATE_DUE)


def test_uae_update_on_the_second_business_day_is_late():
    status, due, message, _ = uae(t(DUBAI, 12, 9), update(t(DUBAI, 12, 8, 9), reasons=True))
    assert (status, due) == (Status.FAIL, UAE_UPDATE_DUE)
    assert "late" in message


def test_uae_update_without_the_reasons_fails():
    status, _, message, facts = uae(t(DUBAI, 12, 8), update(t(DUBAI, 12, 7, 11)))
    assert status is Status.FAIL
    assert "does not show: reasons" in message and facts["missing"] == "reasons"


def test_uae_update_sent_before_the_complaint_was_overdue_is_not_this_update():
    status, _, _, facts = uae(t(DUBAI, 12, 8), update(t(DUBAI, 11, 26), reasons=True))
    assert status is Status.FAIL
    assert "before the complaint was overdue" in str(facts["not_counted"])


def test_uae_final_response_within_10_business_days_needs_no_update():
    final = letter("final_response", "comment:500", t(DUBAI, 12, 4, 11))
    status, due, message, _ = uae(t(DUBAI, 12, 8), final)
    assert (status, due) == (Status.NOT_APPLICABLE, UAE_RESOLUTION_DUE)
    assert "no overdue update needed" in message


# ---- cbi-cpc: outcome-letter (CPC 2012 10.9) ---------------------------------------------------
# The investigation is completed at the record's decision. Dublin, Mon-Fri 09:00-17:00, Irish
# public holidays.


def cbi(decided: datetime, now: datetime, sent: datetime | None = None) -> tuple[Status, datetime | None]:
    letters = (letter("final_response", "comment:600", sent),) if sent else ()
    rec = record(
        t(DUBLIN, 3, 2),
        stage=Stage.RESOLVED,
        decided=ref("changelog:601", decided),
        letters=letters,
    )
    result = run("cbi-cpc", "outcome-letter", rec, now)
    return result.status, result.due_at


# Decided Thu 12 Mar 15:00 GMT. Business days after: Fri 13 (1), Mon 16 (2); Tue 17 is St Patrick's
# Day; Wed 18 (3), Thu 19 (4), Fri 20 (5): due at 17:00 GMT Fri 20 Mar.
CBI_DECIDED = t(DUBLIN, 3, 12, 15)
CBI_DUE = datetime(2026, 3, 20, 17, tzinfo=UTC)


def test_cbi_outcome_letter_within_5_business_days_passes():
    assert cbi(CBI_DECIDED, t(DUBLIN, 3, 23), t(DUBLIN, 3, 20, 16)) == (Status.PASS, CBI_DUE)


def test_cbi_outcome_letter_after_5_business_days_fails():
    assert cbi(CBI_DECIDED, t(DUBLIN, 3, 24), t(DUBLIN, 3, 23, 9)) == (Status.FAIL, CBI_DUE)


def test_cbi_no_outcome_letter_pending_then_fails():
    assert cbi(CBI_DECIDED, t(DUBLIN, 3, 16)) == (Status.PENDING, CBI_DUE)
    assert cbi(CBI_DECIDED, t(DUBLIN, 3, 23)) == (Status.FAIL, CBI_DUE)


def test_cbi_outcome_letter_across_month_end_and_easter_monday():
    # Decided Tue 31 Mar 10:00 IST (UTC+1 from 29 Mar). After: Wed 1 Apr (1), Thu 2 (2), Fri 3 (3;
    # Good Friday is not an Irish public holiday), Mon 6 Easter Monday, Tue 7 (4), Wed 8 (5):
    # due 17:00 IST Wed 8 Apr = 16:00Z.
    due = datetime(2026, 4, 8, 16, tzinfo=UTC)
    decided = t(DUBLIN, 3, 31)
    assert cbi(decided, t(DUBLIN, 4, 9), t(DUBLIN, 4, 8, 16, 30)) == (Status.PASS, due)
    assert cbi(decided, t(DUBLIN, 4, 9), t(DUBLIN, 4, 9, 9)) == (Status.FAIL, due)


def test_cbi_no_decision_is_not_applicable():
    rec = record(t(DUBLIN, 3, 2))
    assert run("cbi-cpc", "outcome-letter", rec, t(DUBLIN, 6, 1)).status is Status.NOT_APPLICABLE


# ---- spso: stage-1 extension --------------------------------------------------------------------
# Received Tue 24 Nov 2026 10:00 GMT; Mon-Fri 09:00-17:00, Scottish bank holidays (Mon 30 Nov St
# Andrew's Day). Working days after Tue 24: Wed 25 (1), Thu 26 (2), Fri 27 (3), Tue 1 Dec (4),
# Wed 2 Dec (5): 5 working days due 17:00 GMT Wed 2 Dec. Then Thu 3 (6), Fri 4 (7), Mon 7 (8),
# Tue 8 (9), Wed 9 (10): 10 working days due 17:00 GMT Wed 9 Dec.
SPSO_RECEIVED = t(LONDON, 11, 24)
SPSO_5 = datetime(2026, 12, 2, 17, tzinfo=UTC)
SPSO_10 = datetime(2026, 12, 9, 17, tzinfo=UTC)


def spso(decided: datetime, *letters: object) -> tuple[Status, datetime | None, dict[str, object]]:
    rec = record(
        SPSO_RECEIVED,
        stage=Stage.RESOLVED,
        decided=ref("changelog:701", decided),
        letters=letters,
    )
    result = run("spso", "regulatory-response", rec, decided + timedelta(days=1))
    return result.status, result.due_at, dict(result.facts)


def extension(when: datetime, new_date: date | None = None, **content: object) -> object:
    return letter("holding_response", "comment:700", when, new_date=new_date, **content)


def test_spso_stage1_without_extension_keeps_5_working_days():
    status, due, _ = spso(t(LONDON, 12, 4))
    assert (status, due) == (Status.FAIL, SPSO_5)


def test_spso_stage1_extension_with_reasons_moves_to_10_working_days():
    status, due, facts = spso(t(LONDON, 12, 4), extension(t(LONDON, 12, 1, 11), reasons=True))
    assert (status, due) == (Status.PASS, SPSO_10)
    assert "moved to" in str(facts["extension"])


def test_spso_stage1_extension_new_date_after_10_working_days_is_capped():
    late_promise = extension(t(LONDON, 12, 1, 11), date(2026, 12, 15), reasons=True)
    status, due, _ = spso(t(LONDON, 12, 10), late_promise)
    assert (status, due) == (Status.FAIL, SPSO_10)


def test_spso_stage1_extension_to_an_earlier_new_date_holds_that_date():
    # New date Fri 4 Dec: due at its close, 17:00 GMT; decided Mon 7 Dec is late.
    status, due, _ = spso(t(LONDON, 12, 7), extension(t(LONDON, 12, 1, 11), date(2026, 12, 4), reasons=True))
    assert (status, due) == (Status.FAIL, datetime(2026, 12, 4, 17, tzinfo=UTC))


def test_spso_stage1_extension_without_reasons_or_after_the_deadline_moves_nothing():
    status, due, facts = spso(t(LONDON, 12, 4), extension(t(LONDON, 12, 1, 11)))
    assert (status, due) == (Status.FAIL, SPSO_5)
    assert "does not show reasons" in str(facts["extension_ignored"])
    status, due, facts = spso(t(LONDON, 12, 4), extension(t(LONDON, 12, 3, 11), reasons=True))
    assert (status, due) == (Status.FAIL, SPSO_5)
    assert "after the deadline" in str(facts["extension_ignored"])


# ---- through `iso10002 check` ----------------------------------------------------------------
# The bundled samples (connector/samples/README.md: generator output in the shape of the Zendesk
# incremental ticket-events export and the Jira Cloud search response). Zendesk ticket 100001 and
# Jira CS-1 were created 2026-09-22T10:06:38Z = Tue 22 Sep 14:06 Dubai, and get no final
# response. Business days after Tue 22 Sep (no UAE holiday in Sep-Oct 2026): Wed 23 (1), Thu 24,
# Fri 25, Mon 28, Tue 29, Wed 30, Thu 1 Oct, Fri 2, Mon 5, Tue 6 Oct (10): overdue from 16:00
# Dubai Tue 6 Oct; the update is due by the close of Wed 7 Oct, 16:00 Dubai = 12:00Z.

SAMPLES = Path(__file__).resolve().parents[2] / "connector" / "samples"
UPDATE_TEXT = "[OVERDUE] We are sorry: the reason for the delay is that we are waiting for the card scheme."
SAMPLE_UPDATE_DUE = "2026-10-07T12:00:00Z"


def _sample_pages(name: str) -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / name).read_text("utf-8").splitlines()]


def _with_zendesk_update(path: Path) -> None:
    """A public agent comment on ticket 100001 (Zendesk ticket events: an Audit whose child
    Comment has ``public: true``), copied from the ticket's own agent reply."""
    pages = _sample_pages("zendesk-sample.jsonl")
    for page in pages:
        events = page.get("ticket_events", [])
        reply = next(
            e for e in events
            if e["ticket_id"] == 100001
            and any(c.get("type") == "Comment" and c["public"] and c["author_id"] == 381000000100
                    for c in e["child_events"])
        ) if events else None
        if reply is None:
            continue
        audit = copy.deepcopy(reply)
        audit.update(id=100001900, created_at="2026-10-07T09:00:00Z", timestamp=1791363600)
        comment = next(c for c in audit["child_events"] if c.get("type") == "Comment")
        comment.update(id=1000019000, body=UPDATE_TEXT, plain_body=UPDATE_TEXT,
                       html_body=f"<p>{UPDATE_TEXT}</p>", created_at="2026-10-07T09:00:00Z",
                       audit_id=100001900)
        audit["child_events"] = [comment]
        events.append(audit)
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")


def _with_jira_update(path: Path) -> None:
    """A comment on CS-1 copied from its own first agent comment (same author and visibility)."""
    pages = _sample_pages("jira-cloud-sample.jsonl")
    for page in pages:
        for issue in page.get("issues", []):
            if issue["key"] != "CS-1":
                continue
            comments = issue["fields"]["comment"]["comments"]
            added = copy.deepcopy(comments[0])
            when = "2026-10-07T09:00:00.000+0000"
            added.update(id="109999", created=when, updated=when)
            added["self"] = added["self"].rsplit("/", 1)[0] + "/109999"
            added["body"] = {"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": UPDATE_TEXT}]}]}
            comments.append(added)
            issue["fields"]["comment"]["total"] = len(comments)
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")


def _overdue_update(platform: str, export: Path, ticket: str) -> dict[str, str]:
    policy = str(PACKS_DIR / "uae-cbuae.yaml")
    args = ["check", "--platform", platform, "--input", str(export), "--policy", policy,
            "--as-of", "2026-11-22T09:00:00+00:00", "--format", "json"]
    result = CliRunner().invoke(app, args)
    findings = json.loads(result.stdout)["findings"]
    return next(f for f in findings if f["check"] == "overdue-update" and f["ticket"] == ticket)


@pytest.mark.parametrize(
    ("platform", "sample", "edit", "ticket"),
    [
        ("zendesk", "zendesk-sample.jsonl", _with_zendesk_update, "100001"),
        ("jira", "jira-cloud-sample.jsonl", _with_jira_update, "CS-1"),
    ],
)
def test_check_cli_reads_the_overdue_update_from_a_public_reply(platform, sample, edit, ticket, tmp_path):
    before = _overdue_update(platform, SAMPLES / sample, ticket)
    assert (before["status"], before["due_at"]) == ("FAIL", SAMPLE_UPDATE_DUE)
    export = tmp_path / sample
    edit(export)
    after = _overdue_update(platform, export, ticket)
    assert (after["status"], after["due_at"]) == ("PASS", SAMPLE_UPDATE_DUE), after["message"]
