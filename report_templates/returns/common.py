"""What every return shares: a table with a header note, and local dates of a policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from compliance_checks.policy import Policy

Cell = str | int | None


@dataclass(frozen=True)
class ReturnTable:
    """Rows of one return; ``notes`` go in the header (layout caveats, unconfirmed figures).

    ``warnings`` are also told on stderr by the CLI; ``unmapped``: record values the return's code
    tables did not map, with the number of complaints (the CLI names them; ``--strict`` fails)."""

    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Cell]]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)


def local_day(policy: Policy, moment: datetime | None) -> date | None:
    return None if moment is None else policy.calendar.local(moment).date()


def in_period(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def provenance_notes(policy: Policy) -> list[str]:
    return [f"Unconfirmed figure: {f.label()}" for f in policy.unconfirmed]
