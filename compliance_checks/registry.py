"""The check registry and the result a check returns.

A check is a pure function ``(record, params, ctx) -> CheckResult`` plus metadata (id, title,
ISO clauses, severity, parameter model, remediation). Checks never read the clock (``ctx.now``
is injected), never do I/O and never set ``WAIVED`` or ``ERROR`` (the runner does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from compliance_checks.calendar import BusinessCalendar, Duration
from compliance_checks.findings import Evidence, Scalar, Status
from compliance_checks.model import ComplaintRecord, EvidenceRef, Severity

P = TypeVar("P", bound=BaseModel)

#: Statuses a check may return.
CHECK_STATUSES = frozenset(Status) - {Status.WAIVED, Status.ERROR}


class CheckParams(BaseModel):
    """Base for check parameter models: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the record."""

    now: datetime
    calendar: BusinessCalendar
    #: AT_RISK when a running clock is due within this window.
    warning_window: Duration
    run_id: str = "offline"


@dataclass(frozen=True)
class CheckResult:
    status: Status
    message: str
    due_at: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    facts: dict[str, Scalar] = field(default_factory=dict)
    fields_read: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in CHECK_STATUSES:
            raise ValueError(f"a check may not return {self.status}; only the runner sets it")


CheckFn = Callable[[ComplaintRecord, Any, CheckContext], CheckResult]


@dataclass(frozen=True)
class Example:
    """A worked example of a check, as plain data: ``record`` (fields over ``EXAMPLE_RECORD``,
    in their JSON form) evaluated at ``now`` with ``params`` (over the check's defaults) on the
    baseline policy's calendar gives ``expect``. ``compliance_checks.catalogue`` runs them; a
    test holds every check to its examples."""

    name: str
    expect: Status
    record: Mapping[str, Any] = field(default_factory=dict, hash=False)
    now: str = "2026-03-02T12:00:00+00:00"
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


#: The complaint every example starts from: complete, open, medium severity, received on
#: Monday 2026-03-02 10:00 (London is on GMT then).
EXAMPLE_RECORD: Mapping[str, Any] = {
    "id": "CS-1",
    "platform": "jira",
    "received_at": "2026-03-02T10:00:00+00:00",
    "channel": "email",
    "complainant": {"id": "cust-1", "name": "Ada Customer", "contact": "ada@example.com"},
    "summary": "Charged twice",
    "description": "I was charged twice for my March invoice.",
    "product": "Broadband",
    "category": "Billing",
    "remedy_sought": "Refund the duplicate charge",
    "severity": "medium",
    "stage": "investigating",
    "status": "In Progress",
}


def example_ref(source: str, at: str, note: str | None = None) -> dict[str, Any]:
    """``example_ref("comment:10023", "2026-03-03T09:15:00+00:00")``: an evidence reference in
    its JSON form, for an ``Example`` record."""
    kind, _, source_id = source.partition(":")
    ref: dict[str, Any] = {"at": at, "source_kind": kind, "source_id": source_id}
    return ref if note is None else {**ref, "note": note}


@dataclass(frozen=True)
class CheckSpec(Generic[P]):
    id: str
    title: str
    clauses: tuple[str, ...]
    severity: Severity
    params: type[P]
    remediation: str
    description: str
    fn: Callable[[ComplaintRecord, P, CheckContext], CheckResult]
    examples: tuple[Example, ...] = ()
    #: A few words for where space is tight (report columns, chart labels); the title otherwise.
    short_title: str = ""

    @property
    def label(self) -> str:
        """The short title, or the title for a check that has none."""
        return self.short_title or self.title


class Registry:
    """Checks by id. Registering an id twice is an error, never silently ignored."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckSpec[Any]] = {}

    def register(self, spec: CheckSpec[Any]) -> None:
        if spec.id in self._checks:
            raise ValueError(f"check id {spec.id!r} is registered twice")
        self._checks[spec.id] = spec

    def get(self, check_id: str) -> CheckSpec[Any]:
        try:
            return self._checks[check_id]
        except KeyError:
            raise KeyError(f"unknown check {check_id!r}") from None

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __iter__(self) -> Iterator[CheckSpec[Any]]:
        return iter(self._checks.values())

    def ids(self) -> list[str]:
        return list(self._checks)

    def label(self, check_id: str) -> str:
        """``acknowledged-in-time`` -> ``Acknowledged in time``: the check's short title (its
        id for a check this registry does not know, e.g. one from a stored run of a removed check)."""
        spec = self._checks.get(check_id)
        return spec.label if spec else check_id


REGISTRY = Registry()


def check(
    *,
    id: str,
    title: str,
    clauses: tuple[str, ...],
    severity: Severity,
    params: type[P],
    remediation: str,
    examples: tuple[Example, ...] = (),
    short_title: str = "",
    registry: Registry = REGISTRY,
) -> Callable[
    [Callable[[ComplaintRecord, P, CheckContext], CheckResult]],
    Callable[[ComplaintRecord, P, CheckContext], CheckResult],
]:
    """Register a check function with its metadata (its docstring is the description) and its
    worked ``examples`` (each shipped check has at least one PASS and one FAIL)."""

    def decorate(
        fn: Callable[[ComplaintRecord, P, CheckContext], CheckResult],
    ) -> Callable[[ComplaintRecord, P, CheckContext], CheckResult]:
        registry.register(
            CheckSpec(
                id=id,
                title=title,
                clauses=clauses,
                severity=severity,
                params=params,
                remediation=remediation,
                description=(fn.__doc__ or title).strip().splitlines()[0],
                fn=fn,
                examples=examples,
                short_title=short_title,
            )
        )
        return fn

    return decorate


# -- helpers shared by checks -------------------------------------------------------------


def event_evidence(ref: EvidenceRef, note: str | None = None) -> Evidence:
    return Evidence(kind="event", ref=ref.ref(), at=ref.at, note=note or ref.note or "event",
                    actor_id=ref.actor_id)


def field_evidence(name: str, value: object) -> Evidence:
    shown = "(empty)" if value in (None, "", ()) else str(value)
    note = f"{name} = {shown[:200]}"
    return Evidence(kind="field", ref=f"field:{name}", at=None, note=note)


def absent(note: str) -> Evidence:
    return Evidence(kind="absent", note=note)


def visibility_unknown(record: ComplaintRecord, since: datetime, until: datetime) -> tuple[Evidence, ...]:
    """Agent comments in ``[since, until]`` that were not counted because nobody could tell
    whether the complainant saw them (a reviewer can check them by hand)."""
    return tuple(
        Evidence(
            kind="event",
            ref=e.ref(),
            at=e.at,
            note="visibility unknown: agent comment not counted as a public reply",
        )
        for e in record.unknown_visibility_agent_comments()
        if since <= e.at <= until
    )


def clock(
    *,
    what: str,
    started: datetime,
    due_at: datetime,
    done: EvidenceRef | None,
    ctx: CheckContext,
    fields_read: tuple[str, ...],
    evidence: tuple[Evidence, ...] = (),
    facts: dict[str, Scalar] | None = None,
) -> CheckResult:
    """The common "X must happen by due_at" evaluation.

    PASS when done in time; FAIL when done late or not done and overdue; otherwise AT_RISK
    inside the warning window and PENDING before it.
    """
    facts = dict(facts or {})
    facts["started_at"] = started.isoformat()
    if done is not None and done.at <= ctx.now:
        facts["done_at"] = done.at.isoformat()
        proof = (*evidence, event_evidence(done))
        if done.at <= due_at:
            return CheckResult(Status.PASS, f"{what} on time", due_at, proof, facts, fields_read)
        late = ctx.calendar.local(done.at) - ctx.calendar.local(due_at)
        facts["late_by_hours"] = round(late.total_seconds() / 3600, 2)
        return CheckResult(
            Status.FAIL,
            f"{what} late: done {_fmt(done.at, ctx)}, due {_fmt(due_at, ctx)}",
            due_at,
            proof,
            facts,
            fields_read,
        )
    missing = (*evidence, absent(f"no {what.lower()} on the timeline"))
    if ctx.now > due_at:
        return CheckResult(
            Status.FAIL,
            f"{what} overdue since {_fmt(due_at, ctx)}",
            due_at,
            missing,
            facts,
            fields_read,
        )
    status = open_status(due_at, ctx)
    return CheckResult(status, f"{what} due {_fmt(due_at, ctx)}", due_at, missing, facts, fields_read)


def open_status(due_at: datetime, ctx: CheckContext) -> Status:
    """Something still to be done by ``due_at``: FAIL once overdue, AT_RISK inside the
    policy's warning window, PENDING before it."""
    if ctx.now > due_at:
        return Status.FAIL
    if ctx.calendar.due(ctx.now, ctx.warning_window) >= due_at:
        return Status.AT_RISK
    return Status.PENDING


def _fmt(moment: datetime, ctx: CheckContext) -> str:
    return ctx.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")
