"""What every report is built from: a small, source-neutral data contract.

The export-file adapter (``connector.reports.files``) fills it from export files and the store
adapter (``connector.reports.store``) from the history store. View-models read only this, so
they stay pure functions.

A source is *streamed*: ``items()`` yields one complaint at a time (its record and findings),
and each view builder keeps only what it needs from each item (counters, slim rows), so a
report over 100,000 complaints never holds 100,000 records or a million findings at once.
``lookup(ids)`` re-reads a few complaints in full (the audit sample's timelines).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from compliance_checks.findings import Finding, Scalar, Status, WaiverApplied
from compliance_checks.model import ComplaintRecord, Severity
from compliance_checks.policy import Policy
from compliance_checks.waivers import Waiver


@dataclass(frozen=True)
class FileRef:
    """A configuration or input file as the audit report cites it."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Provenance:
    """Where the data came from and which versions produced it (the audit's header)."""

    source: str
    #: The newest ``updated_at`` seen (offline) or the last successful sync (store).
    data_freshness: datetime | None
    policy: FileRef
    mappings: tuple[FileRef, ...]
    waivers: FileRef
    inputs: tuple[FileRef, ...] = ()
    holidays_version: str = "unknown"
    code_version: str = "unknown"
    #: Things the auditor must know about the data (e.g. tickets that could not be mapped).
    notes: tuple[str, ...] = ()
    #: Every file of the policy's ``extends`` chain (the file loaded first), with its sha256.
    policy_chain: tuple[FileRef, ...] = ()


