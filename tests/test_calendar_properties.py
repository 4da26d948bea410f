"""Property tests for the business calendar (hypothesis, derandomized: same examples every run).

Calendars are drawn from a few timezones (three with DST: London, New York, Sydney), random
working hours per weekday (at least one open day) and an optional holiday country. Opening and
closing times are drawn from a list that avoids the DST gaps (01:00-03:00 local in these zones):
a wall time that does not exist has no well-defined instant, so "local time equals the closing
time" cannot hold there. Spans that *contain* a DST change are drawn (00:00-06:00 on a Sunday).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compliance_checks.calendar import (
    END_OF_DAY,
    NO_DEADLINE,
    WEEKDAYS,
    BusinessCalendar,
    CalendarConfig,
    Duration,
    HolidaySource,
    Unit,
)
from compliance_checks.model import Interval

SETTINGS = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
OPENINGS = ("00:00", "03:00", "06:30", "08:00", "09:00", "10:15", "12:00")
CLOSINGS = ("12:30", "16:30", "17:00", "18:00", "20:00", "23:30", "23:59")
COUNTRIES = (None, ("GB", "ENG"), ("GB", "SCT"), ("US", None), ("AU", "NSW"), ("DE", "BY"))

LO, HI = datetime(2024, 1, 1), datetime(2028, 10, 31)  # naive bounds; instants are drawn in UTC


POOL_SIZE = 200


@cache
def pool_calendar(index: int) -> BusinessCalendar:
    """Calendar number ``index`` of a fixed pseudo-random pool (index 0: UTC, Mon-Fri 9-5).

    Drawing an index is one hypothesis choice instead of a dozen, which keeps the file fast;
    the pool is deterministic, so failures reproduce, and shrinking goes towards index 0.
    """
    if index == 0:
        return BusinessCalendar(CalendarConfig())
    rng = random.Random(index)
    hours = {
        day: (f"{rng.choice(OPENINGS)}-{rng.choice(CLOSINGS)}" if rng.random() < 0.7 else None)
        for day in WEEKDAYS
    }
    if not any(hours.values()):
        hours[rng.choice(WEEKDAYS)] = "09:00-17:00"
    country = rng.choice(COUNTRIES)
    extra = sorted({date(2024, 1, 1) + timedelta(days=rng.randrange(2000)) for _ in range(3)})
    return BusinessCalendar(
        CalendarConfig(
            timezone=rng.choice(ZONES),
            working_hours=hours,
            holidays=HolidaySource(country=country[0], subdivision=country[1]) if country else None,
            extra_holidays=extra[: rng.randrange(4)],
        )
    )


calendars = st.integers(0, POOL_SIZE - 1).map(pool_calendar)


INSTANTS = st.datetimes(LO, HI, timezones=st.just(UTC))
DAYS = st.dates(LO.date(), HI.date())
WALLS = st.sampled_from([time.fromisoformat(t) for t in (*OPENINGS, *CLOSINGS, "23:59:59.999999")])


@st.composite
def moments(draw: st.DrawFn, calendar: BusinessCalendar) -> datetime:
    """Random instants, half of them exactly at a local opening/closing time or midnight."""
    if draw(st.booleans()):
        return draw(INSTANTS)
    local = datetime.combine(draw(DAYS), draw(WALLS), tzinfo=calendar.tz)
    return local.replace(fold=draw(st.integers(0, 1))).astimezone(UTC)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    calendar = draw(calendars)
    return calendar, draw(moments(calendar))


UNIT_AMOUNTS = {
    Unit.MINUTES: st.integers(0, 3000).map(float),
    Unit.HOURS: st.integers(0, 400).map(lambda quarter: quarter / 4),
    Unit.BUSINESS_HOURS: st.integers(0, 240).map(lambda quarter: quarter / 4),
    Unit.BUSINESS_DAYS: st.integers(0, 25).map(float),
    Unit.DAYS: st.integers(0, 60).map(float),
    Unit.WEEKS: st.integers(0, 10).map(float),
}


def _of_unit(unit: Unit, amounts: st.SearchStrategy[float]) -> st.SearchStrategy[Duration]:
    return amounts.map(lambda amount: Duration(amount, unit))


durations = st.one_of(*[_of_unit(unit, amounts) for unit, amounts in UNIT_AMOUNTS.items()])
business_amounts = st.integers(0, 160).map(lambda quarter: timedelta(minutes=15 * quarter))


# -- every unit ------------------------------------------------------------------------------


@SETTINGS
@given(scenarios(), durations)
def test_due_is_never_before_start(scenario, duration: Duration) -> None:
    calendar, start = scenario
    assert calendar.due(start, duration) >= start


@SETTINGS
@given(scenarios(), durations, st.integers(0, 7 * 24 * 60).map(lambda m: timedelta(minutes=m)))
def test_later_start_never_gives_earlier_due(scenario, duration: Duration, delay: timedelta):
    calendar, start = scenario
    assert calendar.due(start, duration) <= calendar.due(start + delay, duration)


@SETTINGS
@given(scenarios(), durations, st.integers(0, 12))
def test_larger_amount_never_gives_earlier_due(scenario, duration: Duration, more: int) -> None:
    calendar, start = scenario
    larger = Duration(duration.amount + more, duration.unit)
    assert calendar.due(start, duration) <= calendar.due(start, larger)


# -- wall clock and calendar days -----------------------------------------------------------


@SETTINGS
@given(scenarios(), st.sampled_from([Unit.MINUTES, Unit.HOURS]), st.integers(0, 2000))
def test_minutes_and_hours_are_elapsed_time(scenario, unit: Unit, amount: int) -> None:
    calendar, start = scenario
    step = timedelta(minutes=1) if unit is Unit.MINUTES else timedelta(hours=1)
    due = calendar.due(start, Duration(float(amount), unit))
    assert due - start == amount * step  # real elapsed time, across DST changes too


@SETTINGS
@given(scenarios(), st.sampled_from([Unit.DAYS, Unit.WEEKS]), st.integers(0, 60))
def test_days_and_weeks_end_at_local_end_of_day(scenario, unit: Unit, n: int) -> None:
    calendar, start = scenario
    due = calendar.due(start, Duration(float(n), unit))
    local = calendar.local(due)
    days = n * 7 if unit is Unit.WEEKS else n
    assert local.date() == calendar.local(start).date() + timedelta(days=days)
    assert local.time() == END_OF_DAY
    # The very next microsecond is the next local day.
    assert calendar.local(due + timedelta(microseconds=1)).date() == local.date() + timedelta(1)


# -- business days -----------------------------------------------------------------------------


@SETTINGS
@given(scenarios(), st.integers(0, 25))
def test_business_days_due_at_close_of_nth_business_day(scenario, n: int) -> None:
    calendar, start = scenario
    due = calendar.due(start, Duration(float(n), Unit.BUSINESS_DAYS))
    due_day = calendar.local(due).date()
    # The due instant is the closing time of a business day.
    assert calendar.is_business_day(due_day)
    span = calendar.working_span(due_day)
    assert span is not None
    assert due == span[1]
    closing = calendar.config.working_hours[WEEKDAYS[due_day.weekday()]]
    assert closing is not None
    assert calendar.local(due).time() == time.fromisoformat(closing.split("-")[1])
    # Receipt outside working hours counts at the next opening; the due day is then the n-th
    # business day after the effective receipt day: exactly n business days in
    # (receipt_day, due_day], i.e. n - 1 strictly between them when n >= 1 (due_day itself is
    # one), and the receipt day itself when n == 0.
    receipt_day = calendar.local(calendar.next_opening(start)).date()
    assert calendar.is_business_day(receipt_day)
    counted = sum(
        calendar.is_business_day(receipt_day + timedelta(days=k))
        for k in range(1, (due_day - receipt_day).days + 1)
    )
    assert counted == n
    if n == 0:
        assert due_day == receipt_day


# -- business hours ------------------------------------------------------------------------


@SETTINGS
@given(scenarios(), business_amounts)
def test_business_hours_due_has_exactly_that_working_time(scenario, amount: timedelta) -> None:
    calendar, start = scenario
    hours = amount / timedelta(hours=1)
    due = calendar.due(start, Duration(hours, Unit.BUSINESS_HOURS))
    assert calendar.business_time_between(start, due) == amount
    assert due == calendar.add_business_time(start, amount)
    # It is the earliest such instant: a microsecond earlier there is less working time
    # (when amount > 0), and the due instant is within working hours or at a closing time.
    if amount:
        earlier = due - timedelta(microseconds=1)
        assert calendar.business_time_between(start, earlier) < amount
    span = calendar.working_span(calendar.local(due).date())
    assert span is not None
    assert span[0] <= due <= span[1]


@SETTINGS
@given(scenarios(), st.integers(0, 14 * 24 * 60).map(lambda m: timedelta(minutes=m)))
def test_add_business_time_inverts_business_time_between(scenario, gap: timedelta) -> None:
    calendar, start = scenario
    end = start + gap
    worked = calendar.business_time_between(start, end)
    reached = calendar.add_business_time(start, worked)
    # The earliest instant with that much working time is never after `end` and has exactly
    # that much working time.
    assert reached <= max(end, calendar.next_opening(start))
    assert calendar.business_time_between(start, reached) == worked
    assert calendar.business_time_between(reached, end) == timedelta(0)


@SETTINGS
@given(scenarios(), business_amounts, business_amounts)
def test_add_business_time_is_additive(scenario, a: timedelta, b: timedelta) -> None:
    """``add(add(s, a), b) == add(s, a + b)`` exactly when ``b > 0`` or ``add(s, a)`` lies in
    working hours (``next_opening(x) == x``). The only exception: ``b == 0`` and ``add(s, a)``
    is a closing instant (the a-th hour ends exactly at a close); then ``add(x, 0)`` is the next
    opening while ``add(s, a + 0)`` stays at the close."""
    calendar, start = scenario
    middle = calendar.add_business_time(start, a)
    inside = calendar.next_opening(middle) == middle
    chained = calendar.add_business_time(middle, b)
    if b or inside:
        assert chained == calendar.add_business_time(start, a + b)
    else:
        assert chained == calendar.next_opening(middle) > middle
        assert calendar.business_time_between(middle, chained) == timedelta(0)


@SETTINGS
@given(scenarios(), st.lists(st.integers(0, 10 * 24 * 60), min_size=2, max_size=2))
def test_business_time_between_is_additive_and_bounded(scenario, offsets: list[int]) -> None:
    calendar, a = scenario
    b, c = (a + timedelta(minutes=m) for m in sorted(offsets))
    ab, bc, ac = (
        calendar.business_time_between(a, b),
        calendar.business_time_between(b, c),
        calendar.business_time_between(a, c),
    )
    assert ab + bc == ac
    assert timedelta(0) <= ac <= c - a
    assert calendar.business_time_between(c, a) == timedelta(0)


# -- pauses ------------------------------------------------------------------------------------


@st.composite
def pause_lists(draw: st.DrawFn, start: datetime) -> list[Interval]:
    """Up to four pauses near ``start`` (some before it, some overlapping one another)."""
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        offset = timedelta(minutes=draw(st.integers(-3 * 24 * 60, 20 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(1, 5 * 24 * 60)))
        pauses.append(Interval(start=start + offset, end=start + offset + length))
    return pauses


def merged_measure(calendar, start, end, pauses, unit) -> timedelta:
    """Paused time inside [start, end) in the clock's measure, overlaps counted once."""
    pieces = sorted((max(p.start, start), min(p.end, end)) for p in pauses)
    merged: list[list[datetime]] = []
    for lo, hi in pieces:
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return sum((calendar.elapsed(lo, hi, unit) for lo, hi in merged), timedelta(0))


