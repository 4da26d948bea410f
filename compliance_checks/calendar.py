"""Business calendar and the exact deadline rules of the domain document.

Durations are written ``<n> <unit>``:

* ``minutes``, ``hours``: elapsed wall-clock time;
* ``business hours``: time counted only inside working hours, skipping holidays;
* ``business days`` / ``working days``: due at the close of the n-th business day after the
  day of receipt; with the calendar's ``receipt: next_opening`` (the default) a complaint
  received outside working hours counts as received at the next opening, with
  ``receipt: day_of_receipt`` the day of receipt is the local calendar day it arrived on,
  whether or not that day is a business day (regulators counting "after the day on which it is
  received");
* ``days`` / ``weeks``: due at the end (23:59:59.999999 local) of the calendar day n (7n) days
  after the day of receipt.

Pausing (operational clocks only): time spent in a pausing stage before the deadline pushes the
deadline out by that time, measured in the clock's own measure (working time for business units,
wall-clock time otherwise). Overlapping pauses count once; a pause that begins before the
(already pushed-out) deadline counts in full, one that begins at or after it does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import AfterValidator, Field, field_validator

from compliance_checks.model import Frozen, Interval

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59, 999999)
#: What ``due`` returns while a clock is stopped by a pause that is still running and no ``now``
#: says how long it has lasted: the deadline is not reached while paused. Far enough from
#: ``datetime.max`` that local conversion in any zone and small arithmetic stay in range.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
#: Memoised raw deadlines kept at most (cleared when full): a few MiB.
_RAW_DUE_ENTRIES = 20_000


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    BUSINESS_HOURS = "business hours"
    BUSINESS_DAYS = "business days"
    DAYS = "days"
    WEEKS = "weeks"

    @property
    def singular(self) -> str:
        """``business day`` for ``business days``: every unit is named by its plural."""
        return self.value.removesuffix("s")

    @property
    def is_business(self) -> bool:
        return self in (Unit.BUSINESS_HOURS, Unit.BUSINESS_DAYS)


_UNIT_ALIASES = {
    "minute": Unit.MINUTES,
    "minutes": Unit.MINUTES,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "business hour": Unit.BUSINESS_HOURS,
    "business hours": Unit.BUSINESS_HOURS,
    "working hour": Unit.BUSINESS_HOURS,
    "working hours": Unit.BUSINESS_HOURS,
    "business day": Unit.BUSINESS_DAYS,
    "business days": Unit.BUSINESS_DAYS,
    "working day": Unit.BUSINESS_DAYS,
    "working days": Unit.BUSINESS_DAYS,
    "day": Unit.DAYS,
    "days": Unit.DAYS,
    "calendar day": Unit.DAYS,
    "calendar days": Unit.DAYS,
    "week": Unit.WEEKS,
    "weeks": Unit.WEEKS,
}
# ASCII digits only (``\d`` would also accept e.g. Arabic-Indic digits, which float() converts).
#: The longest policy duration (ten years): longer ones are configuration errors.
MAX_DURATION_DAYS = 3653
_MAX_AMOUNT = {
    Unit.MINUTES: MAX_DURATION_DAYS * 24 * 60,
    Unit.HOURS: MAX_DURATION_DAYS * 24,
    Unit.BUSINESS_HOURS: MAX_DURATION_DAYS * 24,
    Unit.BUSINESS_DAYS: MAX_DURATION_DAYS,
    Unit.DAYS: MAX_DURATION_DAYS,
    Unit.WEEKS: MAX_DURATION_DAYS // 7,
}
_DURATION_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s+([a-z]+(?: [a-z]+)*)\s*$")


@dataclass(frozen=True, slots=True)
class Duration:
    """A policy duration such as ``2 business days`` or ``4 hours``."""

    amount: float
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION_RE.match(" ".join(text.lower().split()))
        if not match or match.group(2) not in _UNIT_ALIASES:
            units = "minutes, hours, business hours, business days, working days, days, weeks"
            raise ValueError(f"{text!r} is not a duration '<n> <unit>' (units: {units})")
        amount = float(match.group(1))
        unit = _UNIT_ALIASES[match.group(2)]
        if unit in (Unit.BUSINESS_DAYS, Unit.DAYS, Unit.WEEKS) and not amount.is_integer():
            raise ValueError(f"{text!r}: {unit.value} must be a whole number")
        if amount > _MAX_AMOUNT[unit]:
            # Beyond this, due dates overflow (every finding was an ERROR) and no policy means it.
            raise ValueError(f"{text!r} is longer than {MAX_DURATION_DAYS} days")
        return cls(amount, unit)

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount.is_integer() else self.amount
        return f"{amount} {self.unit.value if amount != 1 else self.unit.singular}"


class ReceiptRule(StrEnum):
    """Which day a ``business days`` clock counts from when receipt is outside working hours."""

    #: Received after hours or on a closed day = received at the next opening (ISO baseline).
    NEXT_OPENING = "next_opening"
    #: Counted from the local calendar day of receipt, business day or not.
    DAY_OF_RECEIPT = "day_of_receipt"


class HolidaySource(Frozen):
    """Public holidays from the ``holidays`` package."""

    country: str
    subdivision: str | None = None


def _known_weekday(day: str) -> str:
    if day not in WEEKDAYS:
        raise ValueError(f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
    return day


def _valid_span(span: str) -> str:
    _parse_span(span)
    return span


#: Keys and spans are validated one by one, so every bad day of a file is reported in one run.
Weekday = Annotated[str, AfterValidator(_known_weekday)]
WorkingSpan = Annotated[str, AfterValidator(_valid_span)]


class CalendarConfig(Frozen):
    """The ``calendar`` block of a policy file."""

    timezone: str = "UTC"
    #: ``mon``..``sun`` -> ``"09:00-17:00"`` or null for a closed day.
    working_hours: dict[Weekday, WorkingSpan | None] = Field(
        default_factory=lambda: {d: ("09:00-17:00" if d not in ("sat", "sun") else None) for d in WEEKDAYS}
    )
    holidays: HolidaySource | None = None
    extra_holidays: list[date] = Field(default_factory=list)
    #: When a ``business days`` clock starts for a receipt outside working hours.
    receipt: ReceiptRule = ReceiptRule.NEXT_OPENING

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        # OSError: with the tzdata package installed, a folder name ("Europe") fails on opening.
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: HolidaySource | None) -> HolidaySource | None:
        if value is not None:
            try:
                holidays_lib.country_holidays(value.country, subdiv=value.subdivision, years=2000)
            except NotImplementedError as exc:
                raise ValueError(
                    f"the holidays package has no calendar for {value.country!r}"
                    f"{'/' + value.subdivision if value.subdivision else ''}"
                ) from exc
        return value


def _parse_span(span: str) -> tuple[time, time]:
    try:
        start_text, end_text = span.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as exc:
        raise ValueError(f"working hours {span!r} must look like '09:00-17:00'") from exc
    if start.tzinfo is not None or end.tzinfo is not None:
        # "09:00+01:00" parses to an aware time; comparing it with a naive one raised TypeError
        # (not a validation error) and the offset would be ignored anyway: the zone is the
        # calendar's timezone.
        raise ValueError(f"working hours {span!r} must not carry a UTC offset (use 'timezone')")
    if end <= start:
        raise ValueError(f"working hours {span!r} must end after they start")
    return start, end


class BusinessCalendar:
    """Working hours in one timezone, with public holidays and extra closed dates."""

    def __init__(self, config: CalendarConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self._hours: dict[int, tuple[time, time] | None] = {
            WEEKDAYS.index(day): (_parse_span(span) if span else None)
            for day, span in config.working_hours.items()
        }
        self._extra = frozenset(config.extra_holidays)
        self._holiday_years: dict[int, frozenset[date]] = {}
        # Per-day answers are pure functions of the (immutable) config; deadlines for many
        # complaints hit the same few hundred days, so they are memoised (benchmark hotspot).
        self._spans: dict[date, tuple[datetime, datetime] | None] = {}
        self._next_day: dict[date, date] = {}
        #: business day -> local date of its opening instant (the day itself in practice).
        self._opening_day: dict[date, date] = {}
        #: (effective receipt day, n) -> close of the n-th business day after it.
        self._nth_close: dict[tuple[date, int], datetime] = {}
        #: (start instant, unit, amount) -> deadline before pauses: the checks of one complaint
        #: start several clocks at the same instant (receipt, last reply). Bounded by clearing.
        self._raw_dues: dict[tuple[datetime, Unit, float], datetime] = {}

    # -- days ------------------------------------------------------------------------------

    def holidays_in(self, year: int) -> frozenset[date]:
        cached = self._holiday_years.get(year)
        if cached is None:
            source = self.config.holidays
            cached = frozenset(_public_holidays(source.country, source.subdivision, year) if source else ())
            self._holiday_years[year] = cached
        return cached

    def is_holiday(self, day: date) -> bool:
        return day in self._extra or day in self.holidays_in(day.year)

    def is_business_day(self, day: date) -> bool:
        return self._hours.get(day.weekday()) is not None and not self.is_holiday(day)

    def working_span(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing time of ``day`` (aware), or None on a closed day."""
        try:
            return self._spans[day]
        except KeyError:
            span = self._spans[day] = self._working_span(day)
            return span

    def _working_span(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_business_day(day):
            return None
        hours = self._hours[day.weekday()]
        assert hours is not None  # is_business_day checked it  # noqa: S101
        # Instants are kept in UTC so that arithmetic is elapsed time even across DST changes.
        return (
            datetime.combine(day, hours[0], tzinfo=self.tz).astimezone(UTC),
            datetime.combine(day, hours[1], tzinfo=self.tz).astimezone(UTC),
        )

    def local(self, moment: datetime) -> datetime:
        return _aware(moment).astimezone(self.tz)

    def next_business_day(self, day: date) -> date:
        cached = self._next_day.get(day)
        if cached is None:
            cached = self._next_day[day] = self._next_business_day(day)
        return cached

    def _next_business_day(self, day: date) -> date:
        candidate = day + timedelta(days=1)
        for _ in range(3660):  # ten years without a working day means a broken calendar
            if self.is_business_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError("the calendar has no business day in the next ten years")

    # -- instants --------------------------------------------------------------------------

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself when inside working hours, else the next opening."""
        moment = _aware(moment).astimezone(UTC)
        day = self.local(moment).date()
        span = self.working_span(day)
        if span is not None:
            if moment < span[0]:
                return span[0]
            if moment < span[1]:
                return moment
        day = self.next_business_day(day)
        opening = self.working_span(day)
        assert opening is not None  # noqa: S101
        return opening[0]

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside ``[start, end)``; zero when ``end <= start``."""
        if _aware(end) <= _aware(start):
            return timedelta(0)
        total = timedelta(0)
        day = self.local(start).date()
        last = self.local(end).date()
        while day <= last:
            span = self.working_span(day)
            if span is not None:
                lo, hi = max(span[0], start), min(span[1], end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which ``amount`` of working time has passed since ``start``."""
        cursor = self.next_opening(start)
        remaining = amount
        while True:
            span = self.working_span(self.local(cursor).date())
            assert span is not None  # cursor is always inside working hours  # noqa: S101
            available = span[1] - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
            cursor = self.next_opening(span[1])

    def close_of_nth_business_day(self, start: datetime, n: int) -> datetime:
        """Close of the n-th business day after the (effective) day of receipt (see ``receipt``)."""
        key = (self._effective_day(start), n)
        close = self._nth_close.get(key)
        if close is None:
            day = key[0]
            for _ in range(n):
                day = self.next_business_day(day)
            span = self.working_span(day)
            assert span is not None  # noqa: S101
            close = self._nth_close[key] = span[1]
        return close

    def _effective_day(self, start: datetime) -> date:
        """``local(next_opening(start)).date()`` without building the opening instant: only
        the day matters to business-day deadlines, which every clock of every complaint asks
        for (the answer per day is memoised; the start only decides before/after closing).
        With ``receipt: day_of_receipt`` it is the local day of ``start`` itself."""
        moment = _aware(start).astimezone(UTC)
        day = moment.astimezone(self.tz).date()
        if self.config.receipt is ReceiptRule.DAY_OF_RECEIPT:
            return day
        span = self.working_span(day)
        if span is not None and moment < span[1]:
            if moment >= span[0]:
                return day  # inside working hours: next_opening(start) is start itself
        else:
            day = self.next_business_day(day)
        opening_day = self._opening_day.get(day)
        if opening_day is None:
            opening = self.working_span(day)
            assert opening is not None  # a business day (or one with hours)  # noqa: S101
            opening_day = self._opening_day[day] = self.local(opening[0]).date()
        return opening_day

    # -- deadlines -------------------------------------------------------------------------

    def due(
        self,
        start: datetime,
        duration: Duration,
        pauses: Sequence[Interval] = (),
        *,
        now: datetime | None = None,
    ) -> datetime:
        """The deadline for a clock started at ``start``; ``pauses`` push it out.

        The clock is simulated: pauses are clipped to ``start``, merged (overlaps count once) and
        taken in order; a pause that begins before the deadline pushed out by the earlier pauses
        counts in full (the clock is stopped throughout it), one that begins at or after it does
        not count. A running pause (``end`` None) lasts until ``now``; without ``now`` a running
        pause that begins before the deadline stops the clock indefinitely and the result is
        ``NO_DEADLINE`` (pass ``now`` to get the real instant: the time left after ``now``).
        """
        base = self._raw_due(start, duration)
        if not pauses:
            return base
        unit = duration.unit
        deadline = base
        paused = timedelta(0)
        for lo, hi in self._merged_pauses(start, pauses, now):
            if lo >= deadline:
                break
            if hi is None:
                return NO_DEADLINE
            paused += self.elapsed(lo, hi, unit)
            deadline = self._extend(base, paused, unit)
        return deadline

    @staticmethod
    def _merged_pauses(
        start: datetime, pauses: Sequence[Interval], now: datetime | None
    ) -> list[tuple[datetime, datetime | None]]:
        """Pauses clipped to ``[start, ...)``, sorted and merged; ``None`` end = still running."""
        start = _aware(start)
        clipped: list[tuple[datetime, datetime | None]] = []
        for pause in pauses:
            lo = max(pause.start, start)
            hi = pause.end if pause.end is not None else now
            if hi is not None and hi <= lo:
                continue
            clipped.append((lo, hi))
        clipped.sort(key=lambda pair: pair[0])
        merged: list[tuple[datetime, datetime | None]] = []
        for lo, hi in clipped:
            if merged:
                last_lo, last_hi = merged[-1]
                if last_hi is None:
                    break  # a running pause swallows every later one
                if lo <= last_hi:
                    merged[-1] = (last_lo, None if hi is None else max(last_hi, hi))
                    continue
            merged.append((lo, hi))
        return merged

    def _raw_due(self, start: datetime, duration: Duration) -> datetime:
        # Keyed by the instant: equal aware datetimes hash alike whatever their zone, and the
        # deadline depends on the instant only (a naive start raises before anything is kept).
        key = (start, duration.unit, duration.amount)
        cached = self._raw_dues.get(key)
        if cached is None:
            if len(self._raw_dues) >= _RAW_DUE_ENTRIES:
                self._raw_dues.clear()
            cached = self._raw_dues[key] = self._compute_raw_due(start, duration)
        return cached

    def _compute_raw_due(self, start: datetime, duration: Duration) -> datetime:
        unit, amount = duration.unit, duration.amount
        if unit is Unit.MINUTES:
            return _aware(start).astimezone(UTC) + timedelta(minutes=amount)
        if unit is Unit.HOURS:
            return _aware(start).astimezone(UTC) + timedelta(hours=amount)
        if unit is Unit.BUSINESS_HOURS:
            return self.add_business_time(start, timedelta(hours=amount))
        if unit is Unit.BUSINESS_DAYS:
            return self.close_of_nth_business_day(start, int(amount))
        days = int(amount) * (7 if unit is Unit.WEEKS else 1)
        target = self.local(start).date() + timedelta(days=days)
        return datetime.combine(target, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def _extend(self, base: datetime, paused: timedelta, unit: Unit) -> datetime:
        if not paused:
            return base
        if unit.is_business:
            return self.add_business_time(base, paused)
        return base.astimezone(UTC) + paused

    def elapsed(self, start: datetime, end: datetime, unit: Unit) -> timedelta:
        """Time between two instants in the clock's own measure (for evidence text)."""
        return self.business_time_between(start, end) if unit.is_business else end - start


def _aware(moment: datetime) -> datetime:
    """``moment`` itself; a naive datetime is an error, never silently the host's local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive; calendar instants must be timezone-aware")
    return moment


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> tuple[date, ...]:
    return tuple(holidays_lib.country_holidays(country, subdiv=subdivision, years=year).keys())
