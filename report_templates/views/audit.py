"""The auditor's compliance report (ISO 10002 8.5), with a content hash over its view-model."""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import ClassVar, Literal

from compliance_checks.advice import advice
from compliance_checks.clauses import clauses
from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Frozen, Stage
from compliance_checks.registry import REGISTRY, Registry
from report_templates.input import AnyFinding, ReportInput, full_findings
from report_templates.kinds import ReportKind
from report_templates.views.common import (
    STATUS_ORDER,
    Cohort,
    Column,
    ReportHeader,
    Table,
    counted,
    header,
    maybe_local,
    run_pass,
)
from report_templates.views.evidence import actor_text, change_text, evidence_lines

EXCEPTION_STATUSES = (Status.FAIL, Status.AT_RISK, Status.WAIVED)


class FileLine(Frozen):
    role: str
    name: str
    sha256: str


class ChainLine(Frozen):
    """One file of the policy's ``extends`` chain: 0 is the file loaded, 1 its parent..."""

    level: int
    name: str
    sha256: str | None


class UnconfirmedFigure(Frozen):
    """A regulatory figure the research could not confirm (shipped marked, never hidden)."""

    key: str
    value: str
    source: str
    note: str | None
    declared_in: str


class CoverageCheck(Frozen):
    check: str
    title: str
    counts: dict[str, int]


class CoverageRow(Frozen):
    clause: str
    title: str
    #: AUTOMATED: at least one check the policy enables; MANUAL: none, human evidence needed.
    coverage: Literal["AUTOMATED", "MANUAL"]
    #: The enabled checks citing the clause (a check the policy does not enable is not listed).
    checks: tuple[CoverageCheck, ...]
    #: Findings per status over those checks; None for MANUAL: nothing counted it.
    counts: dict[str, int] | None
    #: What an auditor should ask for when the coverage is MANUAL.
    evidence: str | None


class ExceptionRow(Frozen):
    ticket: str
    url: str | None
    check: str
    title: str
    status: str
    original_status: str | None
    severity: str
    clauses: str
    due_at: datetime | None
    message: str
    #: What the check looked at, as sentences (who, when, what, by name) ...
    evidence: tuple[str, ...]
    #: ... and, item by item, the source id that identifies it in the helpdesk ("" for none).
    evidence_sources: tuple[str, ...] = ()
    remediation: str | None
    waiver_approver: str | None
    waiver_expires: date | None
    #: The complaint's owner and team (the audit page groups exceptions by them).
    owner: str | None = None
    team: str | None = None


class WaiverRow(Frozen):
    check: str
    ticket: str
    reason: str
    approver: str
    expires: date
    state: Literal["active", "expired"]
    applied: bool


class TimelineRow(Frozen):
    at: datetime
    kind: str
    actor: str
    public: bool | None
    ref: str
    detail: str | None
    #: The changed field's id (the detail names it by title), for tracing.
    field: str | None = None


class SampleFinding(Frozen):
    check: str
    status: str
    message: str


class SampleItem(Frozen):
    ticket: str
    url: str | None
    received_at: datetime
    stage: str
    outcome: str | None
    findings: tuple[SampleFinding, ...]
    timeline: tuple[TimelineRow, ...]


