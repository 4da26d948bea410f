"""Apply write-back plans to Zendesk without ever duplicating a note.

A note and the marker tag carrying its findings hash go out in *one* ``PUT /tickets/{id}``
with ``safe_update`` + ``updated_stamp``, so "was this note written?" is answered by the tags.
A 409 or an unknown outcome (5xx, dropped connection) is never blindly retried: the ticket is
re-read and re-planned, and an empty plan means the write landed (ours or someone's). Tag-only
changes go through ``update_many`` jobs (100 tickets each), which are safe to repeat.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, Literal

from compliance_checks.findings import Finding
from connector.platforms.zendesk.http import (
    Conflict,
    TransientError,
    UnknownOutcome,
    ZendeskClient,
    ZendeskHTTPError,
)
from connector.platforms.zendesk.note import note_html
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.ticket_ids import url_segment
from connector.writeback import TicketWriteState, WritebackPlan, plan_writeback

log = logging.getLogger(__name__)

PLATFORM = "zendesk"
#: Zendesk caps ``ids`` at 100 for show_many and update_many.
BATCH = 100
_JOB_DONE = {"completed", "failed", "killed"}

Outcome = Literal["written", "unchanged", "skipped", "failed"]


@dataclass
class TicketWriteResult:
    """What writing back did to one ticket."""

    ticket: str
    outcome: Outcome
    note: str | None = None  # create / update / resolve, when a note was written
    added_tags: list[str] = field(default_factory=list)
    removed_tags: list[str] = field(default_factory=list)
    attempts: int = 0
    error: str | None = None


#: One group of identical changes for an ``update_many`` job: tags to add, to remove, and the
#: next-due field write (``()`` leaves the field alone, ``(date,)`` sets it, ``(None,)`` clears).
GroupKey = tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]


def ticket_state(ticket: Mapping[str, Any], due_field_id: int | None = None) -> TicketWriteState:
    """The write-back view of a raw Zendesk ticket (tags, ``updated_at``, the next-due field)."""
    return TicketWriteState(
        ticket=str(ticket["id"]),
        platform=PLATFORM,
        labels=tuple(str(t) for t in ticket.get("tags") or ()),
        updated_stamp=ticket.get("updated_at"),
        due_value=_field_value(ticket, due_field_id),
    )


def _field_value(ticket: Mapping[str, Any], field_id: int | None) -> str | None:
    """A custom field's value from ``custom_fields: [{id, value}]`` (Tickets API, JSON format)."""
    if field_id is None:
        return None
    for entry in ticket.get("custom_fields") or ():
        if isinstance(entry, Mapping) and entry.get("id") == field_id:
            value = entry.get("value")
            return str(value) if value not in (None, "") else None
    return None


def due_fields(plan: WritebackPlan, field_id: int | None) -> list[dict[str, Any]]:
    """``custom_fields`` entries for the plan's next-due write (none when it does not change)."""
    if field_id is None or not plan.set_due:
        return []
    return [{"id": field_id, "value": plan.due_value}]


def full_tag_list(state: TicketWriteState, plan: WritebackPlan) -> list[str]:
    """Existing tags minus our stale ones plus ours: ``tags`` on PUT ticket replaces all."""
    removed = set(plan.remove_labels)
    kept = [t for t in state.labels if t not in removed]
    return kept + [t for t in plan.add_labels if t not in kept]


def note_update_body(
    state: TicketWriteState, plan: WritebackPlan, html: str, due_field_id: int | None = None
) -> dict[str, Any]:
    """The exact ``PUT /api/v2/tickets/{id}`` body for a plan with a note."""
    ticket: dict[str, Any] = {
        "tags": full_tag_list(state, plan),
        "comment": {"html_body": html, "public": False},
    }
    if fields := due_fields(plan, due_field_id):
        ticket["custom_fields"] = fields
    if state.updated_stamp:
        ticket["safe_update"] = True
        ticket["updated_stamp"] = state.updated_stamp
    return {"ticket": ticket}


