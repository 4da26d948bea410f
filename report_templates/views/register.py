"""The complaint register (ISO 10002 8.1): one row per complaint received in the period."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, overload

from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Frozen
from compliance_checks.registry import REGISTRY
from report_templates.input import AnyFinding, ReportInput
from report_templates.kinds import Fmt, ReportKind
from report_templates.views.common import (
    Builder,
    Cohort,
    Column,
    ReportHeader,
    Table,
    header,
    maybe_local,
    received_ts,
    run_pass,
    trim,
)

#: Statuses named in a row's findings summary (PASS/NOT_APPLICABLE/PENDING are only counted).
_FINISHED = ("resolved", "closed")
_FLAGGED = (Status.FAIL, Status.AT_RISK, Status.WAIVED, Status.ERROR, Status.MANUAL)


class RegisterRow(Frozen):
    id: str
    url: str | None
    platform: str
    received_at: datetime
    channel: str | None
    complainant: str | None
    complainant_contact: str | None
    representative: bool
    product: str | None
    category: str | None
    subcategory: str | None
    summary: str | None
    remedy_sought: str | None
    in_scope: bool
    scope_reason: str | None
    status: str | None
    stage: str
    severity: str | None
    owner: str | None
    owner_id: str | None
    team: str | None
    escalated: bool
    acknowledged_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    root_cause: str | None
    reopen_count: int
    satisfaction: str | None
    findings_pass: int
    findings_flagged: int
    findings_summary: str
    product_tag: str | None
    category_tag: str | None
    subcategory_tag: str | None
    root_cause_tag: str | None


class RegisterView(Frozen):
    #: The page template (``report_templates/register.html.j2``; a user template of that name overrides it).
    TEMPLATE: ClassVar[str] = "register.html.j2"

    header: ReportHeader
    total: int
    in_scope: int
    open: int
    rows: tuple[RegisterRow, ...]

    def tables(self) -> tuple[Table, ...]:
        # Every field is a plain value, so a row's __dict__ is its model_dump (without the copy).
        rows = tuple(vars(row) for row in self.rows)
        return (Table(name="Register", columns=REGISTER_COLUMNS, rows=rows),)


REGISTER_COLUMNS: tuple[Column, ...] = (
    Column(key="id", label="Complaint"),
    Column(key="url", label="Link", kind="url"),
    Column(key="platform", label="Platform"),
    Column(key="received_at", label="Received", kind="datetime"),
    Column(key="channel", label="Channel"),
    Column(key="complainant", label="Complainant"),
    Column(key="complainant_contact", label="Contact"),
    Column(key="representative", label="Representative"),
    Column(key="product", label="Product/service"),
    Column(key="category", label="Category"),
    Column(key="subcategory", label="Sub-category"),
    Column(key="summary", label="Summary"),
    Column(key="remedy_sought", label="Remedy sought"),
    Column(key="in_scope", label="In scope"),
    Column(key="scope_reason", label="Scope reason"),
    Column(key="status", label="Status"),
    Column(key="stage", label="Stage"),
    Column(key="severity", label="Severity"),
    Column(key="owner", label="Owner"),
    Column(key="owner_id", label="Owner id"),
    Column(key="team", label="Team"),
    Column(key="escalated", label="Escalated"),
    Column(key="acknowledged_at", label="Acknowledged", kind="datetime"),
    Column(key="decided_at", label="Decided", kind="datetime"),
    Column(key="closed_at", label="Closed", kind="datetime"),
    Column(key="outcome", label="Outcome"),
    Column(key="root_cause", label="Root cause"),
    Column(key="reopen_count", label="Reopened", kind="int"),
    Column(key="satisfaction", label="Satisfaction"),
    Column(key="findings_pass", label="Checks passed", kind="int"),
    Column(key="findings_flagged", label="Findings flagged", kind="int"),
    Column(key="findings_summary", label="Findings"),
    # The stored values (Zendesk dropdown tags) beside the names above: what the helpdesk's own
    # search and exports use, so a spreadsheet can be reconciled with it.
    Column(key="product_tag", label="Product/service tag"),
    Column(key="category_tag", label="Category tag"),
    Column(key="subcategory_tag", label="Sub-category tag"),
    Column(key="root_cause_tag", label="Root cause tag"),
)


def findings_summary(findings: tuple[AnyFinding, ...], tz: str = "UTC") -> str:
    """``FAIL: Acknowledged in time, Kept informed; AT_RISK: Decided in time``, or when nothing
    is flagged: ``on track: nothing due yet, next due ...`` (a clock still runs), ``all clear``
    (every check finished) or ``not checked``; the checks by their short titles."""
    return _findings_columns(findings, tz)[2]


#: The row's values in ``REGISTER_COLUMNS`` order (also ``RegisterRow``'s field order).
RowValues = tuple[object, ...]
KEYS: tuple[str, ...] = tuple(c.key for c in REGISTER_COLUMNS)


def on_track(next_due: datetime | None, tz: str) -> str:
    """A complaint whose clocks still run and nothing is flagged: not (yet) compliant, so not
    "all clear"; the ticket's due-state label says ``on-track`` for the same state."""
    local = maybe_local(next_due, tz)
    return "on track: nothing due yet" + (f", next due {local:%Y-%m-%d %H:%M %Z}" if local else "")


