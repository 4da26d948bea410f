"""PASS / FAIL / PENDING / AT_RISK fixtures for the regulatory checks, with the packs' params.

FCA and Housing cases: received Mon 2 Mar 2026 10:00 Europe/London (GMT; BST from Sun 29 Mar),
09:00-17:00 Mon-Fri, England bank holidays. Warning window: 1 business day (AT_RISK once the
close of the next business day reaches the deadline). FCA 8 weeks -> Mon 27 Apr 23:59:59 BST.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance_checks import REGISTRY, context_for
from compliance_checks.calendar import END_OF_DAY, Duration
from compliance_checks.model import ComplainantResponse, Outcome, Stage
from compliance_checks.registry import CheckResult
from tests.regulatory.helpers import FCA_FINAL_ELEMENTS, FCA_SUMMARY_ELEMENTS, letter, pack, record, ref

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")


def at(month: int, day: int, hour: int = 10, minute: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


RECEIVED = at(3, 2)
FCA_DUE = datetime.combine(date(2026, 4, 27), END_OF_DAY, tzinfo=LONDON)
FULL = {
    "decision": True,
    "reasons": True,
    "remedy": True,
    "ombudsman_rights": True,
    "elements": FCA_FINAL_ELEMENTS,
}


def run(
    pack_name: str, check_id: str, now: datetime, params: dict[str, Any] | None = None, /, **rec: Any
) -> CheckResult:
    policy = pack(pack_name)
    enabled = {c.id: c for c in policy.checks}[check_id]
    parsed = enabled.params
    if params:
        parsed = parsed.model_copy(update={k: Duration.parse(v) for k, v in params.items()})
    rec.setdefault("received_at", RECEIVED)
    return REGISTRY.get(check_id).fn(record(rec.pop("received_at"), **rec), parsed, context_for(policy, now))


def expect(result: CheckResult, status: str, due: datetime | None = None, *fragments: str) -> None:
    assert result.status.value == status, result.message
    if due is not None:
        assert result.due_at == due, (result.due_at, due)
    for fragment in fragments:
        assert fragment in result.message, (fragment, result.message)


# ---- regulatory-response (fca-disp) ---------------------------------------------------------


def test_fca_final_response_in_8_weeks_passes():
    final = letter("final_response", "comment:10", at(3, 20), **FULL)
    expect(run("fca-disp", "regulatory-response", at(3, 21), letters=(final,)), "PASS", FCA_DUE)


def test_fca_8_week_holding_response_stops_the_clock():
    # DISP 1.6.2R(2): reasons, when a final response is expected, FOS rights.
    holding = letter(
        "holding_response", "comment:11", at(4, 20), reasons=True, new_date=date(2026, 5, 29),
        ombudsman_rights=True,
    )
    expect(run("fca-disp", "regulatory-response", at(5, 1), letters=(holding,)), "PASS", FCA_DUE)


def test_fca_final_response_after_8_weeks_fails():
    final = letter("final_response", "comment:12", at(4, 28), **FULL)
    result = run("fca-disp", "regulatory-response", at(4, 29), letters=(final,))
    expect(result, "FAIL", FCA_DUE, "late", "(DISP 1.6.2R / 1.6.2AR)")


def test_fca_open_complaint_pending_then_at_risk_then_overdue():
    expect(run("fca-disp", "regulatory-response", at(3, 10)), "PENDING", FCA_DUE)
    # Mon 27 Apr 09:00 + 1 business day = Tue 28 Apr 17:00 >= the deadline -> AT_RISK.
    expect(run("fca-disp", "regulatory-response", at(4, 27, 9)), "AT_RISK", FCA_DUE)
    expect(run("fca-disp", "regulatory-response", at(4, 28, 9)), "FAIL", FCA_DUE, "overdue")


def test_fca_resolved_and_accepted_within_3_business_days_needs_no_final_response():
    result = run(
        "fca-disp",
        "regulatory-response",
        at(3, 6),
        stage=Stage.RESOLVED,
        decided=ref("changelog:5", at(3, 4, 12)),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:6", at(3, 4, 12)),
    )
    # 3 business days after Mon 2 Mar: Thu 5 Mar 17:00 GMT.
    expect(result, "PASS", at(3, 5, 17), "no final response deadline applies")


def test_fca_payment_complaint_holding_reply_extends_to_35_business_days():
    # Received Mon 2 Mar: 15 bd -> Mon 23 Mar 17:00 GMT; 35 bd: 24-27, 30, 31 Mar, 1, 2 Apr (23);
    # Good Friday 3 Apr and Easter Monday 6 Apr skipped; 7-10 (27), 13-17 (32), 20, 21, 22 Apr (35)
    # -> Wed 22 Apr 17:00 BST.
    holding = letter("holding_response", "comment:20", at(3, 20), reasons=True, new_date=date(2026, 4, 17))
    final = letter("final_response", "comment:21", at(4, 17), **FULL)
    payments = {"product_group": "payment services"}
    result = run("fca-disp", "regulatory-response", at(4, 18), letters=(holding, final), **payments)
    expect(result, "PASS", at(4, 22, 17), "holding reply sent 2026-03-20")
    late = run("fca-disp", "regulatory-response", at(4, 23), letters=(holding,), **payments)
    expect(late, "FAIL", at(4, 22, 17), "overdue")
    # Without a holding reply the deadline stays at 15 business days.
    expect(run("fca-disp", "regulatory-response", at(3, 24), **payments), "FAIL", at(3, 23, 17))


# ---- holding-response ---------------------------------------------------------------------


def test_holding_letter_complete_and_on_time_passes():
    holding = letter(
        "holding_response",
        "comment:30",
        at(4, 20),
        reasons=True,
        ombudsman_rights=True,
        new_date=date(2026, 5, 15),
    )
    expect(run("fca-disp", "holding-response", at(4, 21), letters=(holding,)), "PASS", FCA_DUE)


def test_holding_letter_without_ombudsman_rights_fails():
    holding = letter("holding_response", "comment:31", at(4, 20), reasons=True, new_date=date(2026, 5, 15))
    result = run("fca-disp", "holding-response", at(4, 21), letters=(holding,))
    expect(result, "FAIL", FCA_DUE, "does not show ombudsman rights")


def test_holding_letter_promising_a_date_beyond_35_business_days_fails():
    holding = letter(
        "holding_response",
        "comment:32",
        at(3, 20),
        reasons=True,
        new_date=date(2026, 4, 24),
        ombudsman_rights=True,
    )
    result = run("fca-disp", "holding-response", at(3, 21), letters=(holding,), product_group="e-money")
    expect(
        result, "FAIL", at(3, 23, 17), "promises 2026-04-24, after the 35 business days limit (2026-04-22)"
    )


def test_holding_letter_not_needed_when_final_sent_in_time():
    final = letter("final_response", "comment:33", at(3, 20), **FULL)
    expect(run("fca-disp", "holding-response", at(3, 21), letters=(final,)), "NOT_APPLICABLE")


def test_holding_letter_pending_and_at_risk_while_nothing_sent():
    expect(run("fca-disp", "holding-response", at(3, 10)), "PENDING", FCA_DUE)
    expect(run("fca-disp", "holding-response", at(4, 27, 9)), "AT_RISK", FCA_DUE)


# ---- final-response-content ---------------------------------------------------------------


def test_final_response_with_every_element_passes():
    final = letter("final_response", "comment:40", at(3, 20), **FULL)
    result = run("fca-disp", "final-response-content", at(3, 21), letters=(final,), outcome=Outcome.UPHELD)
    expect(result, "PASS")


def test_final_response_without_ombudsman_rights_fails():
    final = letter("final_response", "comment:41", at(3, 20), decision=True, reasons=True, remedy=True)
    result = run("fca-disp", "final-response-content", at(3, 21), letters=(final,))
    expect(result, "FAIL", None, "does not show: ombudsman rights")


def test_rejected_complaint_needs_no_remedy_in_the_final_response():
    final = letter(
        "final_response",
        "comment:42",
        at(3, 20),
        decision=True,
        reasons=True,
        ombudsman_rights=True,
        elements=FCA_FINAL_ELEMENTS,
    )
    result = run(
        "fca-disp", "final-response-content", at(3, 21), letters=(final,), outcome=Outcome.NOT_UPHELD
    )
    expect(result, "PASS")


def test_decided_without_final_response_letter_pending_at_risk_fail():
    decided = {"stage": Stage.RESOLVED, "decided": ref("changelog:7", at(3, 20))}
    # grace 5 bd from Fri 20 Mar -> Fri 27 Mar 17:00 GMT; at Mon 23 Mar +1 bd < deadline -> PENDING.
    expect(
        run("fca-disp", "final-response-content", at(3, 23), {"grace": "5 business days"}, **decided),
        "PENDING",
        at(3, 27, 17),
    )
    # The pack's 1 bd grace: due Mon 23 Mar 17:00; at Fri 20 Mar 11:00 it is within the window.
    expect(run("fca-disp", "final-response-content", at(3, 20, 11), **decided), "AT_RISK", at(3, 23, 17))
    expect(run("fca-disp", "final-response-content", at(3, 24), **decided), "FAIL", at(3, 23, 17))


def test_no_final_response_letter_needed_when_accepted_within_3_business_days():
    result = run(
        "fca-disp",
        "final-response-content",
        at(3, 10),
        stage=Stage.RESOLVED,
        decided=ref("changelog:8", at(3, 3)),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:9", at(3, 3)),
    )
    expect(result, "NOT_APPLICABLE")


# ---- summary-resolution -------------------------------------------------------------------

RESOLVED_EARLY = {
    "stage": Stage.RESOLVED,
    "decided": ref("changelog:9", at(3, 3)),
    "complainant_response": ComplainantResponse.ACCEPTED,
    "accepted": ref("changelog:10", at(3, 3)),
}


def test_summary_resolution_communication_passes():
    summary = letter(
        "summary_resolution", "comment:50", at(3, 3, 11), ombudsman_rights=True, elements=FCA_SUMMARY_ELEMENTS
    )
    result = run("fca-disp", "summary-resolution", at(3, 4), letters=(summary,), **RESOLVED_EARLY)
    # 1 business day after Tue 3 Mar 10:00 -> Wed 4 Mar 17:00 GMT.
    expect(result, "PASS", at(3, 4, 17))


def test_summary_resolution_without_ombudsman_rights_fails():
    summary = letter("summary_resolution", "comment:51", at(3, 3, 11), elements=FCA_SUMMARY_ELEMENTS)
    result = run("fca-disp", "summary-resolution", at(3, 4), letters=(summary,), **RESOLVED_EARLY)
    expect(result, "FAIL", at(3, 4, 17), "does not show: ombudsman rights")


def test_summary_resolution_pending_at_risk_and_overdue():
    expect(
        run("fca-disp", "summary-resolution", at(3, 3, 11), {"within": "3 business days"}, **RESOLVED_EARLY),
        "PENDING",
        at(3, 6, 17),
    )
    expect(run("fca-disp", "summary-resolution", at(3, 3, 11), **RESOLVED_EARLY), "AT_RISK", at(3, 4, 17))
    expect(run("fca-disp", "summary-resolution", at(3, 5), **RESOLVED_EARLY), "FAIL", at(3, 4, 17))


def test_summary_resolution_not_applicable_after_the_third_business_day():
    late = {
        **RESOLVED_EARLY,
        "decided": ref("changelog:9", at(3, 6)),
        "accepted": ref("changelog:10", at(3, 6)),
    }
    expect(run("fca-disp", "summary-resolution", at(3, 9), **late), "NOT_APPLICABLE")


# ---- two stages (housing-ombudsman) -------------------------------------------------------

STAGE2 = {"stage2_started": ref("changelog:60", at(3, 20)), "procedure_stage": 2}


def test_stage2_handler_differs_pass_at_risk_fail_pending_manual():
    ok = {**STAGE2, "handlers_by_stage": {1: ("alice",), 2: ("bob",)}}
    expect(run("housing-ombudsman", "stage2-handler-differs", at(3, 23), **ok), "PASS")
    same = {**STAGE2, "handlers_by_stage": {1: ("alice",), 2: ("Alice",)}}
    expect(
        run("housing-ombudsman", "stage2-handler-differs", at(3, 23), **same),
        "AT_RISK",
        None,
        "Alice, who handled stage 1",
    )
    closed = {**same, "stage": Stage.CLOSED}
    expect(run("housing-ombudsman", "stage2-handler-differs", at(4, 30), **closed), "FAIL")
    # Nobody assigned yet: 2 working days after Fri 20 Mar 10:00 -> Tue 24 Mar 17:00 GMT.
    waiting = {**STAGE2, "handlers_by_stage": {1: ("alice",)}}
    expect(
        run("housing-ombudsman", "stage2-handler-differs", at(3, 20, 11), **waiting), "PENDING", at(3, 24, 17)
    )
    expect(run("housing-ombudsman", "stage2-handler-differs", at(3, 20, 11), **STAGE2), "MANUAL")
    expect(run("housing-ombudsman", "stage2-handler-differs", at(3, 20, 11)), "NOT_APPLICABLE")


def test_stage2_acknowledgement_and_response():
    # Stage 2 started Fri 20 Mar 10:00: acknowledge by 5 wd -> Fri 27 Mar 17:00 GMT.
    expect(run("housing-ombudsman", "stage2-acknowledged", at(3, 23), **STAGE2), "PENDING", at(3, 27, 17))
    expect(
        run("housing-ombudsman", "stage2-acknowledged", at(3, 26, 17, 30), **STAGE2), "AT_RISK", at(3, 27, 17)
    )
    acked = {**STAGE2, "stage2_acknowledged": ref("comment:61", at(3, 24))}
    # In time from the agent's mark, but the complainant may have asked earlier: not evidence.
    expect(run("housing-ombudsman", "stage2-acknowledged", at(3, 25), **acked), "MANUAL", at(3, 27, 17))
    asked = {**acked, "stage2_requested": ref("comment:59", at(3, 20))}
    expect(run("housing-ombudsman", "stage2-acknowledged", at(3, 25), **asked), "PASS", at(3, 27, 17))
    late = {**STAGE2, "stage2_acknowledged": ref("comment:61", at(3, 30))}
    expect(run("housing-ombudsman", "stage2-acknowledged", at(3, 31), **late), "FAIL", at(3, 27, 17))
    # Response: 20 wd from the stage-2 acknowledgement (Tue 24 Mar): 25-27 Mar (3), 30 Mar-2 Apr (7);
    # Good Friday, Easter Monday skipped; 7-10 (11), 13-17 (16), 20-23 Apr (20) -> Thu 23 Apr 17:00.
    answer = letter("final_response", "comment:62", at(4, 22), stage=2, **FULL)
    expect(
        run("housing-ombudsman", "stage2-response", at(4, 22, 11), letters=(answer,), **acked),
        "PASS",
        at(4, 23, 17),
    )
    expect(run("housing-ombudsman", "stage2-response", at(4, 24), **acked), "FAIL", at(4, 23, 17))
    # A stage-1 letter does not answer stage 2.
    stage1 = letter("final_response", "comment:63", at(3, 19), **FULL)
    expect(run("housing-ombudsman", "stage2-response", at(4, 1), letters=(stage1,), **acked), "PENDING")


# ---- regulatory-acknowledged (asic-rg271) ---------------------------------------------------


def test_asic_acknowledgement():
    # "24 hours (or one business day)", read as the later: Mon 2 Mar 10:00 AEDT + 24 hours ->
    # Tue 3 Mar 10:00 AEDT; 1 business day -> close of Tue 3 Mar, 17:00 AEDT, the later.
    received = at(3, 2, tz=SYDNEY)
    due = at(3, 3, 17, tz=SYDNEY)
    ok = {"received_at": received, "acknowledged": ref("comment:70", at(3, 3, 9, tz=SYDNEY))}
    expect(run("asic-rg271", "regulatory-acknowledged", at(3, 3, 10, tz=SYDNEY), **ok), "PASS", due)
    # Tue 15:00 (29 hours, within the business day) is in time; Wed 09:00 is late.
    ok_day = {"received_at": received, "acknowledged": ref("comment:70", at(3, 3, 15, tz=SYDNEY))}
    expect(run("asic-rg271", "regulatory-acknowledged", at(3, 4, 10, tz=SYDNEY), **ok_day), "PASS", due)
    late = {"received_at": received, "acknowledged": ref("comment:70", at(3, 4, 9, tz=SYDNEY))}
    expect(run("asic-rg271", "regulatory-acknowledged", at(3, 4, 10, tz=SYDNEY), **late), "FAIL", due)
    expect(
        run("asic-rg271", "regulatory-acknowledged", at(3, 2, 10, 5, tz=SYDNEY), received_at=received),
        "AT_RISK",
        due,
    )
    # A child policy's 3-business-day target alone (no alternative) -> Thu 5 Mar 17:00 AEDT.
    policy = pack("asic-rg271")
    params: Any = {c.id: c.params for c in policy.checks}["regulatory-acknowledged"]
    longer = params.model_copy(
        update={
            "target": params.target.model_copy(update={"default": Duration.parse("3 business days")}),
            "alternative": None,
        }
    )
    result = REGISTRY.get("regulatory-acknowledged").fn(
        record(received), longer, context_for(policy, at(3, 2, 10, 5, tz=SYDNEY))
    )
    expect(result, "PENDING", at(3, 5, 17, tz=SYDNEY))


# ---- cfpb-timely-response -----------------------------------------------------------------

SENT = at(3, 2, tz=NEW_YORK)  # Mon 2 Mar 10:00 EST
DAY15 = datetime.combine(date(2026, 3, 17), END_OF_DAY, tzinfo=NEW_YORK)  # EDT from 8 Mar
DAY60 = datetime.combine(date(2026, 5, 1), END_OF_DAY, tzinfo=NEW_YORK)  # 2 Mar + 60 days


def cfpb(now: datetime, *letters_: Any, **rec: Any) -> CheckResult:
    return run(
        "cfpb",
        "cfpb-timely-response",
        now,
        received_at=SENT,
        sent_to_company_at=SENT,
        letters=letters_,
        **rec,
    )


def test_cfpb_timely_response():
    final = letter("final_response", "comment:80", at(3, 10, tz=NEW_YORK), **FULL)
    result = cfpb(at(3, 11, tz=NEW_YORK), final)
    expect(result, "PASS", DAY15)
    assert result.facts["timely_response"] == "Yes"
    progress = letter("holding_response", "comment:81", at(3, 10, tz=NEW_YORK))
    late_final = letter("final_response", "comment:82", at(4, 20, tz=NEW_YORK), **FULL)
    expect(cfpb(at(4, 21, tz=NEW_YORK), progress, late_final), "PASS", DAY60)
    expect(cfpb(at(4, 21, tz=NEW_YORK), progress), "PENDING", DAY60)
    too_late = letter("final_response", "comment:83", at(5, 5, tz=NEW_YORK), **FULL)
    failed = cfpb(at(5, 6, tz=NEW_YORK), progress, too_late)
    expect(failed, "FAIL", DAY60)
    # "Timely response?" is the 15-day response (In progress on day 8), not the final one.
    assert (failed.facts["timely_response"], failed.facts["response_given"]) == ("Yes", "final")
    silent = cfpb(at(3, 18, tz=NEW_YORK))
    expect(silent, "FAIL", DAY15, "overdue")
    assert (silent.facts["timely_response"], silent.facts["response_given"]) == ("No", "none")
    running = cfpb(at(3, 3, tz=NEW_YORK))
    expect(running, "PENDING", DAY15)
    assert (running.facts["timely_response"], running.facts["response_given"]) == (None, "none")
    # Tue 17 Mar 09:00 + 1 business day = Wed 18 Mar 17:00 >= the day-15 deadline -> AT_RISK.
    expect(cfpb(at(3, 17, 9, tz=NEW_YORK)), "AT_RISK", DAY15)
    no_portal = run("cfpb", "cfpb-timely-response", at(3, 3, tz=NEW_YORK), received_at=SENT)
    expect(no_portal, "NOT_APPLICABLE")


def test_cfpb_day_15_on_a_weekend_us_holiday_does_not_move():
    """CFPB Company Portal Manual 8.1 (v2.14 May 2015, v2.16 Mar 2016): a response "within 15
    calendar days of the complaint being sent to your portal"; the manual gives no roll-forward for
    weekends or holidays, so none is applied.

    Sent Fri 19 Jun 2026 10:00 EDT. Day 15 = Sat 4 Jul 2026, Independence Day (observed Fri 3 Jul):
    due Sat 4 Jul end of day. An In progress reply on Sat 4 Jul 20:00 is timely; one on Mon 6 Jul
    (the next business day) is not. "Timely response?" follows that reply, not the final response.
    """
    sent = datetime(2026, 6, 19, 10, tzinfo=NEW_YORK)
    day15 = datetime.combine(date(2026, 7, 4), END_OF_DAY, tzinfo=NEW_YORK)

    def reply(when: datetime) -> CheckResult:
        progress = letter("holding_response", "comment:90", when)
        return run(
            "cfpb",
            "cfpb-timely-response",
            datetime(2026, 7, 8, 10, tzinfo=NEW_YORK),
            received_at=sent,
            sent_to_company_at=sent,
            letters=(progress,),
        )

    on_holiday = reply(datetime(2026, 7, 4, 20, tzinfo=NEW_YORK))
    expect(on_holiday, "PENDING")  # final response due by day 60
    assert (on_holiday.facts["timely_response"], on_holiday.facts["response_given"]) == ("Yes", "in_progress")
    next_business_day = reply(datetime(2026, 7, 6, 9, tzinfo=NEW_YORK))
    expect(next_business_day, "FAIL", day15, "late")
    assert next_business_day.facts["timely_response"] == "No"


@pytest.mark.parametrize("check_id", ["regulatory-response", "stage2-response"])
def test_regulatory_clocks_ignore_pauses(check_id):
    from compliance_checks.model import Interval

    paused = (Interval(start=at(3, 3), end=at(4, 20)),)
    extra = STAGE2 if check_id == "stage2-response" else {}
    pack_name = "fca-disp" if check_id == "regulatory-response" else "housing-ombudsman"
    with_pause = run(pack_name, check_id, at(3, 21), paused=paused, **extra)
    without = run(pack_name, check_id, at(3, 21), **extra)
    assert with_pause.due_at == without.due_at