def tags_update_body(
    add: Sequence[str],
    remove: Sequence[str],
    due: tuple[str | None, ...] = (),
    due_field_id: int | None = None,
) -> dict[str, Any]:
    """The ``update_many`` body for one group of identical tag (and next-due field) changes.

    The bulk form sets the same ``custom_fields`` on every id (Tickets API, "Update Many
    Tickets"), so tickets are grouped by the date too: one job per date, not one call per ticket.
    """
    ticket: dict[str, Any] = {}
    if add:
        ticket["additional_tags"] = list(add)
    if remove:
        ticket["remove_tags"] = list(remove)
    if due and due_field_id is not None:
        ticket["custom_fields"] = [{"id": due_field_id, "value": due[0]}]
    return {"ticket": ticket}


def group_key(plan: WritebackPlan) -> GroupKey:
    return (plan.add_labels, plan.remove_labels, (plan.due_value,) if plan.set_due else ())


def chunks(items: Sequence[str], size: int = BATCH) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ZendeskWriter:
    """Reads ticket state, plans per ticket, applies notes singly and tags in bulk."""

    def __init__(
        self,
        client: ZendeskClient,
        source: ZendeskSourceConfig,
        *,
        render: Callable[..., str] = note_html,
        zone: tzinfo | None = None,
    ) -> None:
        self.client = client
        self.source = source
        self.render = render
        self.due_field_id = source.next_due.field_id if source.next_due else None
        #: The policy zone whose calendar date the next-due field holds.
        self.due_zone = (zone or UTC) if source.next_due else None
        #: Tickets found ``closed`` by ``read_states``: Zendesk refuses every update to them
        #: (422), so they are skipped instead of failing on every run.
        self.closed: set[str] = set()

    # -- reading ------------------------------------------------------------------------
    def read_states(self, ticket_ids: Sequence[str]) -> dict[str, TicketWriteState]:
        """Current tags and stamps, 100 tickets per call; missing tickets are left out."""
        states: dict[str, TicketWriteState] = {}
        for batch in chunks(sorted(set(ticket_ids), key=_id_order)):
            body = self.client.get("/api/v2/tickets/show_many.json", {"ids": ",".join(batch)})
            for ticket in body.get("tickets") or []:
                states[str(ticket["id"])] = ticket_state(ticket, self.due_field_id)
                if ticket.get("status") == "closed":
                    self.closed.add(str(ticket["id"]))
        return states

    def read_state(self, ticket_id: str) -> TicketWriteState:
        body = self.client.get(f"/api/v2/tickets/{url_segment(ticket_id)}.json")
        return ticket_state(body["ticket"], self.due_field_id)

    # -- planning -------------------------------------------------------------------------
    def plan(self, findings: Sequence[Finding], state: TicketWriteState) -> WritebackPlan:
        return plan_writeback(findings, state, marker_tags=True, due_zone=self.due_zone)

    def render_plan(self, plan: WritebackPlan) -> str | None:
        if plan.note is None:
            return None
        return self.render(plan.note, findings_hash=plan.findings_hash)

    # -- applying -------------------------------------------------------------------------
    def apply(
        self,
        plans: Sequence[WritebackPlan],
        states: Mapping[str, TicketWriteState],
        findings: Mapping[str, Sequence[Finding]],
    ) -> list[TicketWriteResult]:
        """Apply non-empty plans; returns one result per plan (empty plans: ``unchanged``)."""
        results: list[TicketWriteResult] = []
        tag_only: dict[GroupKey, list[str]] = defaultdict(list)
        noted: dict[str, TicketWriteResult] = {}  # note present, tag changes left over
        for plan in plans:
            if plan.is_empty:
                results.append(TicketWriteResult(plan.ticket, "unchanged"))
            elif plan.note is not None:
                result, leftover = self._write_with_note(plan, states[plan.ticket], findings[plan.ticket])
                results.append(result)
                if leftover is not None:
                    # Applied now with the tag-only jobs: the journal settles the ticket after
                    # this run, so a change left for "the next run" would never be retried.
                    noted[plan.ticket] = result
                    tag_only[group_key(leftover)].append(plan.ticket)
            else:
                tag_only[group_key(plan)].append(plan.ticket)
        for tagged in self._bulk_tags(tag_only):
            if tagged.ticket in noted:
                _merge_tags(noted[tagged.ticket], tagged)
            else:
                results.append(tagged)
        return results

    def _write_with_note(
        self, plan: WritebackPlan, state: TicketWriteState, findings: Sequence[Finding]
    ) -> tuple[TicketWriteResult, WritebackPlan | None]:
        """The note PUT; also the tag-only plan left when a re-read shows the note already there."""
        result = TicketWriteResult(plan.ticket, "failed")
        uncertain = False  # True once a PUT may have landed without us seeing the answer
        for attempt in range(1, self.source.write_attempts + 1):
            result.attempts = attempt
            html = self.render_plan(plan)
            assert html is not None  # noqa: S101 - only plans with a note come here
            try:
                self.client.request(
                    "PUT",
                    f"/api/v2/tickets/{url_segment(plan.ticket)}.json",
                    json=note_update_body(state, plan, html, self.due_field_id),
                    idempotent=False,
                )
            except (Conflict, UnknownOutcome) as exc:
                if isinstance(exc, UnknownOutcome):
                    uncertain = True
                    # Zendesk is struggling: back off before looking (a 409 needs no wait).
                    self.client.sleep(self.client.backoff_seconds(attempt))
                log.info("ticket %s: %s; re-reading before deciding", plan.ticket, exc)
                try:
                    state = self.read_state(plan.ticket)
                except (ZendeskHTTPError, TransientError) as read_exc:
                    result.error = f"could not re-read after {exc}: {read_exc}"
                    return result, None
                fresh = self.plan(findings, state)
                if fresh.note is None:
                    # Our marker is on the ticket: the note is there (ours, or a parallel run's).
                    result.outcome = "written" if uncertain else "unchanged"
                    result.note = plan.note.action if (uncertain and plan.note) else None
                    return result, None if fresh.is_empty else fresh
                plan = fresh
                continue
            except ZendeskHTTPError as exc:
                result.error = str(exc)
                return result, None
            result.outcome = "written"
            result.note = plan.note.action if plan.note else None
            result.added_tags = list(plan.add_labels)
            result.removed_tags = list(plan.remove_labels)
            return result, None
        result.error = f"gave up after {self.source.write_attempts} attempts (ticket kept changing)"
        return result, None

    def _bulk_tags(self, groups: Mapping[GroupKey, list[str]]) -> list[TicketWriteResult]:
        """Tag-only changes: ``update_many`` jobs, at most ``max_concurrent_jobs`` at a time."""
        pending: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...],
                            Sequence[str]]] = [
            (add, remove, due, batch)
            for (add, remove, due), tickets in sorted(groups.items(), key=_group_order)
            for batch in chunks(sorted(tickets, key=_id_order))
        ]
        results: list[TicketWriteResult] = []
        while pending:
            wave, pending = (
                pending[: self.source.max_concurrent_jobs],
                pending[self.source.max_concurrent_jobs :],
            )
            jobs: list[tuple[str | None, tuple[str, ...], tuple[str, ...], Sequence[str]]] = []
            for add, remove, due, batch in wave:
                try:
                    body = self.client.request(
                        "PUT",
                        "/api/v2/tickets/update_many.json",
                        params={"ids": ",".join(batch)},
                        json=tags_update_body(add, remove, due, self.due_field_id),
                        idempotent=True,  # adding/removing a tag twice changes nothing
                    )
                    jobs.append((str(body["job_status"]["id"]), add, remove, batch))
                except (ZendeskHTTPError, TransientError, KeyError) as exc:
                    results.extend(
                        TicketWriteResult(t, "failed", error=f"update_many: {exc}") for t in batch
                    )
            results.extend(self._await_jobs(jobs))
        return results

    def _await_jobs(
        self, jobs: list[tuple[str | None, tuple[str, ...], tuple[str, ...], Sequence[str]]]
    ) -> list[TicketWriteResult]:
        results: list[TicketWriteResult] = []
        open_jobs = {job_id: (add, remove, batch) for job_id, add, remove, batch in jobs if job_id}
        for _ in range(self.source.job_poll_max):
            if not open_jobs:
                break
            self.client.sleep(self.source.job_poll_interval_seconds)
            for job_id in list(open_jobs):
                try:
                    status = self.client.get(f"/api/v2/job_statuses/{job_id}.json")["job_status"]
                except (ZendeskHTTPError, TransientError, KeyError):
                    continue  # poll again next round
                if status.get("status") in _JOB_DONE:
                    add, remove, batch = open_jobs.pop(job_id)
                    results.extend(_job_results(status, add, remove, batch))
        for _add, _remove, batch in open_jobs.values():
            results.extend(
                TicketWriteResult(t, "failed", error="update_many job did not finish in time")
                for t in batch
            )
        return results


