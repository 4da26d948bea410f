"""Fast paths of the business calendar give exactly what the general path gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance_checks.calendar import BusinessCalendar, CalendarConfig
from tests.test_calendar_properties import SETTINGS, calendars, scenarios


def _slow_effective_day(calendar: BusinessCalendar, start: datetime) -> object:
    return calendar.local(calendar.next_opening(start)).date()


@SETTINGS
@given(scenarios())
def test_effective_day_is_the_day_of_the_next_opening(scenario) -> None:
    calendar, start = scenario
    assert calendar._effective_day(start) == _slow_effective_day(calendar, start)


@SETTINGS
@given(calendars, st.integers(0, 1500), st.sampled_from([0, 1]), st.sampled_from([-1, 0, 1]))
def test_effective_day_at_opening_and_closing_edges(
    calendar: BusinessCalendar, day_offset: int, edge: int, nudge: int
) -> None:
    day = datetime(2024, 1, 1).date() + timedelta(days=day_offset)
    span = calendar.working_span(day)
    if span is None:
        start = datetime.combine(day, datetime.min.time(), tzinfo=calendar.tz)
    else:
        start = span[edge] + timedelta(microseconds=nudge)
    # Asked twice: the second answer comes from the memo.
    assert calendar._effective_day(start) == _slow_effective_day(calendar, start)
    assert calendar._effective_day(start) == _slow_effective_day(calendar, start)


def test_effective_day_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="naive"):
        BusinessCalendar(CalendarConfig())._effective_day(datetime(2026, 4, 14, 10))


def test_effective_day_examples() -> None:
    calendar = BusinessCalendar(CalendarConfig())  # UTC, Mon-Fri 09:00-17:00
    friday_evening = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert calendar._effective_day(friday_evening).isoformat() == "2026-11-23"
    assert calendar._effective_day(friday_evening - timedelta(microseconds=1)).isoformat() == "2026-11-20"
    assert calendar._effective_day(datetime(2026, 11, 20, 3, tzinfo=UTC)).isoformat() == "2026-11-20"
