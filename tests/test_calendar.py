"""Table tests for the business calendar against real bank holidays (``holidays`` package).

Every expected instant is worked out by hand in the comment next to its case; the default
working hours are Mon-Fri 09:00-17:00 local. Expected values are written in local time and
compared as instants (aware datetimes compare by instant).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from compliance_checks.calendar import (
    NO_DEADLINE,
    BusinessCalendar,
    CalendarConfig,
    Duration,
    HolidaySource,
    Unit,
)
from compliance_checks.model import Interval

LONDON = "Europe/London"
DUBLIN = "Europe/Dublin"
SYDNEY = "Australia/Sydney"
NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"

CALENDARS: dict[str, tuple[str, str | None, str]] = {
    # name: (country, subdivision, timezone)
    "ENG": ("GB", "ENG", LONDON),
    "SCT": ("GB", "SCT", LONDON),
    "IE": ("IE", None, DUBLIN),
    "NSW": ("AU", "NSW", SYDNEY),
    "US": ("US", None, NEW_YORK),
    "BY": ("DE", "BY", BERLIN),
}


@cache
def cal(name: str, extra: tuple[date, ...] = ()) -> BusinessCalendar:
    if name == "UTC":
        return BusinessCalendar(CalendarConfig(timezone="UTC", extra_holidays=list(extra)))
    country, subdivision, tz = CALENDARS[name]
    return BusinessCalendar(
        CalendarConfig(
            timezone=tz,
            holidays=HolidaySource(country=country, subdivision=subdivision),
            extra_holidays=list(extra),
        )
    )


def at(tz: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=ZoneInfo(tz))


def eod(tz: str, y: int, mo: int, d: int) -> datetime:
    return at(tz, y, mo, d, 23, 59, 59, 999999)


# -- the holiday data the tables rely on ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "day", "holiday"),
    [
        pytest.param("ENG", date(2026, 4, 3), True, id="ENG-good-friday-2026"),
        pytest.param("ENG", date(2026, 4, 6), True, id="ENG-easter-monday-2026"),
        pytest.param("ENG", date(2026, 12, 25), True, id="ENG-christmas-fri-2026"),
        pytest.param("ENG", date(2026, 12, 28), True, id="ENG-boxing-day-substitute-mon"),
        pytest.param("ENG", date(2026, 12, 29), False, id="ENG-tue-29-dec-open"),
        pytest.param("ENG", date(2026, 1, 2), False, id="ENG-2-jan-open"),
        pytest.param("SCT", date(2026, 1, 2), True, id="SCT-2-jan-holiday"),
        pytest.param("SCT", date(2027, 1, 4), True, id="SCT-2-jan-2027-sat-substitute-mon"),
        pytest.param("SCT", date(2026, 4, 6), False, id="SCT-no-easter-monday"),
        pytest.param("IE", date(2026, 3, 17), True, id="IE-st-patricks"),
        pytest.param("IE", date(2026, 10, 26), True, id="IE-october-bank-holiday"),
        pytest.param("NSW", date(2026, 10, 5), True, id="NSW-labour-day"),
        pytest.param("US", date(2026, 11, 26), True, id="US-thanksgiving"),
        pytest.param("US", date(2026, 11, 27), False, id="US-black-friday-open"),
        pytest.param("BY", date(2026, 6, 4), True, id="BY-corpus-christi"),
        pytest.param("BY", date(2026, 1, 6), True, id="BY-epiphany"),
    ],
)
def test_real_bank_holidays(name: str, day: date, holiday: bool) -> None:
    assert cal(name).is_holiday(day) is holiday
    assert cal(name).is_business_day(day) is (not holiday and day.weekday() < 5)


# -- business days ---------------------------------------------------------------------------

BUSINESS_DAY_CASES = [
    # Tue 14 Apr 10:00 BST inside hours; day of receipt Tue -> Wed (1), Thu (2): Thu 16 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 10),
        "2 business days",
        at(LONDON, 2026, 4, 16, 17),
        id="ENG-inside-hours",
    ),
    # Tue 07:30 before opening -> counts as Tue 09:00; still Thu 16 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 7, 30),
        "2 business days",
        at(LONDON, 2026, 4, 16, 17),
        id="ENG-before-opening",
    ),
    # Tue 18:00 after close -> Wed 09:00; Thu (1), Fri (2): Fri 17 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 18),
        "2 business days",
        at(LONDON, 2026, 4, 17, 17),
        id="ENG-after-close",
    ),
    # Exactly 09:00 is inside hours ([open, close)): receipt Tue -> Wed 15 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 9),
        "1 business day",
        at(LONDON, 2026, 4, 15, 17),
        id="ENG-exactly-opening",
    ),
    # Exactly 17:00 is outside hours -> Wed 09:00; 1 business day after Wed -> Thu 16 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 17),
        "1 business day",
        at(LONDON, 2026, 4, 16, 17),
        id="ENG-exactly-closing",
    ),
    # 16:59:59.999999 is still inside hours -> Wed 15 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 16, 59, 59, 999999),
        "1 business day",
        at(LONDON, 2026, 4, 15, 17),
        id="ENG-last-microsecond-before-close",
    ),
    # 0 business days: the close of the (effective) day of receipt, Tue 14 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 10),
        "0 business days",
        at(LONDON, 2026, 4, 14, 17),
        id="ENG-zero-days-same-close",
    ),
    # Sat 18 Apr -> Mon 20 Apr 09:00; Tue (1), Wed (2): Wed 22 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 18, 11),
        "2 business days",
        at(LONDON, 2026, 4, 22, 17),
        id="ENG-weekend",
    ),
    # Good Friday 3 Apr (holiday), Sat, Sun, Easter Monday 6 Apr (holiday) -> Tue 7 Apr 09:00;
    # Wed 8 (1), Thu 9 (2): Thu 9 Apr 17:00 BST.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 3, 10),
        "2 business days",
        at(LONDON, 2026, 4, 9, 17),
        id="ENG-on-good-friday",
    ),
    # Thu 2 Apr (day before the Easter chain): Tue 7 (1), Wed 8 (2): Wed 8 Apr 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 2, 10),
        "2 business days",
        at(LONDON, 2026, 4, 8, 17),
        id="ENG-day-before-easter-chain",
    ),
    # Thu 24 Dec: Fri 25 Christmas, Sat, Sun, Mon 28 Boxing Day substitute, Tue 29 (1), Wed 30 (2).
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 24, 12),
        "2 business days",
        at(LONDON, 2026, 12, 30, 17),
        id="ENG-day-before-christmas-chain",
    ),
    # Wed 30 Dec: Thu 31 (1), Fri 1 Jan holiday, Mon 4 (2), Tue 5 (3), Wed 6 (4), Thu 7 Jan (5).
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 30, 10),
        "5 working days",
        at(LONDON, 2027, 1, 7, 17),
        id="ENG-5-working-days-year-end",
    ),
    # Thu 30 Apr: Fri 1 May (1), Mon 4 May is May Day, Tue 5 May (2): Tue 5 May 17:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 30, 10),
        "2 business days",
        at(LONDON, 2026, 5, 5, 17),
        id="ENG-month-end-and-may-day",
    ),
    # Fri 27 Mar 16:00 GMT: Mon 30 Mar (1) after the DST weekend -> 17:00 BST = 16:00 UTC.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 3, 27, 16),
        "1 business day",
        datetime(2026, 3, 30, 16, tzinfo=UTC),
        id="ENG-across-march-dst",
    ),
    # Wed 31 Dec 2025: Thu 1 Jan holiday; England: Fri 2 Jan (1) -> Fri 2 Jan 17:00 GMT.
    pytest.param(
        "ENG",
        at(LONDON, 2025, 12, 31, 10),
        "1 business day",
        at(LONDON, 2026, 1, 2, 17),
        id="ENG-2-jan-is-open",
    ),
    # Scotland: 1 and 2 Jan are holidays -> Mon 5 Jan (1).
    pytest.param(
        "SCT",
        at(LONDON, 2025, 12, 31, 10),
        "1 business day",
        at(LONDON, 2026, 1, 5, 17),
        id="SCT-2-jan-holiday",
    ),
    # Scotland, Thu 31 Dec 2026: Fri 1 Jan and Mon 4 Jan (2 Jan substitute) closed;
    # Tue 5 (1), Wed 6 (2): Wed 6 Jan 17:00.
    pytest.param(
        "SCT",
        at(LONDON, 2026, 12, 31, 10),
        "2 working days",
        at(LONDON, 2027, 1, 6, 17),
        id="SCT-2-jan-substitute-monday",
    ),
    # Ireland, Mon 16 Mar 10:00 GMT: Tue 17 St Patrick's Day -> Wed 18 Mar (1) 17:00 GMT.
    pytest.param(
        "IE",
        at(DUBLIN, 2026, 3, 16, 10),
        "1 business day",
        at(DUBLIN, 2026, 3, 18, 17),
        id="IE-st-patricks",
    ),
    # Ireland, Fri 23 Oct 16:00 IST; Sun 25 Oct DST ends; Mon 26 October bank holiday;
    # Tue 27 (1), Wed 28 (2): Wed 28 Oct 17:00 GMT = 17:00 UTC.
    pytest.param(
        "IE",
        at(DUBLIN, 2026, 10, 23, 16),
        "2 business days",
        datetime(2026, 10, 28, 17, tzinfo=UTC),
        id="IE-october-holiday-and-dst",
    ),
    # Sydney Fri 2 Oct 18:00 AEST (after close); Sun 4 Oct DST starts; Mon 5 Oct Labour Day ->
    # effective Tue 6 Oct; Wed 7 (1): 17:00 AEDT = 06:00 UTC.
    pytest.param(
        "NSW",
        at(SYDNEY, 2026, 10, 2, 18),
        "1 business day",
        datetime(2026, 10, 7, 6, tzinfo=UTC),
        id="NSW-labour-day-and-dst",
    ),
    # US Wed 25 Nov 16:59 EST inside hours: Thu 26 Thanksgiving, Fri 27 (1): 17:00 EST = 22:00 UTC.
    pytest.param(
        "US",
        at(NEW_YORK, 2026, 11, 25, 16, 59),
        "1 business day",
        datetime(2026, 11, 27, 22, tzinfo=UTC),
        id="US-thanksgiving",
    ),
    # Bavaria Wed 3 Jun 12:00 CEST: Thu 4 Corpus Christi, Fri 5 (1), Mon 8 (2): 17:00 CEST.
    pytest.param(
        "BY",
        at(BERLIN, 2026, 6, 3, 12),
        "2 business days",
        datetime(2026, 6, 8, 15, tzinfo=UTC),
        id="BY-corpus-christi",
    ),
]


@pytest.mark.parametrize(("name", "start", "text", "expected"), BUSINESS_DAY_CASES)
def test_business_days(name: str, start: datetime, text: str, expected: datetime) -> None:
    assert cal(name).due(start, Duration.parse(text)) == expected


def test_extra_holidays_from_config() -> None:
    # Wed 15 Apr declared closed: Tue 14 Apr 10:00 -> Thu 16 (1), Fri 17 (2): Fri 17 Apr 17:00.
    calendar = cal("ENG", (date(2026, 4, 15),))
    assert calendar.is_holiday(date(2026, 4, 15))
    assert not calendar.is_business_day(date(2026, 4, 15))
    assert calendar.due(at(LONDON, 2026, 4, 14, 10), Duration.parse("2 business days")) == at(
        LONDON, 2026, 4, 17, 17
    )
    # Without the extra holiday: Thu 16 Apr 17:00.
    assert cal("ENG").due(at(LONDON, 2026, 4, 14, 10), Duration.parse("2 business days")) == at(
        LONDON, 2026, 4, 16, 17
    )


# -- calendar days and weeks -------------------------------------------------------------------

CALENDAR_DAY_CASES = [
    # Mon 16 Mar + 15 = Tue 31 Mar, end of day in BST (DST began 29 Mar) = 22:59:59.999999 UTC.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 3, 16, 10),
        "15 days",
        datetime(2026, 3, 31, 22, 59, 59, 999999, tzinfo=UTC),
        id="ENG-15-days-across-dst",
    ),
    # Sun 20 Dec 23:30 + 15 = Mon 4 Jan 2027 (year end; holidays do not matter for calendar days).
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 20, 23, 30),
        "15 days",
        eod(LONDON, 2027, 1, 4),
        id="ENG-15-days-year-end",
    ),
    # FCA 8 weeks: Mon 7 Sep 2026 + 56 days = Mon 2 Nov 2026, end of day GMT.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 9, 7, 15),
        "8 weeks",
        datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=UTC),
        id="ENG-8-weeks-across-oct-dst",
    ),
    # Received Sun 1 Mar 07:00 AEDT = Sat 28 Feb 20:00 UTC: the LOCAL date (1 Mar) counts;
    # + 56 days = Sun 26 Apr, end of day AEST (+10) = 13:59:59.999999 UTC.
    pytest.param(
        "NSW",
        at(SYDNEY, 2026, 3, 1, 7),
        "8 weeks",
        datetime(2026, 4, 26, 13, 59, 59, 999999, tzinfo=UTC),
        id="NSW-8-weeks-local-date",
    ),
    # Received on Thanksgiving: calendar days ignore holidays; Thu 26 Nov + 15 = Fri 11 Dec,
    # end of day EST = Sat 12 Dec 04:59:59.999999 UTC.
    pytest.param(
        "US",
        at(NEW_YORK, 2026, 11, 26, 12),
        "15 days",
        datetime(2026, 12, 12, 4, 59, 59, 999999, tzinfo=UTC),
        id="US-15-days-from-holiday",
    ),
    # Leap year: Mon 31 Jan 2028 + 30 = Wed 1 Mar 2028 (Feb 2028 has 29 days).
    pytest.param(
        "UTC",
        datetime(2028, 1, 31, 8, tzinfo=UTC),
        "30 calendar days",
        datetime(2028, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
        id="UTC-leap-february",
    ),
    # 0 days: end of the day of receipt, even at 23:59:59.999999 itself.
    pytest.param(
        "BY",
        eod(BERLIN, 2026, 12, 31),
        "0 days",
        eod(BERLIN, 2026, 12, 31),
        id="BY-zero-days-at-end-of-day",
    ),
    # 1 week from Sat 3 Oct 2026 (Sydney, DST starts Sun 4 Oct): Sat 10 Oct end of day AEDT.
    pytest.param(
        "NSW",
        at(SYDNEY, 2026, 10, 3, 12),
        "1 week",
        eod(SYDNEY, 2026, 10, 10),
        id="NSW-1-week-across-dst",
    ),
]


@pytest.mark.parametrize(("name", "start", "text", "expected"), CALENDAR_DAY_CASES)
def test_calendar_days_and_weeks(name: str, start: datetime, text: str, expected: datetime) -> None:
    due = cal(name).due(start, Duration.parse(text))
    assert due == expected
    assert cal(name).local(due).time() == time(23, 59, 59, 999999)


# -- wall-clock hours and minutes ------------------------------------------------------------

WALL_CLOCK_CASES = [
    # Sat 28 Mar 12:00 GMT = 12:00 UTC; +24 h real time = Sun 29 Mar 12:00 UTC = 13:00 BST.
    pytest.param(
        LONDON,
        at(LONDON, 2026, 3, 28, 12),
        "24 hours",
        at(LONDON, 2026, 3, 29, 13),
        id="London-24h-march-dst",
    ),
    # Sat 24 Oct 12:00 BST = 11:00 UTC; +24 h = Sun 25 Oct 11:00 UTC = 11:00 GMT.
    pytest.param(
        LONDON,
        at(LONDON, 2026, 10, 24, 12),
        "24 hours",
        at(LONDON, 2026, 10, 25, 11),
        id="London-24h-october-dst",
    ),
    # Sat 4 Apr 12:00 AEDT = 01:00 UTC; +24 h = Sun 5 Apr 01:00 UTC = 11:00 AEST (DST ended).
    pytest.param(
        SYDNEY,
        at(SYDNEY, 2026, 4, 4, 12),
        "24 hours",
        at(SYDNEY, 2026, 4, 5, 11),
        id="Sydney-24h-april-dst",
    ),
    # Sat 3 Oct 12:00 AEST = 02:00 UTC; +24 h = Sun 4 Oct 02:00 UTC = 13:00 AEDT (DST began).
    pytest.param(
        SYDNEY,
        at(SYDNEY, 2026, 10, 3, 12),
        "24 hours",
        at(SYDNEY, 2026, 10, 4, 13),
        id="Sydney-24h-october-dst",
    ),
    # Sat 7 Mar 12:00 EST = 17:00 UTC; +24 h = Sun 8 Mar 17:00 UTC = 13:00 EDT.
    pytest.param(
        NEW_YORK,
        at(NEW_YORK, 2026, 3, 7, 12),
        "24 hours",
        at(NEW_YORK, 2026, 3, 8, 13),
        id="NewYork-24h-march-dst",
    ),
    # Sun 29 Mar 00:30 GMT = 00:30 UTC; +90 min = 02:00 UTC = 03:00 BST (01:00-02:00 local skipped).
    pytest.param(
        LONDON,
        at(LONDON, 2026, 3, 29, 0, 30),
        "90 minutes",
        at(LONDON, 2026, 3, 29, 3, 0),
        id="London-90min-through-the-gap",
    ),
    # Sun 25 Oct 00:30 BST = 23:30 UTC (24 Oct); +1.5 h = 01:00 UTC = 01:00 GMT (second 01:00).
    pytest.param(
        LONDON,
        at(LONDON, 2026, 10, 25, 0, 30),
        "1.5 hours",
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
        id="London-1.5h-into-repeated-hour",
    ),
    # Wall-clock hours ignore weekends and holidays: Fri 25 Dec 2026 10:00 + 4 h = 14:00.
    pytest.param(
        LONDON,
        at(LONDON, 2026, 12, 25, 10),
        "4 hours",
        at(LONDON, 2026, 12, 25, 14),
        id="London-4h-on-christmas",
    ),
]


@pytest.mark.parametrize(("tz", "start", "text", "expected"), WALL_CLOCK_CASES)
def test_wall_clock_hours(tz: str, start: datetime, text: str, expected: datetime) -> None:
    name = {LONDON: "ENG", SYDNEY: "NSW", NEW_YORK: "US"}[tz]
    due = cal(name).due(start, Duration.parse(text))
    assert due == expected
    duration = Duration.parse(text)
    hours = duration.amount if duration.unit is Unit.HOURS else duration.amount / 60
    assert due - start == timedelta(hours=hours)


# -- business hours --------------------------------------------------------------------------

BUSINESS_HOUR_CASES = [
    # Fri 17 Apr 15:00 BST: 2 h Fri (15-17), weekend, Mon 20 Apr 09:00 + 2 h = 11:00 BST.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 17, 15),
        "4 business hours",
        at(LONDON, 2026, 4, 20, 11),
        id="ENG-across-weekend",
    ),
    # Thu 24 Dec 15:00: 2 h Thu; Fri 25 + Mon 28 holidays + weekend; Tue 29 Dec 09:00 + 2 h = 11:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 24, 15),
        "4 business hours",
        at(LONDON, 2026, 12, 29, 11),
        id="ENG-across-christmas-weekend-and-substitute",
    ),
    # Thu 2 Apr 16:00 BST: 1 h Thu; Good Friday, weekend, Easter Monday; Tue 7 Apr 09:00 + 3 h.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 2, 16),
        "4 business hours",
        at(LONDON, 2026, 4, 7, 12),
        id="ENG-across-easter",
    ),
    # Fri 27 Mar 16:00 GMT: 1 h Fri; DST weekend; Mon 30 Mar 09:00 BST + 3 h = 12:00 BST.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 3, 27, 16),
        "4 business hours",
        at(LONDON, 2026, 3, 30, 12),
        id="ENG-across-dst-weekend",
    ),
    # Sat 18 Apr -> Mon 20 Apr 09:00 + 4 h = 13:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 18, 11),
        "4 business hours",
        at(LONDON, 2026, 4, 20, 13),
        id="ENG-received-on-weekend",
    ),
    # Tue 14 Apr 13:00 + 4 h = 17:00 exactly: due at the close, not next morning.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 13),
        "4 business hours",
        at(LONDON, 2026, 4, 14, 17),
        id="ENG-lands-exactly-on-close",
    ),
    # Tue 14 Apr 17:00 (closing instant is outside hours) -> Wed 09:00 + 4 h = 13:00.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 17),
        "4 business hours",
        at(LONDON, 2026, 4, 15, 13),
        id="ENG-received-exactly-at-close",
    ),
    # 1.5 business hours from Tue 14 Apr 16:00: 1 h Tue, Wed 09:00 + 0.5 h = 09:30.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 16),
        "1.5 working hours",
        at(LONDON, 2026, 4, 15, 9, 30),
        id="ENG-fractional-working-hours",
    ),
    # US Wed 25 Nov 15:00 EST: 2 h Wed; Thanksgiving; Fri 27 Nov 09:00 + 2 h = 11:00 EST.
    pytest.param(
        "US",
        at(NEW_YORK, 2026, 11, 25, 15),
        "4 business hours",
        at(NEW_YORK, 2026, 11, 27, 11),
        id="US-across-thanksgiving",
    ),
    # Bavaria Mon 5 Jan 16:00 CET: 1 h Mon; Tue 6 Epiphany; Wed 7 Jan 09:00 + 3 h = 12:00 CET.
    pytest.param(
        "BY",
        at(BERLIN, 2026, 1, 5, 16),
        "4 business hours",
        at(BERLIN, 2026, 1, 7, 12),
        id="BY-across-epiphany",
    ),
    # Sydney Thu 2 Apr 16:00 AEDT: 1 h Thu; Good Fri .. Easter Mon closed (DST ends Sun 5 Apr);
    # Tue 7 Apr 09:00 AEST + 3 h = 12:00 AEST = 02:00 UTC.
    pytest.param(
        "NSW",
        at(SYDNEY, 2026, 4, 2, 16),
        "4 business hours",
        datetime(2026, 4, 7, 2, tzinfo=UTC),
        id="NSW-across-easter-and-dst",
    ),
    # Ireland Fri 30 Jan 2026 16:00 GMT: 1 h Fri; weekend; Mon 2 Feb St Brigid's Day;
    # Tue 3 Feb 09:00 + 3 h = 12:00 GMT.
    pytest.param(
        "IE",
        at(DUBLIN, 2026, 1, 30, 16),
        "4 business hours",
        at(DUBLIN, 2026, 2, 3, 12),
        id="IE-across-st-brigids",
    ),
]


@pytest.mark.parametrize(("name", "start", "text", "expected"), BUSINESS_HOUR_CASES)
def test_business_hours(name: str, start: datetime, text: str, expected: datetime) -> None:
    calendar = cal(name)
    duration = Duration.parse(text)
    due = calendar.due(start, duration)
    assert due == expected
    assert calendar.business_time_between(start, due) == timedelta(hours=duration.amount)


def test_business_hours_are_elapsed_time_on_a_dst_day() -> None:
    # A Sunday shift 00:00-06:00 local in London on 29 Mar 2026 (clocks go 01:00 GMT -> 02:00 BST)
    # is 00:00 UTC .. 05:00 UTC = 5 real hours; 4 business hours from 00:00 end at 04:00 UTC,
    # which is 05:00 BST on the wall.
    hours = {d: None for d in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": "00:00-06:00"}
    calendar = BusinessCalendar(CalendarConfig(timezone=LONDON, working_hours=hours))
    start = at(LONDON, 2026, 3, 29, 0)
    span = calendar.working_span(date(2026, 3, 29))
    assert span is not None
    assert span[1] - span[0] == timedelta(hours=5)
    assert calendar.due(start, Duration.parse("4 business hours")) == at(LONDON, 2026, 3, 29, 5)
    # 25 Oct 2026 (01:00 BST -> 01:00 GMT): the same shift is 7 real hours.
    span = calendar.working_span(date(2026, 10, 25))
    assert span is not None
    assert span[1] - span[0] == timedelta(hours=7)


BETWEEN_CASES = [
    # Thu 24 Dec 09:00 .. Tue 29 Dec 09:00: only Thu 24 Dec counts (8 h).
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 24, 9),
        at(LONDON, 2026, 12, 29, 9),
        timedelta(hours=8),
        id="ENG-christmas-week",
    ),
    # Fri 27 Mar 12:00 GMT .. Mon 30 Mar 12:00 BST: 5 h Fri + 3 h Mon.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 3, 27, 12),
        at(LONDON, 2026, 3, 30, 12),
        timedelta(hours=8),
        id="ENG-dst-weekend",
    ),
    # Same day, both outside hours (before opening .. after close): the full 8 h.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 6),
        at(LONDON, 2026, 4, 14, 20),
        timedelta(hours=8),
        id="ENG-outside-both-ends",
    ),
    # A whole holiday is zero.
    pytest.param(
        "US",
        at(NEW_YORK, 2026, 11, 26, 0),
        at(NEW_YORK, 2026, 11, 27, 0),
        timedelta(0),
        id="US-thanksgiving-is-zero",
    ),
    # Reversed interval is zero.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 4, 14, 12),
        at(LONDON, 2026, 4, 14, 10),
        timedelta(0),
        id="ENG-reversed-is-zero",
    ),
    # Wed 30 Dec 2026 .. Tue 5 Jan 2027 (England): Wed, Thu, Mon, Tue full days = 32 h.
    pytest.param(
        "ENG",
        at(LONDON, 2026, 12, 30, 0),
        at(LONDON, 2027, 1, 5, 23),
        timedelta(hours=32),
        id="ENG-year-end",
    ),
]


@pytest.mark.parametrize(("name", "start", "end", "expected"), BETWEEN_CASES)
def test_business_time_between(name: str, start: datetime, end: datetime, expected: timedelta):
    assert cal(name).business_time_between(start, end) == expected


NEXT_OPENING_CASES = [
    # Inside hours: the moment itself.
    pytest.param("ENG", at(LONDON, 2026, 4, 14, 10), at(LONDON, 2026, 4, 14, 10), id="inside"),
    pytest.param("ENG", at(LONDON, 2026, 4, 14, 9), at(LONDON, 2026, 4, 14, 9), id="at-opening"),
    # At close: next business day's opening.
    pytest.param("ENG", at(LONDON, 2026, 4, 14, 17), at(LONDON, 2026, 4, 15, 9), id="at-close"),
    pytest.param("ENG", at(LONDON, 2026, 4, 14, 5), at(LONDON, 2026, 4, 14, 9), id="early"),
    # Christmas Eve evening -> Tue 29 Dec 09:00.
    pytest.param("ENG", at(LONDON, 2026, 12, 24, 18), at(LONDON, 2026, 12, 29, 9), id="christmas-chain"),
    # Scotland New Year 2027: Fri 1, Mon 4 closed -> Tue 5 Jan 09:00.
    pytest.param("SCT", at(LONDON, 2026, 12, 31, 17), at(LONDON, 2027, 1, 5, 9), id="SCT-new-year"),
]


@pytest.mark.parametrize(("name", "moment", "expected"), NEXT_OPENING_CASES)
def test_next_opening(name: str, moment: datetime, expected: datetime) -> None:
    assert cal(name).next_opening(moment) == expected


# -- pauses ------------------------------------------------------------------------------------

T0 = at(LONDON, 2026, 4, 14, 10)  # Tue 14 Apr 2026 10:00 BST


def pause(start: datetime, end: datetime | None) -> Interval:
    return Interval(start=start, end=end)


PAUSE_CASES = [
    # 4 h wall clock from 10:00 = 14:00; a 1 h pause at 11:00 -> 15:00.
    pytest.param(
        "4 hours",
        [pause(at(LONDON, 2026, 4, 14, 11), at(LONDON, 2026, 4, 14, 12))],
        at(LONDON, 2026, 4, 14, 15),
        id="hours-simple",
    ),
    # Pause 13:59 .. Sun 19 Apr 13:59 (5 days) starts before 14:00: the clock is stopped
    # throughout, 1 min left afterwards -> Sun 19 Apr 14:00. (Regression: the old fixed-point loop
    # stopped after len(pauses) + 2 rounds and returned Tue 14:03.)
    pytest.param(
        "4 hours",
        [pause(at(LONDON, 2026, 4, 14, 13, 59), at(LONDON, 2026, 4, 19, 13, 59))],
        at(LONDON, 2026, 4, 19, 14),
        id="hours-long-pause-straddling-deadline",
    ),
    # Overlapping pauses 11-13 and 12-14 cover 3 h, not 4 h: 14:00 + 3 h = 17:00.
    # (Regression: the overlap was counted twice.)
    pytest.param(
        "4 hours",
        [
            pause(at(LONDON, 2026, 4, 14, 11), at(LONDON, 2026, 4, 14, 13)),
            pause(at(LONDON, 2026, 4, 14, 12), at(LONDON, 2026, 4, 14, 14)),
        ],
        at(LONDON, 2026, 4, 14, 17),
        id="hours-overlapping-pauses-count-once",
    ),
    # The same pause twice counts once: 14:00 + 1 h.
    pytest.param(
        "4 hours",
        [pause(at(LONDON, 2026, 4, 14, 11), at(LONDON, 2026, 4, 14, 12))] * 2,
        at(LONDON, 2026, 4, 14, 15),
        id="hours-duplicate-pause",
    ),
    # A pause starting at or after the deadline changes nothing.
    pytest.param(
        "4 hours",
        [pause(at(LONDON, 2026, 4, 14, 14), at(LONDON, 2026, 4, 14, 20))],
        at(LONDON, 2026, 4, 14, 14),
        id="hours-pause-at-deadline-ignored",
    ),
    # Chained: 11-12 pushes to 15:00; a pause 14:30-16:30 then starts before 15:00 and counts
    # in full: 15:00 + 2 h = 17:00.
    pytest.param(
        "4 hours",
        [
            pause(at(LONDON, 2026, 4, 14, 14, 30), at(LONDON, 2026, 4, 14, 16, 30)),
            pause(at(LONDON, 2026, 4, 14, 11), at(LONDON, 2026, 4, 14, 12)),
        ],
        at(LONDON, 2026, 4, 14, 17),
        id="hours-chained-pauses-any-order",
    ),
    # A pause from before receipt is clipped at receipt: 08:00-11:00 counts 10-11 -> 15:00.
    pytest.param(
        "4 hours",
        [pause(at(LONDON, 2026, 4, 14, 8), at(LONDON, 2026, 4, 14, 11))],
        at(LONDON, 2026, 4, 14, 15),
        id="hours-pause-before-receipt-clipped",
    ),
    # 4 business hours = 14:00; paused 11:00-12:00 (working time) -> 15:00.
    pytest.param(
        "4 business hours",
        [pause(at(LONDON, 2026, 4, 14, 11), at(LONDON, 2026, 4, 14, 12))],
        at(LONDON, 2026, 4, 14, 15),
        id="business-hours-pause-in-hours",
    ),
    # Paused 16:00 Tue .. 10:00 Wed: 1 h Tue + 1 h Wed of working time.
    # 8 business hours from Tue 10:00 = Wed 10:00; +2 h working time = Wed 12:00.
    pytest.param(
        "8 business hours",
        [pause(at(LONDON, 2026, 4, 14, 16), at(LONDON, 2026, 4, 15, 10))],
        at(LONDON, 2026, 4, 15, 12),
        id="business-hours-pause-overnight",
    ),
    # A pause entirely outside working hours (Tue 18:00 .. Wed 08:00) changes nothing:
    # 8 business hours from Tue 10:00 = Wed 10:00.
    pytest.param(
        "8 business hours",
        [pause(at(LONDON, 2026, 4, 14, 18), at(LONDON, 2026, 4, 15, 8))],
        at(LONDON, 2026, 4, 15, 10),
        id="business-hours-pause-outside-hours",
    ),
    # 2 business days = Thu 16 Apr 17:00; Wed paused 09:00-17:00 (8 working hours) ->
    # Fri 17 Apr 09:00 + 8 h = Fri 17:00.
    pytest.param(
        "2 business days",
        [pause(at(LONDON, 2026, 4, 15, 9), at(LONDON, 2026, 4, 15, 17))],
        at(LONDON, 2026, 4, 17, 17),
        id="business-days-pause-one-working-day",
    ),
    # 2 days = Thu 16 Apr 23:59:59.999999; a 36 h wall-clock pause -> Sat 18 Apr 11:59:59.999999.
    pytest.param(
        "2 days",
        [pause(at(LONDON, 2026, 4, 15, 0), at(LONDON, 2026, 4, 16, 12))],
        at(LONDON, 2026, 4, 18, 11, 59, 59, 999999),
        id="days-pause-wall-clock",
    ),
]


@pytest.mark.parametrize(("text", "pauses", "expected"), PAUSE_CASES)
def test_pauses(text: str, pauses: list[Interval], expected: datetime) -> None:
    assert cal("ENG").due(T0, Duration.parse(text), pauses) == expected


def test_running_pause_lasts_until_now() -> None:
    # 4 h from 10:00; paused since 11:00 and still paused at 19:00 -> 8 h paused -> 22:00.
    running = [pause(at(LONDON, 2026, 4, 14, 11), None)]
    now = at(LONDON, 2026, 4, 14, 19)
    assert cal("ENG").due(T0, Duration.parse("4 hours"), running, now=now) == at(LONDON, 2026, 4, 14, 22)
    # Without `now` the clock is stopped indefinitely: no deadline (never overdue while paused).
    assert cal("ENG").due(T0, Duration.parse("4 hours"), running) == NO_DEADLINE
    assert cal("ENG").local(NO_DEADLINE).year == 9999  # still convertible for messages
    # A running pause that begins after the deadline does not matter.
    late = [pause(at(LONDON, 2026, 4, 14, 15), None)]
    assert cal("ENG").due(T0, Duration.parse("4 hours"), late) == at(LONDON, 2026, 4, 14, 14)


def test_naive_datetimes_are_rejected() -> None:
    # A naive datetime used to be read as the host's local time for hours/days units.
    with pytest.raises(ValueError, match="naive"):
        cal("ENG").due(datetime(2026, 4, 14, 10), Duration.parse("4 hours"))
    with pytest.raises(ValueError, match="naive"):
        cal("ENG").next_opening(datetime(2026, 4, 14, 10))


def test_elapsed_uses_the_clock_measure() -> None:
    start, end = at(LONDON, 2026, 4, 17, 15), at(LONDON, 2026, 4, 20, 11)
    assert cal("ENG").elapsed(start, end, Unit.BUSINESS_HOURS) == timedelta(hours=4)
    assert cal("ENG").elapsed(start, end, Unit.HOURS) == timedelta(days=2, hours=20)


# -- Duration.parse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "rendered"),
    [
        pytest.param("2 business days", 2, Unit.BUSINESS_DAYS, "2 business days", id="business-days"),
        pytest.param("1 working day", 1, Unit.BUSINESS_DAYS, "1 business day", id="working-day"),
        pytest.param("5 Working Days", 5, Unit.BUSINESS_DAYS, "5 business days", id="mixed-case"),
        pytest.param("1.5 hours", 1.5, Unit.HOURS, "1.5 hours", id="fractional-hours"),
        pytest.param("90 minutes", 90, Unit.MINUTES, "90 minutes", id="minutes"),
        pytest.param("1 minute", 1, Unit.MINUTES, "1 minute", id="minute"),
        pytest.param("4 business hours", 4, Unit.BUSINESS_HOURS, "4 business hours", id="bh"),
        pytest.param(
            "0.5 working hours",
            0.5,
            Unit.BUSINESS_HOURS,
            "0.5 business hours",
            id="fractional-working-hours",
        ),
        pytest.param("8 weeks", 8, Unit.WEEKS, "8 weeks", id="weeks"),
        pytest.param("15 calendar days", 15, Unit.DAYS, "15 days", id="calendar-days"),
        pytest.param("1 day", 1, Unit.DAYS, "1 day", id="day"),
        pytest.param("0 days", 0, Unit.DAYS, "0 days", id="zero"),
        pytest.param("2.0 days", 2, Unit.DAYS, "2 days", id="whole-float-days"),
        pytest.param(
            "  2   business\tdays ", 2, Unit.BUSINESS_DAYS, "2 business days", id="extra-whitespace"
        ),
    ],
)
def test_duration_parse_valid(text: str, amount: float, unit: Unit, rendered: str) -> None:
    duration = Duration.parse(text)
    assert (duration.amount, duration.unit) == (amount, unit)
    assert str(duration) == rendered
    assert Duration.parse(str(duration)) == duration


@pytest.mark.parametrize(
    ("unit", "one", "two"),
    [
        (Unit.MINUTES, "1 minute", "2 minutes"),
        (Unit.HOURS, "1 hour", "2 hours"),
        (Unit.BUSINESS_HOURS, "1 business hour", "2 business hours"),
        (Unit.BUSINESS_DAYS, "1 business day", "2 business days"),
        (Unit.DAYS, "1 day", "2 days"),
        (Unit.WEEKS, "1 week", "2 weeks"),
    ],
)
def test_duration_text_is_singular_for_one_only(unit: Unit, one: str, two: str) -> None:
    """A duration reads as English in reports, notes and findings: "1 business day", not "1
    business days"; fractions and zero take the plural ("0.5 hours", "0 days")."""
    assert str(Duration(1.0, unit)) == one
    assert str(Duration(2.0, unit)) == two
    assert str(Duration(0.0, unit)) == f"0 {unit.value}"
    assert [Duration.parse(one), Duration.parse(two)] == [Duration(1.0, unit), Duration(2.0, unit)]
    if unit in (Unit.MINUTES, Unit.HOURS, Unit.BUSINESS_HOURS):  # the units a fraction may take
        assert str(Duration(1.5, unit)) == f"1.5 {unit.value}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("1.5 days", "whole number", id="fractional-days"),
        pytest.param("1.5 business days", "whole number", id="fractional-business-days"),
        pytest.param("0.5 weeks", "whole number", id="fractional-weeks"),
        pytest.param("two days", "not a duration", id="number-in-words"),
        pytest.param("3 fortnights", "not a duration", id="unknown-unit"),
        pytest.param("2 business", "not a duration", id="truncated-unit"),
        pytest.param("days", "not a duration", id="no-number"),
        pytest.param("2", "not a duration", id="no-unit"),
        pytest.param("", "not a duration", id="empty"),
        pytest.param("-1 days", "not a duration", id="negative"),
        pytest.param("2days", "not a duration", id="no-space"),
        pytest.param("1e3 hours", "not a duration", id="exponent"),
        pytest.param(".5 hours", "not a duration", id="leading-dot"),
        pytest.param("\u0663 days", "not a duration", id="non-ascii-digit"),
    ],
)
def test_duration_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Duration.parse(text)


