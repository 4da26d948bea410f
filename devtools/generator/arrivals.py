"""When complaints arrive: a weekly and seasonal volume curve, shaped by the hour of day.

Arrivals are streamed day by day in time order, so complaint numbers grow with receipt time
(as ticket ids do) without holding every timestamp in memory. Each day gets its share of the
total by a cumulative quota, which makes the count exact for any size.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from devtools.generator.config import GeneratorConfig

#: Relative volume by weekday (Monday first): complaints pile up after the weekend.
WEEKDAY_WEIGHT = (1.3, 1.15, 1.05, 1.0, 0.9, 0.4, 0.3)
#: Relative volume by local hour: office hours dominate, evenings carry web and email.
HOUR_WEIGHT = (
    0.15,
    0.1,
    0.08,
    0.08,
    0.1,
    0.2,
    0.4,
    0.8,
    1.4,
    2.0,
    2.1,
    2.0,
    1.7,
    1.8,
    1.9,
    1.8,
    1.5,
    1.1,
    0.9,
    0.8,
    0.7,
    0.5,
    0.35,
    0.2,
)
_HOURS = tuple(range(24))


def day_weight(day: date) -> float:
    """Volume of one calendar day relative to an average Thursday."""
    seasonal = 1.0 + 0.2 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
    if (day.month, day.day) in ((12, 24), (12, 25), (12, 26), (1, 1)):
        seasonal *= 0.3  # holidays: few complaints, a backlog after them
    elif day.month == 1 and day.day <= 14:
        seasonal *= 1.25  # January statements and post-holiday billing
    return WEEKDAY_WEIGHT[day.weekday()] * seasonal


def _days(config: GeneratorConfig) -> list[date]:
    last = config.end.astimezone(ZoneInfo(config.timezone)).date()
    return [last - timedelta(days=offset) for offset in range(config.days - 1, -1, -1)]


def daily_counts(config: GeneratorConfig) -> Iterator[tuple[date, int]]:
    """(day, number of complaints received that day); the counts sum to ``config.complaints``."""
    days = _days(config)
    weights = [day_weight(d) for d in days]
    total = sum(weights)
    cumulative, given = 0.0, 0
    for day, weight in zip(days, weights, strict=True):
        cumulative += weight
        quota = round(config.complaints * cumulative / total)
        yield day, quota - given
        given = quota


def received_times(config: GeneratorConfig) -> Iterator[datetime]:
    """Every complaint's receipt time, oldest first, all before ``config.end``."""
    rng = random.Random(config.seed)  # noqa: S311 - synthetic data, not crypto
    zone = ZoneInfo(config.timezone)
    end = config.end
    for day, count in daily_counts(config):
        if count == 0:
            continue
        moments = []
        for _ in range(count):
            for _attempt in range(50):
                hour = rng.choices(_HOURS, HOUR_WEIGHT)[0]
                local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
                moment = local.astimezone(end.tzinfo)
                if moment < end:
                    break
            else:  # the last day is almost over before ``end``: squeeze it in just before
                moment = end - timedelta(minutes=rng.randrange(1, 60))
            moments.append(moment)
        moments.sort()
        yield from moments
