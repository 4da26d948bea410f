"""Due dates of every pack on real dates, worked out by hand in each case's comment. Conventions
(domain document, "Clocks and durations"): ``N business/working days`` is due at the close of the
N-th business day after the day of receipt: every regulatory pack sets ``receipt: day_of_receipt``
(the local calendar day it arrived on, business day or not; the ISO baseline's ``next_opening``
counts an after-hours receipt from the next opening); ``N days`` / ``N weeks`` are due at
23:59:59.999999 local on the calendar day N (7N) days after the day of receipt. Every pack here
works 09:00-17:00 Mon-Fri unless its case says otherwise. Each case runs the pack's own check on an
open record one minute after the clock starts and reads the ``due_at`` of the PENDING result.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance_checks.calendar import END_OF_DAY
from tests.regulatory.helpers import pack, record, ref, run

LONDON = ZoneInfo("Europe/London")
DUBLIN = ZoneInfo("Europe/Dublin")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")
SINGAPORE = ZoneInfo("Asia/Singapore")
DUBAI = ZoneInfo("Asia/Dubai")
BAHRAIN = ZoneInfo("Asia/Bahrain")


def t(tz: ZoneInfo, y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


def eod(tz: ZoneInfo, y: int, mo: int, d: int) -> datetime:
    return datetime.combine(datetime(y, mo, d).date(), END_OF_DAY, tzinfo=tz)


def close(tz: ZoneInfo, y: int, mo: int, d: int, h: int = 17) -> datetime:
    return datetime.combine(datetime(y, mo, d).date(), time(h), tzinfo=tz)


CASES = [
    # ---- fca-disp (GB-ENG) ------------------------------------------------------------------
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 2),
        {},
        # Mon 02 Mar + 56 days = Mon 27 Apr, end of day; BST since Sun 29 Mar (end of day local).
        eod(LONDON, 2026, 4, 27),
        id="fca-8-weeks-across-dst-start",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 10, 30, 16),
        {},
        # Fri 30 Oct (GMT since Sun 25 Oct) + 56 days = Fri 25 Dec: calendar weeks ignore holidays.
        eod(LONDON, 2026, 12, 25),
        id="fca-8-weeks-ends-on-christmas-day",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 23),
        {"product_group": "Payment services"},
        # 15 bd after Mon 23 Mar: 24,25,26,27,30,31 Mar, 1,2 Apr (8); Good Friday 3 Apr and Easter
        # Monday 6 Apr skipped; 7,8,9,10,13,14,15 Apr (15) -> Wed 15 Apr 17:00 BST.
        close(LONDON, 2026, 4, 15),
        id="fca-payments-15-business-days-over-easter",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 23),
        {"product_group": "payment_services"},
        # The Zendesk option tag of the product-group dropdown (values are tags, Zendesk Support
        # API "Ticket Fields", tagger): matched to the pack's `payment services` after normalising;
        # then as above -> Wed 15 Apr 17:00 BST, not the 8 weeks of other complaints.
        close(LONDON, 2026, 4, 15),
        id="fca-payments-15-business-days-zendesk-tag",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 23),
        {"category": "E_Money"},
        # By category, spelt as a tag: the same 15 business days -> Wed 15 Apr 17:00 BST.
        close(LONDON, 2026, 4, 15),
        id="fca-emoney-15-business-days-category-tag",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 20, 17, 30),
        {"category": "e-money"},
        # Fri 20 Mar 17:30 is after close, but the pack counts from the day of receipt (Fri 20);
        # 15 bd after it: 23-27 Mar (5), 30, 31 Mar, 1, 2 Apr (9), Good Friday 3 Apr and Easter
        # Monday 6 Apr skipped, 7-10 (13), 13, 14 (15) -> Tue 14 Apr 17:00 BST (by category).
        close(LONDON, 2026, 4, 14),
        id="fca-e-money-after-close-of-business",
    ),
    pytest.param(
        "fca-disp",
        "regulatory-response",
        t(LONDON, 2026, 3, 23),
        {"product_group": "payment services", "letters": "holding"},
        # A holding reply by day 15 moves the deadline to 35 bd: from Wed 15 Apr (15): 16,17,20,
        # 21,22,23,24,27,28,29,30 Apr, 1 May (27); Mon 4 May early May bank holiday skipped;
        # 5,6,7,8,11,12,13,14 May (35) -> Thu 14 May 17:00 BST.
        close(LONDON, 2026, 5, 14),
        id="fca-payments-35-business-days-after-holding-reply",
    ),
    # ---- psd2 (IE) --------------------------------------------------------------------------
    pytest.param(
        "psd2",
        "regulatory-response",
        t(DUBLIN, 2026, 3, 16),
        {},
        # After Mon 16 Mar: St Patrick's Day Tue 17 skipped; 18,19,20,23,24,25,26,27,30,31 Mar,
        # 1,2,3 Apr (13; Good Friday is no public holiday in Ireland); Easter Monday 6 Apr
        # skipped; 7,8 Apr (15) -> Wed 8 Apr 17:00 IST.
        close(DUBLIN, 2026, 4, 8),
        id="psd2-15-business-days-st-patricks-and-easter",
    ),
    pytest.param(
        "psd2",
        "regulatory-response",
        t(DUBLIN, 2026, 1, 31, 11),
        {},
        # Sat 31 Jan, counted from the day of receipt; Mon 2 Feb is St Brigid's Day; 15 bd after
        # Sat 31: 3,4,5,6,9,10,11,12,13,16,17,18,19,20,23 Feb -> Mon 23 Feb 17:00 GMT.
        close(DUBLIN, 2026, 2, 23),
        id="psd2-saturday-receipt-before-st-brigids-day",
    ),
    pytest.param(
        "psd2",
        "regulatory-response",
        t(DUBLIN, 2026, 3, 16),
        {"letters": "holding"},
        # 35 bd: from Wed 8 Apr (15): 9,10,13,14,15,16,17,20,21,22,23,24,27,28,29,30 Apr, 1 May
        # (32); Mon 4 May bank holiday skipped; 5,6,7 May (35) -> Thu 7 May 17:00 IST.
        close(DUBLIN, 2026, 5, 7),
        id="psd2-35-business-days-after-holding-reply",
    ),
    # ---- asic-rg271 (AU-NSW) ----------------------------------------------------------------
    pytest.param(
        "asic-rg271",
        "regulatory-response",
        t(SYDNEY, 2026, 3, 20, 15),
        {},
        # Fri 20 Mar + 30 days = Sun 19 Apr, end of day AEST (daylight saving ended Sun 5 Apr).
        eod(SYDNEY, 2026, 4, 19),
        id="asic-30-calendar-days-across-dst-end",
    ),
    pytest.param(
        "asic-rg271",
        "regulatory-response",
        t(SYDNEY, 2026, 3, 2),
        {"category": "Superannuation"},
        # Mon 2 Mar + 45 days = 31 Mar (+29) then +16 = Thu 16 Apr, end of day AEST.
        eod(SYDNEY, 2026, 4, 16),
        id="asic-superannuation-45-days-month-end",
    ),
    pytest.param(
        "asic-rg271",
        "regulatory-response",
        t(SYDNEY, 2026, 1, 27),
        {"category": "credit hardship"},
        # Tue 27 Jan + 21 days = Tue 17 Feb, end of day AEDT.
        eod(SYDNEY, 2026, 2, 17),
        id="asic-credit-hardship-21-days",
    ),
    pytest.param(
        "asic-rg271",
        "regulatory-acknowledged",
        t(SYDNEY, 2026, 4, 24, 16),
        {},
        # 24 hours -> Sat 25 Apr 16:00 AEST; 1 business day after Fri 24: weekend, Mon 27 Apr
        # ANZAC Day (observed, NSW) -> Tue 28 Apr 17:00 AEST. The later of the two: Tuesday.
        t(SYDNEY, 2026, 4, 28, 17),
        id="asic-ack-24h-or-1bd-over-anzac-day-observed",
    ),
    pytest.param(
        "asic-rg271",
        "regulatory-acknowledged",
        t(SYDNEY, 2026, 3, 2, 8),
        {},
        # Mon 08:00, before opening; day of receipt Mon 2 Mar: 1 bd -> close of Tue 3 Mar 17:00
        # AEDT; 24 hours -> Tue 3 Mar 08:00 AEDT. The later: Tue 3 Mar 17:00.
        t(SYDNEY, 2026, 3, 3, 17),
        id="asic-ack-before-opening",
    ),
    # ---- cbi-cpc (IE) -----------------------------------------------------------------------
    pytest.param(
        "cbi-cpc",
        "acknowledged-in-time",
        t(DUBLIN, 2026, 10, 23, 14),
        {},
        # After Fri 23 Oct: Mon 26 Oct October bank holiday skipped; 27,28,29,30 Oct, 2 Nov (5)
        # -> Mon 2 Nov 17:00 GMT (Irish summer time ended Sun 25 Oct).
        close(DUBLIN, 2026, 11, 2),
        id="cbi-ack-5-business-days-october-bank-holiday",
    ),
    pytest.param(
        "cbi-cpc",
        "regulatory-response",
        t(DUBLIN, 2026, 11, 30),
        {},
        # 40 bd after Mon 30 Nov: 1-4, 7-11, 14-18, 21-24 Dec (18); 25 Dec, 26 Dec (Sat) skipped;
        # 28,29,30,31 Dec (22); 1 Jan skipped; 4-8, 11-15, 18-22 Jan (37); 25,26,27 Jan (40)
        # -> Wed 27 Jan 2027 17:00 GMT.
        close(DUBLIN, 2027, 1, 27),
        id="cbi-40-business-days-over-christmas-and-year-end",
    ),
    pytest.param(
        "cbi-cpc",
        "kept-informed",
        t(DUBLIN, 2026, 3, 2),
        {},
        # No update yet: next update due 20 bd after Mon 2 Mar: 3-6, 9-13, 16 (10); 17 skipped;
        # 18-20, 23-27, 30, 31 (20) -> Tue 31 Mar 17:00 IST.
        close(DUBLIN, 2026, 3, 31),
        id="cbi-update-every-20-business-days",
    ),
    # ---- housing-ombudsman (GB-ENG) ---------------------------------------------------------
    pytest.param(
        "housing-ombudsman",
        "acknowledged-in-time",
        t(LONDON, 2026, 4, 2, 12),
        {},
        # After Thu 2 Apr: Good Friday, Easter Monday skipped; 7,8,9,10,13 Apr -> Mon 13 Apr 17:00.
        close(LONDON, 2026, 4, 13),
        id="housing-ack-5-working-days-over-easter",
    ),
    pytest.param(
        "housing-ombudsman",
        "regulatory-response",
        t(LONDON, 2026, 4, 2, 12),
        {"acknowledged": ("comment:1", t(LONDON, 2026, 4, 13, 16))},
        # Stage 1: 10 wd from the acknowledgement (Mon 13 Apr): 14-17, 20-24, 27 Apr -> Mon 27 Apr.
        close(LONDON, 2026, 4, 27),
        id="housing-stage1-10-working-days-from-ack",
    ),
    pytest.param(
        "housing-ombudsman",
        "stage2-acknowledged",
        t(LONDON, 2026, 5, 1),
        {"stage2_started": ("changelog:9", t(LONDON, 2026, 5, 22, 18))},
        # Escalated Fri 22 May 18:00 (after close), counted from that day; Mon 25 May spring bank
        # holiday skipped; 5 wd: 26,27,28,29 May, 1 Jun -> Mon 1 Jun 17:00 BST.
        close(LONDON, 2026, 6, 1),
        id="housing-stage2-ack-after-close-before-bank-holiday",
    ),
    pytest.param(
        "housing-ombudsman",
        "stage2-response",
        t(LONDON, 2026, 5, 1),
        {
            "stage2_started": ("changelog:9", t(LONDON, 2026, 5, 29)),
            "stage2_acknowledged": ("comment:12", t(LONDON, 2026, 6, 2)),
        },
        # 20 wd from the stage-2 acknowledgement (Tue 2 Jun): 3-5, 8-12, 15-19, 22-26 Jun (18),
        # 29, 30 Jun (20) -> Tue 30 Jun 17:00 BST.
        close(LONDON, 2026, 6, 30),
        id="housing-stage2-20-working-days-from-stage2-ack",
    ),
    # ---- spso (GB-SCT) ----------------------------------------------------------------------
    pytest.param(
        "spso",
        "regulatory-response",
        t(LONDON, 2026, 11, 27),
        {},
        # After Fri 27 Nov: Mon 30 Nov St Andrew's Day (Scotland) skipped; 1,2,3,4,7 Dec -> Mon 7 Dec.
        close(LONDON, 2026, 12, 7),
        id="spso-stage1-st-andrews-day",
    ),
    pytest.param(
        "spso",
        "regulatory-response",
        t(LONDON, 2026, 12, 30),
        {},
        # After Wed 30 Dec: 31 Dec (1); 1 Jan, 2 Jan (Sat) and its substitute Mon 4 Jan skipped;
        # 5,6,7,8 Jan (5) -> Fri 8 Jan 2027 17:00 GMT.
        close(LONDON, 2027, 1, 8),
        id="spso-stage1-scottish-new-year",
    ),
    pytest.param(
        "spso",
        "stage2-acknowledged",
        t(LONDON, 2026, 8, 10),
        {"stage2_started": ("changelog:3", t(LONDON, 2026, 8, 27, 11))},
        # After Thu 27 Aug: 28, 31 Aug (Scotland's summer bank holiday was Mon 3 Aug, so 31 Aug is
        # a working day there, unlike England), 1 Sep -> Tue 1 Sep 17:00 BST.
        close(LONDON, 2026, 9, 1),
        id="spso-stage2-ack-scottish-not-english-bank-holiday",
    ),
    pytest.param(
        "spso",
        "stage2-response",
        t(LONDON, 2026, 8, 10),
        {"stage2_started": ("changelog:3", t(LONDON, 2026, 8, 27, 11))},
        # 20 wd after Thu 27 Aug: 28, 31 Aug, 1-4 Sep (6), 7-11 (11), 14-18 (16), 21-24 (20)
        # -> Thu 24 Sep 17:00 BST.
        close(LONDON, 2026, 9, 24),
        id="spso-stage2-20-working-days",
    ),
    # ---- cfpb (US) --------------------------------------------------------------------------
    pytest.param(
        "cfpb",
        "cfpb-timely-response",
        t(NEW_YORK, 2026, 2, 20),
        {"sent_to_company_at": t(NEW_YORK, 2026, 2, 27, 16)},
        # Sent Fri 27 Feb + 15 days = Sat 14 Mar, end of day EDT (DST began Sun 8 Mar).
        eod(NEW_YORK, 2026, 3, 14),
        id="cfpb-15-days-across-month-end-and-dst",
    ),
    pytest.param(
        "cfpb",
        "cfpb-timely-response",
        t(NEW_YORK, 2026, 11, 18),
        {"sent_to_company_at": t(NEW_YORK, 2026, 11, 19, 9), "letters": "holding"},
        # In progress by day 15; final within 60 days of Thu 19 Nov: 30 Nov (+11), 31 Dec (+42),
        # 18 Jan (+60) -> Mon 18 Jan 2027 end of day EST (Thanksgiving, MLK day irrelevant).
        eod(NEW_YORK, 2027, 1, 18),
        id="cfpb-60-days-after-in-progress",
    ),
    # ---- singapore-fa (SG) ------------------------------------------------------------------
    pytest.param(
        "singapore-fa",
        "acknowledged-in-time",
        t(SINGAPORE, 2026, 2, 16),
        {},
        # After Mon 16 Feb: Chinese New Year Tue 17, Wed 18 skipped; Thu 19, Fri 20 -> Fri 20 Feb.
        close(SINGAPORE, 2026, 2, 20),
        id="sg-ack-2-business-days-chinese-new-year",
    ),
    pytest.param(
        "singapore-fa",
        "regulatory-response",
        t(SINGAPORE, 2026, 7, 30, 17, 30),
        {},
        # Thu 30 Jul 17:30 after close, counted from that day; 20 bd: Fri 31 Jul (1), 3-7 Aug (6);
        # National Day Sun 9 observed Mon 10 skipped; 11-14 (10), 17-21 (15), 24-28 (20) -> Fri 28 Aug.
        close(SINGAPORE, 2026, 8, 28),
        id="sg-20-business-days-national-day-observed",
    ),
    # ---- uae-cbuae (AE; Mon-Thu 08:00-16:00, Fri 08:00-12:00) -------------------------------
    pytest.param(
        "uae-cbuae",
        "acknowledged-in-time",
        t(DUBAI, 2026, 3, 18),
        {},
        # After Wed 18 Mar: Eid al-Fitr 19-22 Mar skipped; Mon 23, Tue 24 -> Tue 24 Mar 16:00.
        close(DUBAI, 2026, 3, 24, 16),
        id="uae-ack-2-business-days-eid",
    ),
    pytest.param(
        "uae-cbuae",
        "regulatory-response",
        t(DUBAI, 2026, 11, 27, 13),
        {},
        # Fri 27 Nov 13:00 is after Friday's 12:00 close, counted from that day; 10 bd: Mon 30 Nov
        # (1), Tue 1 Dec (2); National Day 2, 3 Dec skipped; 4 (3), 7-11 (8), 14, 15 (10) -> Tue 15
        # Dec 16:00.
        close(DUBAI, 2026, 12, 15, 16),
        id="uae-10-business-days-friday-half-day-national-day",
    ),
    # ---- bahrain-cbb (BH; Sun-Thu 08:00-16:00) ----------------------------------------------
    pytest.param(
        "bahrain-cbb",
        "acknowledged-in-time",
        t(BAHRAIN, 2026, 3, 19),
        {},
        # After Thu 19 Mar: Fri-Sat weekend (also Eid), Sun 22 Eid skipped; 23,24,25,26, Sun 29
        # -> Sun 29 Mar 16:00.
        close(BAHRAIN, 2026, 3, 29, 16),
        id="bahrain-ack-5-business-days-sunday-working-day",
    ),
    pytest.param(
        "bahrain-cbb",
        "regulatory-response",
        t(BAHRAIN, 2026, 6, 14),
        {},
        # After Sun 14 Jun: Mon 15 (1); Islamic New Year Tue 16 skipped; 17, 18, 21-24 (7);
        # Ashura Thu 25 skipped; 28-30 Jun, 1, 2 Jul (12); 5-9 (17); 12, 13, 14 (20) -> Tue 14 Jul.
        close(BAHRAIN, 2026, 7, 14, 16),
        id="bahrain-20-business-days-ashura",
    ),
]


def _overrides(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "letters":
            continue
        out[key] = ref(*value) if isinstance(value, tuple) else value
    return out


@pytest.mark.parametrize(("pack_name", "check_id", "received", "overrides", "due"), CASES)
def test_pack_due_date(pack_name, check_id, received, overrides, due):
    from tests.regulatory.helpers import letter

    rec = record(received, **_overrides(overrides))
    start = rec.sent_to_company_at or (rec.stage2_started.at if rec.stage2_started else received)
    now = start + timedelta(minutes=1)
    if overrides.get("letters") == "holding":
        # A timely holding reply with reasons and a new date, one hour after the clock starts.
        sent = start + timedelta(hours=1)
        rec = rec.model_copy(
            update={
                "letters": (
                    letter(
                        "holding_response",
                        "comment:77",
                        sent,
                        reasons=True,
                        new_date=(start + timedelta(days=20)).date(),
                    ),
                )
            }
        )
        now = sent + timedelta(minutes=1)
    result = run(pack_name, check_id, rec, now)
    assert result.status.value in ("PENDING", "AT_RISK"), result.message
    assert result.due_at == due, (result.due_at, due)


def test_asic_state_is_configurable(tmp_path):
    """A child policy picks Victoria: Labour Day (Mon 9 Mar 2026) is a Victorian holiday only.

    The 5-business-day window of RG 271's no-written-response rule, received Fri 6 Mar 10:00:
    NSW 9,10,11,12,13 Mar -> Fri 13 Mar 17:00 AEDT; VIC skips Mon 9 -> 10..13, 16 -> Mon 16 Mar.
    Resolved and accepted Mon 16 Mar 10:00: inside the Victorian window only.
    """
    from compliance_checks import load_policy
    from compliance_checks.model import ComplainantResponse
    from tests.regulatory.helpers import run_policy

    child = tmp_path / "ours.yaml"
    child.write_text(
        "extends: asic-rg271\nname: ours\n"
        "calendar: {timezone: Australia/Melbourne, holidays: {subdivision: VIC}}\n",
        encoding="utf-8",
    )
    rec = record(
        t(SYDNEY, 2026, 3, 6),
        decided=ref("changelog:1", t(SYDNEY, 2026, 3, 16)),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:2", t(SYDNEY, 2026, 3, 16)),
    )
    now = t(SYDNEY, 2026, 3, 16, 11)
    nsw = run("asic-rg271", "regulatory-response", rec, now)
    assert nsw.status.value == "PENDING" and nsw.due_at == eod(SYDNEY, 2026, 4, 5)
    melbourne = ZoneInfo("Australia/Melbourne")
    vic = run_policy(load_policy(child), "regulatory-response", rec, now)
    assert vic.status.value == "PASS" and vic.due_at == close(melbourne, 2026, 3, 16)


def test_fca_summary_resolution_window_over_christmas():
    """Received Thu 24 Dec 2026 15:00: 25 Dec, weekend and Mon 28 Dec (Boxing Day observed) are
    not business days, so the 3rd business day is Thu 31 Dec: resolved by 17:00 GMT that day."""
    policy = pack("fca-disp")
    params: Any = {c.id: c.params for c in policy.checks}["summary-resolution"]
    due = policy.calendar.due(t(LONDON, 2026, 12, 24, 15), params.resolved_within)
    assert due == close(LONDON, 2026, 12, 31)