class AuditView(Frozen):
    #: The page template (``report_templates/audit.html.j2``; a user template of that name overrides it).
    TEMPLATE: ClassVar[str] = "audit.html.j2"

    header: ReportHeader
    files: tuple[FileLine, ...]
    calendar: tuple[tuple[str, str], ...]
    holidays_version: str
    notes: tuple[str, ...]
    policy_name: str
    policy_version: str
    regime: str | None
    jurisdiction: str | None
    policy_chain: tuple[ChainLine, ...]
    #: ``policy.unconfirmed``: figures to treat as unverified (in every format of the report).
    unconfirmed: tuple[UnconfirmedFigure, ...]
    complaints_in_period: int
    complaints_in_scope: int
    findings_total: int
    status_totals: dict[str, int]
    coverage: tuple[CoverageRow, ...]
    exceptions: tuple[ExceptionRow, ...]
    waivers: tuple[WaiverRow, ...]
    sample_seed: int
    sample_population: int
    sample: tuple[SampleItem, ...]
    #: sha256 of the canonical JSON of every other field (see ``content_digest``).
    content_hash: str

    def tables(self) -> tuple[Table, ...]:
        """Exceptions first (the CSV export), then the coverage matrix, waivers and the policy's
        unconfirmed figures."""
        # Empty source slots are kept: the n-th id is the n-th evidence sentence's.
        exc_rows = tuple(
            {**r.model_dump(exclude={"evidence", "evidence_sources"}), "evidence": " | ".join(r.evidence),
             "evidence_sources": " | ".join(r.evidence_sources) if any(r.evidence_sources) else ""}
            for r in self.exceptions
        )
        coverage_rows = tuple(
            {
                "clause": r.clause,
                "title": r.title,
                "coverage": r.coverage,
                "checks": ", ".join(c.check for c in r.checks),
                "evidence": r.evidence,
                **(r.counts or dict.fromkeys(STATUS_ORDER)),
            }
            for r in self.coverage
        )
        return (
            Table(name="Exceptions", columns=EXCEPTION_COLUMNS, rows=exc_rows),
            Table(
                name="Clause coverage",
                columns=(
                    Column(key="clause", label="Clause"),
                    Column(key="title", label="Title"),
                    Column(key="coverage", label="Coverage"),
                    Column(key="checks", label="Checks"),
                    Column(key="evidence", label="Evidence to ask for (MANUAL)"),
                    *(Column(key=s, label=s, kind="int") for s in STATUS_ORDER),
                ),
                rows=coverage_rows,
            ),
            Table(name="Waivers", columns=WAIVER_COLUMNS, rows=tuple(w.model_dump() for w in self.waivers)),
            Table(
                name="Unconfirmed figures",
                columns=(
                    Column(key="key", label="Figure"),
                    Column(key="value", label="Value"),
                    Column(key="source", label="Source"),
                    Column(key="note", label="Note"),
                    Column(key="declared_in", label="Declared in"),
                ),
                rows=tuple(u.model_dump() for u in self.unconfirmed),
            ),
        )


EXCEPTION_COLUMNS: tuple[Column, ...] = (
    Column(key="ticket", label="Complaint"),
    Column(key="url", label="Link", kind="url"),
    Column(key="check", label="Check"),
    Column(key="title", label="Title"),
    Column(key="status", label="Status"),
    Column(key="original_status", label="Status before waiver"),
    Column(key="severity", label="Severity"),
    Column(key="clauses", label="Clauses"),
    Column(key="due_at", label="Due", kind="datetime"),
    Column(key="message", label="Message"),
    Column(key="evidence", label="Evidence"),
    Column(key="evidence_sources", label="Evidence source ids"),
    Column(key="remediation", label="Remediation"),
    Column(key="waiver_approver", label="Waiver approver"),
    Column(key="waiver_expires", label="Waiver expires", kind="date"),
    Column(key="owner", label="Owner"),
    Column(key="team", label="Team"),
)
WAIVER_COLUMNS: tuple[Column, ...] = (
    Column(key="check", label="Check"),
    Column(key="ticket", label="Complaint"),
    Column(key="reason", label="Reason"),
    Column(key="approver", label="Approver"),
    Column(key="expires", label="Expires", kind="date"),
    Column(key="state", label="State"),
    Column(key="applied", label="Applied"),
)