@SETTINGS
@given(st.data(), scenarios(), durations)
def test_pauses_never_bring_the_deadline_forward(data, scenario, duration: Duration) -> None:
    calendar, start = scenario
    pauses = data.draw(pause_lists(start))
    unpaused = calendar.due(start, duration)
    paused = calendar.due(start, duration, pauses)
    assert paused >= unpaused
    # Order, duplicates and splitting a pause in two adjacent halves do not matter.
    assert calendar.due(start, duration, list(reversed(pauses)) + pauses) == paused
    halves = [
        half
        for p in pauses
        for half in (
            Interval(start=p.start, end=p.start + (p.end - p.start) / 2),
            Interval(start=p.start + (p.end - p.start) / 2, end=p.end),
        )
    ]
    assert calendar.due(start, duration, halves) == paused


@SETTINGS
@given(st.data(), scenarios(), durations)
def test_pause_starting_at_or_after_the_final_deadline_changes_nothing(
    data, scenario, duration: Duration
) -> None:
    calendar, start = scenario
    pauses = data.draw(pause_lists(start))
    deadline = calendar.due(start, duration, pauses)
    later = deadline + timedelta(minutes=data.draw(st.integers(0, 10 * 24 * 60)))
    extra = Interval(start=later, end=later + timedelta(hours=data.draw(st.integers(1, 200))))
    assert calendar.due(start, duration, [*pauses, extra]) == deadline
    running = Interval(start=later)  # still running, but it began after the deadline
    assert calendar.due(start, duration, [*pauses, running]) == deadline
    # A running pause that began before the deadline stops the clock for good (without `now`).
    if deadline > start:
        began = start + (deadline - start) / 2
        assert calendar.due(start, duration, [*pauses, Interval(start=began)]) == NO_DEADLINE