def _findings_columns(findings: tuple[AnyFinding, ...], tz: str = "UTC") -> tuple[int, int, str]:
    """(checks passed, findings flagged, ``findings_summary``) in one loop over the findings."""
    passed = 0
    flagged: dict[str, list[str]] = {}
    running = False
    next_due: datetime | None = None
    for f in findings:
        status = f.status
        if status == "PASS":
            passed += 1
        elif status in _FLAGGED:
            flagged.setdefault(status, []).append(REGISTRY.label(f.check))
        elif status == "PENDING":
            running = True
            due = f.due_at
            if due is not None and (next_due is None or due < next_due):
                next_due = due
    if not flagged:
        if running:
            return passed, 0, on_track(next_due, tz)
        return passed, 0, "all clear" if findings else "not checked"
    parts = [f"{s.value}: {', '.join(sorted(flagged[s]))}" for s in _FLAGGED if s in flagged]
    return passed, sum(len(checks) for checks in flagged.values()), "; ".join(parts)


def register_values(record: ComplaintRecord, findings: tuple[AnyFinding, ...], tz: str) -> RowValues:
    passed, flagged, summary = _findings_columns(findings, tz)
    return (
        record.id,
        record.url,
        record.platform,
        maybe_local(record.received_at, tz) or record.received_at,
        record.channel,
        record.complainant.name or record.complainant.id,
        record.complainant.contact,
        record.representative,
        record.named(record.product),
        record.named(record.category),
        record.named(record.subcategory),
        trim(record.summary, 200),
        trim(record.remedy_sought, 200),
        record.in_scope and not record.deleted,
        record.scope_reason or ("deleted at the source" if record.deleted else None),
        record.status,
        record.stage.value,
        record.severity.value if record.severity else None,
        record.assignee_name or record.assignee,
        record.assignee,
        record.team or record.group,
        record.escalated is not None or record.escalation_level > 0,
        maybe_local(record.acknowledged.at if record.acknowledged else None, tz),
        maybe_local(record.decided.at if record.decided else None, tz),
        maybe_local(record.closed.at if record.closed else None, tz),
        record.outcome.value if record.outcome else None,
        record.named(record.root_cause),
        record.reopen_count,
        record.satisfaction,
        passed,
        flagged,
        summary,
        record.product,
        record.category,
        record.subcategory,
        record.root_cause,
    )


def row_model(values: RowValues) -> RegisterRow:
    """The row as a model, built from validated records: constructed without validating again
    (``model_construct`` is typed per field; the values come in ``KEYS`` order)."""
    fields: dict[str, Any] = dict(zip(KEYS, values, strict=True))
    return RegisterRow.model_construct(**fields)