def content_digest(payload: dict[str, object]) -> str:
    """sha256 over canonical JSON (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _counts(tallied: Counter[str]) -> dict[str, int]:
    return {s: tallied[s] for s in STATUS_ORDER}


def coverage_matrix(
    by_check: dict[str, Counter[str]], enabled: set[str], registry: Registry
) -> tuple[CoverageRow, ...]:
    """Every clause of the catalogue -> the enabled checks citing it -> counts per status; a
    clause no enabled check covers is MANUAL, with the evidence to ask for."""
    rows = []
    for clause in clauses():
        cited = (s for s in registry if clause.id in s.clauses and s.id in enabled)
        specs = sorted(cited, key=lambda s: s.id)
        checks = tuple(
            CoverageCheck(check=s.id, title=s.title, counts=_counts(by_check.get(s.id, Counter())))
            for s in specs
        )
        total: Counter[str] = Counter()
        for c in checks:
            total.update(by_check.get(c.check, Counter()))
        rows.append(
            CoverageRow(
                clause=clause.id,
                title=clause.title,
                coverage="AUTOMATED" if checks else "MANUAL",
                checks=checks,
                counts=_counts(total) if checks else None,
                evidence=None if checks else clause.evidence,
            )
        )
    return tuple(rows)


def exception_row(f: Finding, tz: str, record: ComplaintRecord | None = None) -> ExceptionRow:
    """One exception; its "remediation" is the advice that can still be followed
    (``compliance_checks.advice``: a breach on a closed complaint asks for the corrective action)."""
    waiver = f.waiver
    lines = evidence_lines(f.evidence, record, tz)
    return ExceptionRow(
        ticket=f.ticket,
        url=f.url,
        check=f.check,
        title=f.title,
        status=f.status.value,
        original_status=waiver.original_status.value if waiver else None,
        severity=f.severity.value,
        clauses=", ".join(f.clauses),
        due_at=maybe_local(f.due_at, tz),
        message=f.message,
        evidence=tuple(line.text for line in lines),
        evidence_sources=tuple(line.source for line in lines),
        remediation=advice(f, closed=record is not None and record.stage is Stage.CLOSED),
        waiver_approver=waiver.approver if waiver else None,
        waiver_expires=waiver.expires if waiver else None,
        owner=(record.assignee_name or record.assignee) if record else None,
        team=(record.team or record.group) if record else None,
    )


def _whole(f: AnyFinding) -> Finding:
    if not isinstance(f, Finding):
        raise TypeError(f"{f.check} on {f.ticket}: a {f.status} finding came without its details")
    return f


def sample_item(record: ComplaintRecord, findings: tuple[Finding, ...], tz: str) -> SampleItem:
    return SampleItem(
        ticket=record.id,
        url=record.url,
        received_at=maybe_local(record.received_at, tz) or record.received_at,
        stage=record.stage.value,
        outcome=record.outcome.value if record.outcome else None,
        findings=tuple(
            SampleFinding(check=f.check, status=f.status.value, message=f.message)
            for f in sorted(findings, key=lambda f: f.check)
        ),
        timeline=tuple(
            TimelineRow(
                at=maybe_local(e.at, tz) or e.at,
                kind=e.kind.value,
                actor=actor_text(record, e),
                public=e.public,
                ref=e.ref(),
                detail=change_text(record, e),
                field=e.field,
            )
            for e in record.timeline
        ),
    )


def sample_key(seed: int, ticket: str) -> bytes:
    """A complaint's place in the draw: ``sha256("<seed>:<ticket id>")``."""
    return hashlib.sha256(f"{seed}:{ticket}".encode()).digest()


class SampleDraw:
    """A reproducible sample drawn while streaming: the ``size`` complaints whose
    ``sha256("<seed>:<id>")`` is smallest. It depends only on the seed and the set of ids (not
    on the order a source yields them), and anyone can recompute it with ``sha256sum``."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.population = 0
        #: Max-heap by key (negated big-endian integer) of the ``size`` smallest keys so far.
        self._heap: list[tuple[int, str]] = []

    def add(self, ticket: str) -> None:
        self.population += 1
        if self.size <= 0:
            return
        key = -int.from_bytes(sample_key(self.seed, ticket), "big")
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (key, ticket))
        elif key > self._heap[0][0]:
            heapq.heapreplace(self._heap, (key, ticket))

    def chosen(self) -> list[str]:
        """The sampled ids, sorted."""
        return sorted(ticket for _, ticket in self._heap)


def draw_sample(population: Iterable[str], seed: int, size: int) -> list[str]:
    """The sample ``SampleDraw`` takes from ``population`` (ids), sorted."""
    draw = SampleDraw(seed, size)
    for ticket in population:
        draw.add(ticket)
    return draw.chosen()


def _calendar(data: ReportInput) -> tuple[tuple[str, str], ...]:
    cal = data.policy.spec.calendar
    hol = "none"
    if cal.holidays:
        hol = "-".join(p for p in (cal.holidays.country, cal.holidays.subdivision) if p)
    return (
        ("Timezone", cal.timezone),
        *((day, span or "closed") for day, span in cal.working_hours.items()),
        ("Public holidays", hol),
        ("Extra holidays", ", ".join(d.isoformat() for d in sorted(cal.extra_holidays)) or "none"),
        ("AT_RISK warning window", str(data.policy.spec.warning_window)),
    )


def _files(data: ReportInput) -> tuple[FileLine, ...]:
    prov = data.provenance
    return (
        FileLine(role="policy", name=prov.policy.name, sha256=prov.policy.sha256),
        *(FileLine(role="mapping", name=m.name, sha256=m.sha256) for m in prov.mappings),
        FileLine(role="waivers", name=prov.waivers.name, sha256=prov.waivers.sha256),
        *(FileLine(role="input", name=i.name, sha256=i.sha256) for i in prov.inputs),
    )


def _file_name(source: str) -> str:
    """A file's name without its machine-specific directory."""
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def policy_chain(data: ReportInput) -> tuple[ChainLine, ...]:
    hashes = {ref.name: ref.sha256 for ref in data.provenance.policy_chain}
    names = [_file_name(s) for s in data.policy.chain] or [data.provenance.policy.name]
    return tuple(ChainLine(level=i, name=name, sha256=hashes.get(name)) for i, name in enumerate(names))