def _group_order(item: tuple[GroupKey, list[str]]) -> tuple[object, ...]:
    """Sortable form of a group (a cleared field's ``None`` sorts first)."""
    (add, remove, due), _tickets = item
    return (add, remove, tuple(d or "" for d in due), len(due))


def _merge_tags(noted: TicketWriteResult, tagged: TicketWriteResult) -> None:
    """Fold the leftover tag job's result into the note's: a failed job fails the ticket, so the
    journal keeps it open and the next run retries the tags (its re-read plans no note)."""
    if tagged.outcome == "failed":
        noted.outcome = "failed"
        noted.error = f"note present; tag changes failed: {tagged.error}"
        return
    noted.outcome = "written"
    noted.added_tags = tagged.added_tags
    noted.removed_tags = tagged.removed_tags


def _job_results(
    status: Mapping[str, Any], add: Sequence[str], remove: Sequence[str], batch: Sequence[str]
) -> list[TicketWriteResult]:
    """One result per ticket of a finished ``update_many`` job.

    Job Statuses, "Results": each ticket has its own result, ``success: true``
    (``UpdateResourceResult``) or ``success: false`` with ``error`` and ``details``
    (``FailedResult``, Support API OpenAPI). Only an explicit success counts as written, whatever
    the job's status; a ticket with no result (a ``killed`` job, a ``failed`` job that stopped
    early, an answer without ``results``) is failed, so the journal retries it next run.
    """
    by_id: dict[str, Mapping[str, Any]] = {
        str(r.get("id")): r for r in _result_list(status) if isinstance(r, Mapping)
    }
    job = str(status.get("status"))
    out: list[TicketWriteResult] = []
    for ticket in batch:
        item = by_id.get(ticket)
        if item is not None and item.get("success") is True:
            out.append(TicketWriteResult(ticket, "written", added_tags=list(add),
                                         removed_tags=list(remove), attempts=1))
        elif item is not None:
            out.append(TicketWriteResult(ticket, "failed", attempts=1,
                                         error=f"update_many job {job}: {_failure(item)}"))
        else:
            message = status.get("message")
            out.append(TicketWriteResult(
                ticket, "failed", attempts=1,
                error=f"update_many job {job}: no result for this ticket"
                + (f" ({str(message)[:200]})" if message else "")))
    return out


def _result_list(status: Mapping[str, Any]) -> list[Any]:
    results = status.get("results")
    return results if isinstance(results, list) else []


def _failure(item: Mapping[str, Any]) -> str:
    """``error: details`` of a ``FailedResult`` (older answers used ``errors``), shortened."""
    parts = [str(item[key]) for key in ("error", "details", "errors") if item.get(key)]
    return (": ".join(parts) or "failed without a reason")[:300]


def _id_order(ticket: str) -> tuple[int, str]:
    return (int(ticket), ticket) if ticket.isdigit() else (1 << 62, ticket)


__all__ = [
    "TicketWriteResult",
    "ZendeskWriter",
    "full_tag_list",
    "note_update_body",
    "tags_update_body",
    "ticket_state",
]