class TupleRows(Sequence[Mapping[str, object]]):
    """Rows kept as tuples, shown to the table writers as mappings one at a time."""

    def __init__(self, rows: Sequence[RowValues]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def tuples(self) -> Sequence[RowValues]:
        """The rows as tuples in ``KEYS`` order (the writers' fast path)."""
        return self._rows

    @overload
    def __getitem__(self, index: int) -> Mapping[str, object]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, object]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, object] | Sequence[Mapping[str, object]]:
        if isinstance(index, slice):
            return TupleRows(self._rows[index])
        return dict(zip(KEYS, self._rows[index], strict=True))


#: Positions in ``RowValues`` the page summary reads.
_IN_SCOPE, _STAGE = KEYS.index("in_scope"), KEYS.index("stage")


@dataclass(frozen=True)
class RegisterTables:
    """The register as slim rows (tuples of plain values): what CSV/XLSX write, and what the
    HTML page streams from (``rows`` makes one row model at a time while the page is written,
    so a large register never holds 100,000 models)."""

    TEMPLATE: ClassVar[str] = RegisterView.TEMPLATE

    header: ReportHeader
    values: tuple[RowValues, ...]

    def tables(self) -> tuple[Table, ...]:
        return (Table(name="Register", columns=REGISTER_COLUMNS, rows=TupleRows(self.values)),)

    @property
    def total(self) -> int:
        return len(self.values)

    @property
    def in_scope(self) -> int:
        return sum(1 for v in self.values if v[_IN_SCOPE])

    @property
    def open(self) -> int:
        return sum(1 for v in self.values if v[_IN_SCOPE] and v[_STAGE] not in _FINISHED)

    @property
    def rows(self) -> Iterator[RegisterRow]:
        return (row_model(v) for v in self.values)


class RegisterBuilder:
    """One pass: a slim row (a tuple of plain values) per complaint received in the period,
    out-of-scope ones too."""

    def __init__(self, data: ReportInput) -> None:
        self.data = data
        self.cohort = Cohort(data.period, data.as_of)
        self.tz = data.period.timezone
        self.rows: list[tuple[float, str, RowValues]] = []

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        at = received_ts(record)
        if self.cohort.holds(at):
            values = register_values(record, findings, self.tz)
            self.rows.append((at, record.id, values))

    def _sorted(self) -> tuple[RowValues, ...]:
        """Oldest first (receipt time, then id)."""
        self.rows.sort(key=lambda item: (item[0], item[1]))
        rows = tuple(values for _, _, values in self.rows)
        self.rows = []
        return rows

    def finish_tables(self) -> RegisterTables:
        return RegisterTables(header(self.data, "register", "Complaint register"), self._sorted())

    def finish(self) -> RegisterView:
        rows = tuple(row_model(values) for values in self._sorted())
        return RegisterView(
            header=header(self.data, "register", "Complaint register"),
            total=len(rows),
            in_scope=sum(1 for r in rows if r.in_scope),
            open=sum(1 for r in rows if r.in_scope and r.stage not in _FINISHED),
            rows=rows,
        )


def build_register_view(data: ReportInput) -> RegisterView:
    """Every complaint received in the period (out-of-scope ones too, marked), oldest first."""
    builder = RegisterBuilder(data)
    run_pass(data.current, [builder])
    return builder.finish()


def _register_tables(builder: Builder[object]) -> RegisterTables:
    assert isinstance(builder, RegisterBuilder)  # noqa: S101 - made by KIND.start
    return builder.finish_tables()


KIND = ReportKind(
    name="register",
    title="the complaint register (8.1)",
    start=lambda ctx: RegisterBuilder(ctx.data),
    # Written from the slim rows (the HTML page streams them); only its JSON needs the view-model.
    tables_formats=frozenset({Fmt.csv, Fmt.xlsx, Fmt.html, Fmt.pdf}),
    tables=_register_tables,
)