def unconfirmed_figures(data: ReportInput) -> tuple[UnconfirmedFigure, ...]:
    return tuple(
        UnconfirmedFigure(
            key=f.key, value=f.value, source=f.source, note=f.note, declared_in=_file_name(f.declared_in)
        )
        for f in sorted(data.policy.unconfirmed, key=lambda f: f.key)
    )


class AuditBuilder:
    """One pass: counts per check and status, the exceptions (FAIL/AT_RISK/WAIVED findings
    only), the waivers used and the sample draw; the sampled complaints are re-read in full."""

    def __init__(self, data: ReportInput, registry: Registry = REGISTRY) -> None:
        self.data = data
        self.registry = registry
        self.tz = data.period.timezone
        self.cohort = Cohort(data.period, data.as_of)
        self.received = 0
        self.members = 0
        #: Findings by (check, status), one count a finding (``by_check`` groups them).
        self.tally: Counter[tuple[str, str]] = Counter()
        self.exceptions: list[ExceptionRow] = []
        self.used: set[tuple[str, str]] = set()
        self.draw = SampleDraw(data.options.sample_seed, data.options.sample_size)

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        if record not in self.cohort:
            return
        self.received += 1
        if not counted(record):
            return
        self.members += 1
        self.draw.add(record.id)
        tally = self.tally
        for f in findings:
            status = f.status
            tally[f.check, status] += 1  # a StrEnum member counts under its str value
            if status in EXCEPTION_STATUSES:
                # a source yields these statuses whole (``FULL_STATUSES``)
                self.exceptions.append(exception_row(_whole(f), self.tz, record))
            if f.waiver is not None:
                self.used.add((f.check, f.ticket))

    @property
    def by_check(self) -> dict[str, Counter[str]]:
        """Findings by check and status."""
        out: dict[str, Counter[str]] = {}
        for (check, status), n in self.tally.items():
            out.setdefault(check, Counter())[status] = n
        return out

    def _sample(self) -> tuple[SampleItem, ...]:
        chosen = self.draw.chosen()
        found = {
            record.id: sample_item(record, full_findings(findings), self.tz)
            for record, findings in self.data.current.lookup(chosen)
            if record.id in chosen
        }
        return tuple(found[i] for i in chosen if i in found)

    def _waivers(self) -> tuple[WaiverRow, ...]:
        as_of_day = self.data.as_of.date()
        return tuple(
            WaiverRow(
                check=w.check,
                ticket=w.ticket,
                reason=w.reason,
                approver=w.approver,
                expires=w.expires,
                state="expired" if w.expires < as_of_day else "active",
                applied=(w.check, w.ticket) in self.used,
            )
            for w in sorted(self.data.waivers, key=lambda w: (w.expires, w.ticket, w.check))
        )

    def finish(self) -> AuditView:
        data = self.data
        prov = data.provenance
        self.exceptions.sort(
            key=lambda r: (r.status, r.due_at.isoformat() if r.due_at else "", r.ticket, r.check)
        )
        by_check = self.by_check
        totals: Counter[str] = Counter()
        for tallied in by_check.values():
            totals.update(tallied)
        fields: dict[str, object] = {
            "header": header(data, "audit", "ISO 10002 compliance audit report"),
            "files": _files(data),
            "calendar": _calendar(data),
            "holidays_version": prov.holidays_version,
            "notes": prov.notes,
            "policy_name": data.policy.spec.name,
            "policy_version": str(data.policy.spec.version),
            "regime": data.policy.spec.regime,
            "jurisdiction": data.policy.spec.jurisdiction,
            "policy_chain": policy_chain(data),
            "unconfirmed": unconfirmed_figures(data),
            "complaints_in_period": self.received,
            "complaints_in_scope": self.members,
            "findings_total": sum(totals.values()),
            "status_totals": _counts(totals),
            "coverage": coverage_matrix(by_check, {c.id for c in data.policy.checks}, self.registry),
            "exceptions": tuple(self.exceptions),
            "waivers": self._waivers(),
            "sample_seed": self.draw.seed,
            "sample_population": self.draw.population,
            "sample": self._sample(),
        }
        draft = AuditView.model_validate({**fields, "content_hash": ""})
        digest = content_digest(draft.model_dump(mode="json", exclude={"content_hash"}))
        return draft.model_copy(update={"content_hash": digest})


def build_audit_view(data: ReportInput, *, registry: Registry = REGISTRY) -> AuditView:
    builder = AuditBuilder(data, registry)
    run_pass(data.current, [builder])
    return builder.finish()


KIND = ReportKind(name="audit", title="the audit report (8.5)", start=lambda ctx: AuditBuilder(ctx.data))
