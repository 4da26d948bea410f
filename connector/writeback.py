"""The write-back planner: findings + the ticket's current state -> the smallest plan.

Pure and platform-neutral (Zendesk and Jira appliers share it). It only ever touches labels/tags
in our namespace (``iso10002`` prefix): one aggregate ``iso10002-noncompliant`` label plus one
per failing or at-risk check. The internal note is (re)written only when the *content* of the
actionable findings changed, which ``findings_hash`` captures. Planning again after a plan was
applied yields an empty plan (convergence; see tests/test_writeback_planner.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Literal

from pydantic import Field

from compliance_checks.advice import is_historic
from compliance_checks.findings import Finding, Status, findings_hash
from compliance_checks.model import Frozen

NAMESPACE = "iso10002"
AGGREGATE_LABEL = f"{NAMESPACE}-noncompliant"
#: Zendesk keeps the hash of the findings our last note reflects in a tag with this prefix.
MARKER_PREFIX = f"{NAMESPACE}-h-"
#: Statuses written back: what a team lead must act on. ERROR is the tool's problem, and
#: PENDING/PASS/WAIVED need nothing, so none of those is flagged on the ticket.
FLAGGED = (Status.FAIL, Status.AT_RISK)
#: The hash a ticket's note reflects once every finding is fixed ("resolved" note written).
RESOLVED_HASH = findings_hash(())
#: Statuses whose clock is still open: the next-due date is the earliest of their ``due_at``.
OPEN = (Status.FAIL, Status.AT_RISK, Status.PENDING)
#: The compact next-due state is one tag/label with this prefix (a view or JQL filters on it).
DUE_STATE_PREFIX = f"{NAMESPACE}-due-"
DueState = Literal["overdue", "at-risk", "on-track", "compliant"]


class TicketWriteState(Frozen):
    """What the ticket looks like now, as far as write-back is concerned."""

    ticket: str
    platform: str
    labels: tuple[str, ...] = ()
    #: Hash of the findings our current note reflects (Zendesk: marker tag; Jira: property).
    note_hash: str | None = None
    #: Jira: id of our one internal comment, updated in place.
    note_id: str | None = None
    #: Zendesk ``updated_at`` for ``safe_update``; Jira: ``updated``.
    updated_stamp: str | None = None
    #: The next-due date field's current value (``YYYY-MM-DD``), when one is configured.
    due_value: str | None = None


class NoteAction(Frozen):
    """Write the internal note: ``create`` a first one, ``update`` ours, or say ``resolved``."""

    action: Literal["create", "update", "resolve"]
    findings: tuple[Finding, ...] = ()
    note_id: str | None = None


class WritebackPlan(Frozen):
    ticket: str
    platform: str
    findings_hash: str
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    note: NoteAction | None = None
    updated_stamp: str | None = None
    #: Machine-readable findings (Jira issue property ``iso10002.findings``).
    findings_summary: dict[str, object] = Field(default_factory=dict)
    #: True when the next-due date field must be written (to ``due_value``; None clears it).
    set_due: bool = False
    due_value: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.add_labels or self.remove_labels or self.note or self.set_due)


def flagged(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings written back, sorted by check id for stable notes."""
    return tuple(sorted((f for f in findings if f.status in FLAGGED), key=lambda f: f.check))


def check_label(check_id: str) -> str:
    return f"{NAMESPACE}-{check_id}"


def marker_label(hash_: str) -> str:
    return f"{MARKER_PREFIX}{hash_}"


def is_ours(label: str) -> bool:
    return label == NAMESPACE or label.startswith(f"{NAMESPACE}-")


def note_hash_from_labels(labels: Iterable[str]) -> str | None:
    """Zendesk: the hash carried by our marker tag, if any."""
    for label in labels:
        if label.startswith(MARKER_PREFIX):
            return label[len(MARKER_PREFIX) :]
    return None


def desired_labels(findings: Sequence[Finding]) -> set[str]:
    to_flag = flagged(findings)
    if not to_flag:
        return set()
    return {AGGREGATE_LABEL} | {check_label(f.check) for f in to_flag}