class FindingHead(BaseModel):
    """What a report pass reads of a finding, without its message, evidence or remediation.

    A streamed source may yield this instead of the full ``Finding`` for every status but
    ``FULL_STATUSES`` (the audit's exceptions, which show all of a finding): parsing only these
    fields cut about a third of a pass's parsing. Fields mean what they mean on ``Finding``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    ticket: str
    check: str
    title: str
    status: Status
    clauses: tuple[str, ...]
    severity: Severity
    #: Not re-checked for a timezone: heads are read only from findings validated when stored.
    due_at: datetime | None = None
    facts: dict[str, Scalar] = Field(default_factory=dict)
    waiver: WaiverApplied | None = None


#: Statuses a source always yields as a full ``Finding`` (the audit lists them whole).
FULL_STATUSES: tuple[Status, ...] = (Status.FAIL, Status.AT_RISK, Status.WAIVED)
#: A finding as a pass sees it: whole, or its head (see ``FindingHead``).
AnyFinding = Finding | FindingHead


def full_findings(findings: tuple[AnyFinding, ...]) -> tuple[Finding, ...]:
    """``findings`` as full findings: what ``lookup`` gives (a head here is a source's bug)."""
    out = tuple(f for f in findings if isinstance(f, Finding))
    if len(out) != len(findings):
        raise TypeError("expected full findings, got a FindingHead (lookup must give full findings)")
    return out


class Item(NamedTuple):
    """One complaint as a source yields it: the record and its findings."""

    record: ComplaintRecord
    findings: tuple[AnyFinding, ...]


class Brief(NamedTuple):
    """What a backlog count needs of one complaint (a trend pass reads only this)."""

    id: str
    #: Receipt time as POSIX seconds (cheap to compare and subtract in a trend pass).
    received_ts: float
    #: In ISO 10002 scope and not deleted at the source.
    counted: bool
    is_open: bool
    #: At least one finding needs action (FAIL, AT_RISK, ERROR).
    flagged: bool


def brief(record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> Brief:
    return Brief(
        id=record.id,
        received_ts=record.received_at.timestamp(),
        counted=record.in_scope and not record.deleted,
        is_open=record.is_open,
        flagged=any(f.status.needs_action for f in findings),
    )


class ComplaintSource(Protocol):
    """Complaint records and their findings as evaluated at ``as_of``, streamed."""

    @property
    def as_of(self) -> datetime: ...

    def items(self) -> Iterator[Item]:
        """Every complaint once (any order); each call starts a new pass.

        A streamed source may leave ``record.timeline`` empty here (it is often most of a record
        and no pass reads it) and give ``FindingHead``s for findings not in ``FULL_STATUSES``;
        ``lookup`` always gives complete records and full findings.
        """
        ...

    def lookup(self, ids: Collection[str]) -> Iterator[Item]:
        """The complaints with these ids, in full (any order; unknown ids are skipped)."""
        ...

    def briefs(self) -> Iterator[Brief]:
        """Every complaint as a ``Brief`` (a source may answer this without parsing records)."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """An in-memory source: the records and each one's findings as evaluated at ``as_of``."""

    as_of: datetime
    records: tuple[ComplaintRecord, ...]
    #: Findings by complaint id (``ComplaintRecord.id``).
    findings: Mapping[str, tuple[Finding, ...]]

    def findings_for(self, record_id: str) -> tuple[Finding, ...]:
        return self.findings.get(record_id, ())

    def items(self) -> Iterator[Item]:
        for record in self.records:
            yield Item(record, self.findings_for(record.id))

    def lookup(self, ids: Collection[str]) -> Iterator[Item]:
        wanted = set(ids)
        return (item for item in self.items() if item.record.id in wanted)

    def briefs(self) -> Iterator[Brief]:
        return (brief(record, findings) for record, findings in self.items())


@dataclass(frozen=True)
class StreamSnapshot:
    """A streamed source: ``read()`` starts a new pass over the complaints (a file, a query).

    ``find`` re-reads chosen complaints; without it ``lookup`` scans ``read()`` once more.
    ``summarise`` yields the briefs cheaply; without it they are derived from ``read()``.
    """

    as_of: datetime
    read: Callable[[], Iterable[Item]]
    find: Callable[[Collection[str]], Iterable[Item]] | None = None
    summarise: Callable[[], Iterable[Brief]] | None = None

    def items(self) -> Iterator[Item]:
        return iter(self.read())

    def lookup(self, ids: Collection[str]) -> Iterator[Item]:
        if self.find is not None:
            return iter(self.find(ids))
        wanted = set(ids)
        return (item for item in self.read() if item.record.id in wanted)

    def briefs(self) -> Iterator[Brief]:
        if self.summarise is not None:
            return iter(self.summarise())
        return (brief(record, findings) for record, findings in self.read())


@dataclass(frozen=True)
class Period:
    """Complaints *received* from ``start`` to ``end`` inclusive, in the report's timezone."""

    start: date
    end: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, end+1 00:00)`` as aware datetimes in the report timezone."""
        zone = ZoneInfo(self.timezone)
        lo = datetime.combine(self.start, time(0), zone)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), zone)
        return lo, hi

    def contains(self, moment: datetime) -> bool:
        lo, hi = self.bounds()
        return lo <= moment < hi

    def calendar_months(self) -> int | None:
        """1, 3 or 12 when this is exactly a calendar month, quarter or year; else None."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if months == 1 or (months == 3 and self.start.month % 3 == 1) or (
                months == 12 and self.start.month == 1):
            return months
        return None

    def previous(self) -> Period:
        """The trend baseline: the previous calendar month, quarter or year for such a period
        (a Q1 report compares with Q4, not with the 90 days before); otherwise the period of
        equal length just before this one."""
        end = self.start - timedelta(days=1)
        months = self.calendar_months()
        if months is not None:
            index = end.year * 12 + end.month - months  # its first month, counted from year 0
            return Period(date(index // 12, index % 12 + 1, 1), end, self.timezone)
        return Period(self.start - timedelta(days=self.days), end, self.timezone)


#: Table rows per PDF volume unless the options say otherwise (docs/reports.md): the cost per row
#: stays flat up to about this many (benchmarks/README.md).
ROWS_PER_VOLUME = 1000


@dataclass(frozen=True)
class ReportOptions:
    """Knobs a report reads besides the data (defaults documented in docs/reports.md)."""

    sample_seed: int = 10002
    sample_size: int = 10
    #: Customers served, for "complaints per 1,000 customers" (omitted when unknown).
    customers: int | None = None
    #: Open actions on the review pack's summary page (the rest are in its appendix).
    review_actions: int = 12
    #: Pseudonymise complainants and drop contact details and free text (``report_templates.redact``).
    redact: bool = False
    #: Rows of the register's or the audit's long table per PDF volume (``writers/pdf.py``).
    pdf_volume_rows: int = ROWS_PER_VOLUME


@dataclass(frozen=True)
class ReportInput:
    """Everything a report needs; ``current`` is the evaluation as of the report time."""

    current: ComplaintSource
    period: Period
    policy: Policy
    provenance: Provenance
    waivers: tuple[Waiver, ...] = ()
    #: Earlier evaluations (e.g. as of the previous period's end) for trends, oldest first.
    history: tuple[ComplaintSource, ...] = ()
    options: ReportOptions = field(default_factory=ReportOptions)

    @property
    def as_of(self) -> datetime:
        return self.current.as_of

    def snapshot_at(self, moment: datetime) -> ComplaintSource | None:
        """The earlier evaluation made exactly as of ``moment``, if the source provided one."""
        for snap in self.history:
            if snap.as_of == moment:
                return snap
        return None