@SETTINGS
@given(st.data(), scenarios(), st.sampled_from([Unit.MINUTES, Unit.HOURS, Unit.BUSINESS_HOURS]))
def test_paused_clock_runs_for_exactly_its_duration(data, scenario, unit: Unit) -> None:
    """For clocks measured in time (not day-counting units), the deadline is where the running
    time (elapsed, or working time for business hours) minus the paused time reaches the
    duration."""
    calendar, start = scenario
    amount = data.draw(st.integers(1, 60 * 40))  # minutes
    duration = Duration(amount if unit is Unit.MINUTES else amount / 60, unit)
    pauses = data.draw(pause_lists(start))
    due = calendar.due(start, duration, pauses)
    running = calendar.elapsed(start, due, unit)
    assert running - merged_measure(calendar, start, due, pauses, unit) == timedelta(minutes=amount)


@SETTINGS
@given(st.data(), scenarios(), business_amounts.filter(bool))
def test_pause_inside_working_hours_pushes_business_hours_by_its_length(
    data, scenario, amount: timedelta
) -> None:
    calendar, start = scenario
    duration = Duration(amount / timedelta(hours=1), Unit.BUSINESS_HOURS)
    unpaused = calendar.due(start, duration)
    # A pause starting x of working time after the start (x < amount) at an instant inside
    # working hours, ending no later than that day's close.
    x = timedelta(minutes=data.draw(st.integers(0, amount // timedelta(minutes=1) - 1)))
    lo = calendar.next_opening(calendar.add_business_time(start, x))
    assume(lo < unpaused)
    span = calendar.working_span(calendar.local(lo).date())
    assert span is not None
    assume(span[1] > lo)
    length = timedelta(minutes=data.draw(st.integers(1, 24 * 60)))
    hi = min(lo + length, span[1])
    worked = hi - lo
    assert calendar.business_time_between(lo, hi) == worked
    paused = calendar.due(start, duration, [Interval(start=lo, end=hi)])
    assert calendar.business_time_between(unpaused, paused) == worked
    assert paused == calendar.add_business_time(unpaused, worked)
    assert calendar.business_time_between(start, paused) == amount + worked


@SETTINGS
@given(st.data(), scenarios(), durations)
def test_running_pause_counts_until_now(data, scenario, duration: Duration) -> None:
    calendar, start = scenario
    began = start + timedelta(minutes=data.draw(st.integers(0, 5 * 24 * 60)))
    now = began + timedelta(minutes=data.draw(st.integers(1, 5 * 24 * 60)))
    running = calendar.due(start, duration, [Interval(start=began)], now=now)
    ended = calendar.due(start, duration, [Interval(start=began, end=now)])
    assert running == ended
    if began < calendar.due(start, duration):
        # The clock is stopped until `now`, so it has not run out before `now`: no clock time
        # (working time for business units) lies between the deadline and `now`.
        if duration.unit.is_business:
            assert calendar.business_time_between(running, now) == timedelta(0)
        else:
            assert running > now


def test_zones_in_the_strategy_have_dst_where_expected() -> None:
    # Guards the premise of the strategy: three of the zones change offset during the year.
    changing = {
        zone
        for zone in ZONES
        if datetime(2026, 1, 15, tzinfo=ZoneInfo(zone)).utcoffset()
        != datetime(2026, 7, 15, tzinfo=ZoneInfo(zone)).utcoffset()
    }
    assert changing == {"Europe/London", "America/New_York", "Australia/Sydney"}