def actionable(findings: Iterable[Finding]) -> list[Finding]:
    """The open findings someone can still act on: a step done late is a historic breach (it
    keeps its label and note), not work in the queue."""
    return [f for f in findings if f.status in OPEN and not is_historic(f, closed=False)]


def next_due(findings: Iterable[Finding]) -> datetime | None:
    """The earliest due time among the findings whose clock is still open."""
    return min((f.due_at for f in actionable(findings) if f.due_at), default=None)


def due_date_value(due: datetime | None, zone: tzinfo) -> str | None:
    """What a date field holds: the policy-zone calendar date of ``due`` (``YYYY-MM-DD``).

    A date field has no time of day; the state tag says whether that day is already missed.
    """
    return None if due is None else due.astimezone(zone).date().isoformat()


def due_state(findings: Sequence[Finding], *, said_before: bool) -> DueState | None:
    """overdue (a check failed and can still be acted on) > at-risk > on-track (a clock runs) >
    compliant.

    ``compliant`` is only written where we flagged or tracked the ticket before, so tickets we
    never touched get no write.
    """
    statuses = {f.status for f in actionable(findings)}
    if Status.FAIL in statuses:
        return "overdue"
    if Status.AT_RISK in statuses:
        return "at-risk"
    if Status.PENDING in statuses:
        return "on-track"
    return "compliant" if said_before else None


def due_state_label(state: DueState) -> str:
    return f"{DUE_STATE_PREFIX}{state}"


def summary_document(ticket: str, findings: Sequence[Finding], hash_: str) -> dict[str, object]:
    """The machine-readable findings kept on the ticket (small: Jira caps a property at 32 KB)."""
    return {
        "v": 1,
        "hash": hash_,
        "flagged": [
            {
                "check": f.check,
                "status": f.status.value,
                "clauses": list(f.clauses),
                "due_at": f.due_at.isoformat() if f.due_at else None,
            }
            for f in flagged(findings)
        ],
        "ticket": ticket,
    }


def plan_writeback(
    findings: Sequence[Finding],
    state: TicketWriteState,
    *,
    marker_tags: bool,
    due_zone: tzinfo | None = None,
) -> WritebackPlan:
    """Plan the writes that bring ``state`` in line with ``findings``.

    ``marker_tags``: keep the note hash in a tag (Zendesk, where comments are immutable and the
    tag comes back with every export row); otherwise the caller keeps it in a property (Jira).
    ``due_zone``: the policy zone when a next-due date field is configured (None: no next-due
    write-back); the date field and the state tag go in the same update as the labels.
    """
    to_flag = flagged(findings)
    hash_ = findings_hash(to_flag)
    current_ours = {label for label in state.labels if is_ours(label)}
    wanted = desired_labels(findings)

    note: NoteAction | None = None
    note_hash = state.note_hash
    if note_hash is None and marker_tags:
        note_hash = note_hash_from_labels(state.labels)
    if note_hash != hash_:
        if to_flag:
            action: Literal["create", "update", "resolve"] = "update" if state.note_id else "create"
            note = NoteAction(action=action, findings=to_flag, note_id=state.note_id)
        elif note_hash is not None:
            # We said something before and everything is fixed now: say so, once.
            note = NoteAction(action="resolve", note_id=state.note_id)
    if marker_tags and (note is not None or note_hash is not None):
        wanted.add(marker_label(hash_ if note is not None else note_hash or hash_))
    set_due, due_value = False, None
    if due_zone is not None:
        said_before = note_hash is not None or any(
            label.startswith(DUE_STATE_PREFIX) for label in current_ours
        )
        compact = due_state(findings, said_before=said_before)
        if compact is not None:
            wanted.add(due_state_label(compact))
        due_value = due_date_value(next_due(findings), due_zone)
        set_due = due_value != state.due_value

    return WritebackPlan(
        ticket=state.ticket,
        platform=state.platform,
        findings_hash=hash_,
        add_labels=tuple(sorted(wanted - current_ours)),
        remove_labels=tuple(sorted(current_ours - wanted)),
        note=note,
        updated_stamp=state.updated_stamp,
        findings_summary=summary_document(state.ticket, findings, hash_),
        set_due=set_due,
        due_value=due_value,
    )
