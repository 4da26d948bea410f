"""Pieces every view-model shares: the header, cohort selection, percentiles, tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Frozen
from report_templates.input import Period, ReportInput, Snapshot

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


class Column(Frozen):
    key: str
    label: str
    kind: ColumnKind = "text"


class Table(Frozen):
    """A flat table for CSV/XLSX export (``rows`` hold plain JSON-able values)."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, object], ...]


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
    )


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def maybe_local(moment: datetime | None, tz: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(tz)) if moment is not None else None


def counted(record: ComplaintRecord) -> bool:
    """In the register and KPIs: in ISO 10002 scope and not deleted at the source."""
    return record.in_scope and not record.deleted


def cohort(snapshot: Snapshot, period: Period) -> list[ComplaintRecord]:
    """Complaints received in ``period`` (and already received at the snapshot time), by
    receipt time then id, so every table built from it is in a stable order."""
    lo, hi = period.bounds()
    rows = [r for r in snapshot.records if lo <= r.received_at < hi and r.received_at <= snapshot.as_of]
    return sorted(rows, key=lambda r: (r.received_at, r.id))


def status_counts(findings: Iterable[Finding]) -> dict[str, int]:
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
    """Free text cut to ``limit`` characters (ticket text can be arbitrarily long)."""
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
