"""Pieces every view-model shares: the header, cohort selection, percentiles, tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Frozen
from report_templates.input import AnyFinding, ComplaintSource, Period, ReportInput

#: Display order of finding statuses in every table.
STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in Status)

ColumnKind = Literal["text", "int", "float", "ratio", "date", "datetime", "url"]


class ReportHeader(Frozen):
    """Scope and provenance line shown on top of every report."""

    kind: str
    title: str
    period_start: date
    period_end: date
    timezone: str
    as_of: datetime
    source: str
    data_freshness: datetime | None
    code_version: str
    #: Complainants pseudonymised, contact details and free text removed (``--redact``).
    redacted: bool = False


class Column(Frozen):
    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    """A flat table for CSV/XLSX export (``rows`` hold plain JSON-able values).

    A plain dataclass, not a validated model: the register's table has one row per complaint.
    """

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Mapping[str, object]]


V_co = TypeVar("V_co", covariant=True)


class Builder(Protocol[V_co]):
    """A view built in one pass: ``add`` sees every complaint of ``data.current`` once (in any
    order), then ``finish`` sorts what it kept and may read other sources (history, samples)."""

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None: ...

    def finish(self) -> V_co: ...


def run_pass(source: ComplaintSource, builders: Sequence[Builder[object]]) -> None:
    """One pass over ``source`` feeding every builder."""
    for record, findings in source.items():
        for builder in builders:
            builder.add(record, findings)


def received_ts(record: ComplaintRecord) -> float:
    """``record.received_at`` as POSIX seconds: comparing aware datetimes in different zones
    calls utcoffset() on both sides every time; a float keeps microsecond order exactly at these
    magnitudes. A builder that needs it more than once per record computes it once in ``add``."""
    return record.received_at.timestamp()


class Cohort:
    """Complaints received in ``period`` (and already received at ``as_of``)."""

    def __init__(self, period: Period, as_of: datetime) -> None:
        self.lo, self.hi = period.bounds()
        self.as_of = as_of
        self._lo, self._hi, self._as_of = self.lo.timestamp(), self.hi.timestamp(), as_of.timestamp()

    def __contains__(self, record: ComplaintRecord) -> bool:
        return self.holds(received_ts(record))

    def holds(self, received: float) -> bool:
        """A complaint received at ``received`` (``received_ts``) is a member."""
        return self._lo <= received < self._hi and received <= self._as_of


def header(data: ReportInput, kind: str, title: str) -> ReportHeader:
    tz = data.period.timezone
    fresh = data.provenance.data_freshness
    return ReportHeader(
        kind=kind,
        title=title,
        period_start=data.period.start,
        period_end=data.period.end,
        timezone=tz,
        as_of=local(data.as_of, tz),
        source=data.provenance.source,
        data_freshness=local(fresh, tz) if fresh else None,
        code_version=data.provenance.code_version,
        redacted=data.options.redact,
    )


@cache
def zone(tz: str) -> ZoneInfo:
    """``ZoneInfo(tz)``, looked up once (rows convert several times each, 100,000s of rows)."""
    return ZoneInfo(tz)


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def maybe_local(moment: datetime | None, tz: str) -> datetime | None:
    return moment.astimezone(zone(tz)) if moment is not None else None


def counted(record: ComplaintRecord) -> bool:
    """In the register and KPIs: in ISO 10002 scope and not deleted at the source."""
    return record.in_scope and not record.deleted


def status_counts(findings: Iterable[AnyFinding]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for f in findings:
        counts[f.status] += 1  # a StrEnum member finds its str key (.value is slow at 1M findings)
    return counts


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least ``pct``% at or below it);
    chosen because it is always an observed value and easy to count by hand."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def trim(text: str | None, limit: int) -> str | None:
    """Free text cut to ``limit`` characters (ticket text can be arbitrarily long), at a word
    boundary where one is in the last third, with an ellipsis."""
    if text is None:
        return None
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit * 2) // 3:
        cut = cut[:space].rstrip(" ,;:.-")
    return cut + "…"
