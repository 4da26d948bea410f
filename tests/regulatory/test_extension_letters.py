"""Stage-2 extension letters (Housing Ombudsman, SPSO): they move the deadline only when sent before
it, with reasons and a new date; ``stage2-extension`` judges the letter itself.

Housing Ombudsman (England, 09:00-17:00 Mon-Fri): stage 2 escalated Mon 13 Apr 2026 10:00 BST,
acknowledged Wed 15 Apr 11:00 BST. 20 working days from the acknowledgement: Thu 16, Fri 17 (2),
20-24 Apr (7), 27-30 Apr (11), Fri 1 May (12), Mon 4 May Early May bank holiday skipped, 5-8 May (16),
11-14 May (20) -> Thu 14 May 17:00 BST. 40 working days: Fri 15 May (21), 18-22 May (26), Mon 25
May Spring bank holiday skipped, 26-29 May (30), 1-5 Jun (35), 8-12 Jun (40) -> Fri 12 Jun 17:00 BST.

SPSO (Scotland; Easter Monday is not a Scottish bank holiday): escalated Mon 13 Apr 10:00 BST,
20 working days from the escalation: 14-17 Apr (4), 20-24 (9), 27-30 (13), Fri 1 May (14), Mon 4
May bank holiday skipped, 5-8 May (18), Mon 11, Tue 12 May (20) -> Tue 12 May 17:00 BST.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from compliance_checks.calendar import END_OF_DAY
from compliance_checks.model import ActorRole, Event, EventKind, Letter, LetterKind, Party, SourceKind
from mappings.derive import build_record
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path, parse_mapping
from tests.regulatory.helpers import letter, record, ref, run

LONDON = ZoneInfo("Europe/London")
FULL = {"decision": True, "reasons": True, "remedy": True, "ombudsman_rights": True}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


STAGE2 = {
    "stage2_started": ref("changelog:40", at(4, 13)),
    "stage2_acknowledged": ref("comment:41", at(4, 15, 11)),
    "acknowledged": ref("comment:2", at(3, 3)),
}
HOUSING_DUE = at(5, 14, 17)
HOUSING_LIMIT = at(6, 12, 17)


def extension(sent: datetime, new_date: date | None, **content: Any) -> Letter:
    content.setdefault("reasons", True)
    return letter("holding_response", "comment:45", sent, stage=2, new_date=new_date, **content)


def final(sent: datetime) -> Letter:
    return letter("final_response", "comment:46", sent, stage=2, **FULL)


def housing(*letters: Letter, check: str = "stage2-response", now: datetime) -> Any:
    rec = record(at(3, 2), letters=letters, **STAGE2)
    return run("housing-ombudsman", check, rec, now)


# ---- stage2-response: when the deadline moves ---------------------------------------------


def test_housing_extension_before_the_deadline_moves_it_to_the_new_date():
    # Sent Mon 11 May (before Thu 14 May 17:00), reasons, new date Fri 29 May -> close of business
    # Fri 29 May 17:00 BST.
    ext = extension(at(5, 11), date(2026, 5, 29))
    result = housing(ext, final(at(5, 28)), now=at(5, 30))
    assert result.status.value == "PASS", result.message
    assert result.due_at == at(5, 29, 17)
    assert result.facts["extension"] == "moved to the new date 2026-05-29 (2026-05-29 17:00 BST)"
    overdue = housing(ext, now=at(5, 30))
    assert overdue.status.value == "FAIL" and "overdue since 2026-05-29 17:00 BST" in overdue.message


def test_housing_extension_sent_after_the_deadline_does_not_move_it():
    # Sent Fri 15 May 10:00, after Thu 14 May 17:00: the final response of Thu 28 May is late.
    result = housing(extension(at(5, 15), date(2026, 5, 29)), final(at(5, 28)), now=at(5, 30))
    assert result.status.value == "FAIL"
    assert result.due_at == HOUSING_DUE
    assert str(result.facts["extension_ignored"]).startswith(
        "letter sent 2026-05-15 10:00 BST, after the deadline"
    )


def test_housing_extension_without_reasons_or_new_date_does_not_move_it():
    no_reasons = housing(
        extension(at(5, 11), date(2026, 5, 29), reasons=None), final(at(5, 28)), now=at(5, 30)
    )
    assert (no_reasons.status.value, no_reasons.due_at) == ("FAIL", HOUSING_DUE)
    assert no_reasons.facts["extension_ignored"] == "letter does not show reasons: not moved"
    no_date = housing(extension(at(5, 11), None), final(at(5, 28)), now=at(5, 30))
    assert no_date.facts["extension_ignored"] == "letter does not show new date: not moved"


def test_housing_extension_beyond_the_limit_is_capped_at_40_working_days():
    # New date Tue 30 Jun is after the 40-working-day limit Fri 12 Jun 17:00 BST.
    result = housing(extension(at(5, 11), date(2026, 6, 30)), now=at(6, 13))
    assert result.status.value == "FAIL"
    assert result.due_at == HOUSING_LIMIT
    assert "after the 40 business days limit" in str(result.facts["extension"])


def test_housing_extension_to_a_bank_holiday_runs_to_the_end_of_that_day():
    # Mon 25 May is the Spring bank holiday: no business hours, so the end of the day 23:59:59.
    result = housing(extension(at(5, 11), date(2026, 5, 25)), now=at(5, 20))
    assert result.due_at == datetime.combine(date(2026, 5, 25), END_OF_DAY, tzinfo=LONDON)


def test_a_stage1_holding_letter_does_not_extend_stage2():
    stage1 = letter("holding_response", "comment:10", at(3, 10), reasons=True, new_date=date(2026, 5, 29))
    result = housing(stage1, final(at(5, 28)), now=at(5, 30))
    assert (result.status.value, result.due_at) == ("FAIL", HOUSING_DUE)


def test_spso_stage2_extension_has_no_maximum():
    # Escalated Mon 13 Apr: due Tue 12 May 17:00 BST; extension of Mon 11 May to Tue 30 Jun ->
    # Tue 30 Jun 17:00 BST (our sources set no maximum).
    stage2 = {"stage2_requested": ref("comment:39", at(4, 13)),
              "stage2_started": ref("changelog:40", at(4, 13))}
    ext = extension(at(5, 11), date(2026, 6, 30))
    rec = record(at(3, 2), letters=(ext, final(at(6, 29))), **stage2)
    result = run("spso", "stage2-response", rec, at(7, 1))
    assert result.status.value == "PASS", result.message
    assert result.due_at == at(6, 30, 17)
    late = run("spso", "stage2-response", record(at(3, 2), letters=(ext,), **stage2), at(7, 1))
    assert late.status.value == "FAIL"
    unextended = run("spso", "stage2-response", record(at(3, 2), **stage2), at(5, 1))
    assert unextended.due_at == at(5, 12, 17)


# ---- stage2-extension: the letter itself --------------------------------------------------


def test_stage2_extension_check_judges_the_letter():
    ok = housing(extension(at(5, 11), date(2026, 5, 29)), check="stage2-extension", now=at(5, 12))
    assert ok.status.value == "PASS" and ok.facts["new_date"] == "2026-05-29"
    late = housing(extension(at(5, 15), date(2026, 5, 29)), check="stage2-extension", now=at(5, 16))
    assert late.status.value == "FAIL"
    assert late.message.startswith(
        "Stage-2 extension letter sent 2026-05-15 10:00 BST, after the deadline 2026-05-14 17:00 BST"
    )
    too_far = housing(extension(at(5, 11), date(2026, 6, 30)), check="stage2-extension", now=at(5, 12))
    assert too_far.status.value == "FAIL"
    assert "promises 2026-06-30, after the 40 business days limit (2026-06-12)" in too_far.message


def test_stage2_extension_check_is_not_applicable_without_stage2_or_letter():
    no_stage2 = run("housing-ombudsman", "stage2-extension", record(at(3, 2)), at(5, 1))
    assert no_stage2.status.value == "NOT_APPLICABLE"
    assert housing(check="stage2-extension", now=at(5, 1)).status.value == "NOT_APPLICABLE"


# ---- the mapping: regulatory.extension_letter -----------------------------------------------


def test_extension_letters_are_recognised_like_holding_letters():
    data = yaml.safe_load(default_mapping_path("zendesk").read_text(encoding="utf-8"))
    data["regulatory"] = {
        "stage2": {"labels": ["stage_2"]},
        "holding_response": {"labels": ["reg_holding_letter"]},
        "extension_letter": {
            "labels": ["reg_extension_letter"],
            "markers": ["[EXTENSION]"],
            "content": {"reasons": {"markers": ["because"]}},
        },
    }
    spec = parse_mapping(yaml.safe_dump(data), "zendesk-ext.yaml").spec

    def ev(kind: EventKind, source_id: str, when: datetime, **kw: Any) -> Event:
        kw.setdefault("actor_role", ActorRole.AGENT)
        return Event(at=when, kind=kind, source_kind=SourceKind.AUDIT, source_id=source_id, **kw)

    text = "[EXTENSION] We need more time because the contractor reports late. New date: 2026-05-29."
    events = [
        ev(EventKind.LABEL_CHANGE, "1", at(4, 13), field="tags", from_value="", to_value="stage_2"),
        # Tag and reply in one update: one letter, at stage 2, with reasons and the new date.
        ev(EventKind.COMMENT, "2", at(5, 11), public=True, text=text),
        ev(
            EventKind.LABEL_CHANGE,
            "3",
            at(5, 11),
            field="tags",
            from_value="stage_2",
            to_value="stage_2 reg_extension_letter",
        ),
        # An internal note with the marker is never a letter.
        ev(EventKind.COMMENT, "4", at(5, 12), public=False, text="[EXTENSION] draft"),
    ]
    facts = TicketFacts(
        key="77",
        id="77",
        platform="zendesk",
        created=at(3, 2),
        raw={"id": 77},
        status="open",
        priority="normal",
        requester=Party(id="r-1", name="Ada"),
        events=events,
    )
    rec = build_record(facts, spec)
    assert [(x.kind, x.stage, x.sent.ref()) for x in rec.letters] == [(LetterKind.HOLDING, 2, "audit:2")]
    assert rec.letters[0].reasons is True and rec.letters[0].new_date == date(2026, 5, 29)


def test_no_extension_rule_for_the_complaint_leaves_no_extension_facts():
    # FCA, a general complaint (no payment-services product group): the 8-week holding letter of
    # Mon 20 Apr stops the 8-week clock (due Mon 27 Apr 23:59:59 BST); no extension applies, so
    # no extension fact is recorded.
    holding = letter(
        "holding_response", "comment:30", at(4, 20), reasons=True, new_date=date(2026, 5, 29),
        ombudsman_rights=True,
    )
    result = run("fca-disp", "regulatory-response", record(at(3, 2), letters=(holding,)), at(4, 28))
    assert result.status.value == "PASS", result.message
    assert "extension" not in result.facts and "extension_ignored" not in result.facts