# -- CalendarConfig validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"timezone": "Europe/Londn"}, "unknown IANA timezone", id="misspelt-zone"),
        pytest.param({"timezone": "Mars/Olympus"}, "unknown IANA timezone", id="no-such-zone"),
        pytest.param({"timezone": "Europe"}, "unknown IANA timezone", id="zone-directory"),
        pytest.param({"timezone": "../etc/passwd"}, "unknown IANA timezone", id="path-escape"),
        pytest.param({"timezone": ""}, "unknown IANA timezone", id="empty-zone"),
        pytest.param({"working_hours": {"monday": "09:00-17:00"}}, "unknown weekday", id="long-weekday-name"),
        pytest.param({"working_hours": {"Mon": "09:00-17:00"}}, "unknown weekday", id="capitalised-weekday"),
        pytest.param(
            {"working_hours": {"mon": "17:00-09:00"}},
            "must end after they start",
            id="reversed-span",
        ),
        pytest.param({"working_hours": {"mon": "09:00-09:00"}}, "must end after they start", id="empty-span"),
        pytest.param({"working_hours": {"mon": "9am-5pm"}}, "must look like", id="am-pm"),
        pytest.param({"working_hours": {"mon": "09:00"}}, "must look like", id="no-end"),
        pytest.param({"working_hours": {"mon": "09:00-12:00-17:00"}}, "must look like", id="three-parts"),
        pytest.param({"working_hours": {"mon": "09:00+01:00-17:00"}}, "UTC offset", id="offset-in-span"),
        pytest.param({"holidays": {"country": "XX"}}, "no calendar for 'XX'", id="unknown-country"),
        pytest.param(
            {"holidays": {"country": "GB", "subdivision": "XYZ"}},
            "GB'/XYZ",
            id="unknown-subdivision",
        ),
        pytest.param({"holidays": {"country": "gb"}}, "no calendar", id="lowercase-country"),
        pytest.param({"extra_holidays": ["2026-02-30"]}, "date", id="impossible-extra-date"),
        pytest.param({"workinghours": {}}, "Extra inputs", id="unknown-key"),
    ],
)
def test_calendar_config_rejects(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CalendarConfig.model_validate(kwargs)


def test_calendar_config_accepts_partial_week_and_none() -> None:
    config = CalendarConfig.model_validate(
        {
            "timezone": SYDNEY,
            "working_hours": {"mon": "08:30-12:00", "sat": None},
            "holidays": {"country": "AU", "subdivision": "NSW"},
            "extra_holidays": ["2026-12-31"],
        }
    )
    calendar = BusinessCalendar(config)
    # Only Monday is open; Tue 6 Oct 2026 (after Labour Day Monday) is closed: next Mon 12 Oct.
    assert calendar.next_opening(at(SYDNEY, 2026, 10, 5, 9)) == at(SYDNEY, 2026, 10, 12, 8, 30)
    assert calendar.is_holiday(date(2026, 12, 31))
