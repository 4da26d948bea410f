"""``iso10002 explain``: why a ticket is (or is not) flagged, for a team lead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from compliance_checks import Policy
from compliance_checks.advice import advice
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord, Event, EventKind, EvidenceRef, Stage
from connector.checking import TicketEvaluation
from report_templates.views.evidence import actor_text, evidence_line

_RECORD_FIELDS = (
    "platform",
    "url",
    "received_at",
    "channel",
    "complainant",
    "product",
    "category",
    "subcategory",
    "remedy_sought",
    "in_scope",
    "scope_reason",
    "status",
    "stage",
    "priority",
    "severity",
    "assignee",
    "group",
    "escalated",
    "acknowledged",
    "assessed",
    "last_complainant_update",
    "decided",
    "decision_communicated",
    "outcome",
    "resolution_summary",
    "complainant_response",
    "accepted",
    "recourse_given",
    "closed",
    "closure_reason",
    "reopen_count",
    "root_cause",
    "satisfaction_offered",
    "satisfaction",
)


def _show(value: object, record: ComplaintRecord, policy: Policy) -> str:
    if value is None or value == "":
        return "[dim](empty)[/dim]"
    if isinstance(value, EvidenceRef):
        local = policy.calendar.local(value.at)
        return f"{local:%Y-%m-%d %H:%M %Z} ← {value.ref()} ({value.note or ''})"
    if isinstance(value, datetime):
        return f"{policy.calendar.local(value):%Y-%m-%d %H:%M %Z}"
    if isinstance(value, str) and record.named(value) != value:
        return f"{record.named(value)} ({value})"  # a dropdown option's name, then its tag
    return str(value)


class Explained(Enum):
    """What ``explain_ticket`` could show."""

    SHOWN = "shown"
    UNMAPPED = "unmapped"  # in the input, but mapping failed (the reason was printed)
    ABSENT = "absent"  # not in the input, or not a complaint


#: Terminal width from which the timeline and checks are tables; narrower (an 80-column
#: terminal), each event and each check is a few lines of its own instead of sliver columns.
WIDE = 120


def _detail(event: Event, record: ComplaintRecord) -> str:
    if event.kind is EventKind.LABEL_CHANGE:  # tags as held: an option's tag is not the option
        before, after = event.from_value, event.to_value
    else:
        before, after = record.named(event.from_value), record.named(event.to_value)
    return event.text or (
        f"{event.field_title or event.field}: {before or '∅'} → {after or '∅'}"
        if event.field
        else ""
    )


def _evidence(f: Finding, record: ComplaintRecord, policy: Policy) -> list[str]:
    """Each evidence item as the audit report reads it (what, by whom, when in the policy's
    zone), its source id in parentheses to find it in the helpdesk."""
    lines = (evidence_line(e, record, policy.calendar.tz.key) for e in f.evidence)
    return [f"{line.text} ({line.source})" if line.source else line.text for line in lines]


def _print_narrow(
    console: Console, record: ComplaintRecord, findings: Sequence[Finding], policy: Policy
) -> None:
    """The timeline and checks for a narrow terminal: one block per event and per check."""
    console.rule("Timeline (oldest first)")
    for event in record.timeline:
        public = "" if event.public is None else (" public" if event.public else " internal")
        console.print(f"{policy.calendar.local(event.at):%Y-%m-%d %H:%M}  [bold]{event.kind.value}[/bold] by "
                      f"{escape(actor_text(record, event))}{public}  [dim]{escape(event.ref())}[/dim]",
                      highlight=False)
        detail = _detail(event, record)
        if detail:
            console.print(Padding(Text(detail[:120]), (0, 0, 0, 4)))
    console.rule("Checks")
    for f in findings:
        due = f", due {policy.calendar.local(f.due_at):%Y-%m-%d %H:%M}" if f.due_at else ""
        console.print(f"[bold]{f.check}[/bold] {f.status.value} (clause {', '.join(f.clauses)}{due})",
                      highlight=False)
        lines = [f"why: {f.message}", *(f"evidence: {line}" for line in _evidence(f, record, policy))]
        if f.remediation:
            lines.append(f"what to do: {f.remediation}")
        for line in lines:
            console.print(Padding(Text(line), (0, 0, 0, 4)))


def explain_ticket(
    console: Console,
    results: Iterable[TicketEvaluation],
    ticket: str,
    policy: Policy,
    as_of: datetime,
) -> Explained:
    """Print the record, timeline and findings of ``ticket`` (from the evaluated ``results``,
    files or a stored version alike), or why it could not be mapped."""
    for result in results:
        if result.ticket != ticket or result.skipped:
            continue
        if result.error is not None:
            console.print(
                f"[red]Ticket {ticket} could not be mapped:[/red] {escape(str(result.error))}",
                highlight=False,
            )
            return Explained.UNMAPPED
        record = result.record
        assert record is not None  # noqa: S101 - the core sets it when there is no error or skip
        console.rule(
            f"Complaint {record.id} as of {policy.calendar.local(as_of):%Y-%m-%d %H:%M %Z}"
        )
        fields = Table(show_header=False, box=None)
        for name in _RECORD_FIELDS:
            fields.add_row(f"[bold]{name}[/bold]", _show(getattr(record, name), record, policy))
        if record.paused:
            spans = "; ".join(
                f"{policy.calendar.local(p.start):%Y-%m-%d %H:%M} → "
                f"{policy.calendar.local(p.end):%Y-%m-%d %H:%M}"
                if p.end
                else "now"
                for p in record.paused
            )
            fields.add_row("[bold]paused[/bold]", spans)
        for gap in record.attributes.get("history_gaps", []):
            fields.add_row("[bold yellow]history[/bold yellow]", str(gap))
        console.print(fields)
        if console.width < WIDE:
            _print_narrow(console, record, result.findings, policy)
            return Explained.SHOWN
        timeline = Table(title="Timeline (oldest first)")
        for column in ("When", "Event", "By", "Public", "Detail", "Source"):
            timeline.add_column(column, overflow="fold")
        for event in record.timeline:
            detail = _detail(event, record)
            timeline.add_row(
                f"{policy.calendar.local(event.at):%Y-%m-%d %H:%M}",
                event.kind.value,
                actor_text(record, event),
                "" if event.public is None else ("yes" if event.public else "internal"),
                detail[:120],
                event.ref(),
            )
        console.print(timeline)
        findings = Table(title="Checks")
        for column in ("Check", "Clause", "Status", "Due", "Why", "Evidence", "What to do"):
            findings.add_column(column, overflow="fold")
        closed = record.stage is Stage.CLOSED
        for f in result.findings:
            evidence = Text("\n".join(_evidence(f, record, policy)))  # ticket text: never markup
            findings.add_row(
                f.check,
                ", ".join(f.clauses),
                f.status.value,
                f"{policy.calendar.local(f.due_at):%Y-%m-%d %H:%M %Z}" if f.due_at else "",
                f.message,
                evidence,
                advice(f, closed=closed) or "",
            )
        console.print(findings)
        return Explained.SHOWN
    return Explained.ABSENT
