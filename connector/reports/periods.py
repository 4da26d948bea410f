"""Calendar periods of the scheduled reports: the last complete month, quarter or N-day block."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from report_templates.input import Period


def last_complete(spec: str, now: datetime, timezone: str, anchor: date) -> tuple[str, Period]:
    """The last period of ``spec`` (``month``, ``quarter``, ``days:N``) that ended before
    ``now``'s day in ``timezone``, with its label (``2026-11``, ``2026-Q3``,
    ``2026-11-01--2026-11-14``): the label names the files and marks the period as delivered."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if spec == "month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
        return f"{start:%Y-%m}", Period(start, end, timezone)
    if spec == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = first - timedelta(days=1)
        start = date(end.year, end.month - 2, 1)
        return f"{start.year}-Q{(start.month + 2) // 3}", Period(start, end, timezone)
    days = int(spec.removeprefix("days:"))
    # Blocks of N days from the anchor; the one containing today is not complete yet.
    current = anchor + timedelta(days=((today - anchor).days // days) * days)
    start = current - timedelta(days=days)
    end = current - timedelta(days=1)
    return f"{start.isoformat()}--{end.isoformat()}", Period(start, end, timezone)
