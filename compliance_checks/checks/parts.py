"""Complaint parts with their own clocks: one finding from the whole complaint's and each part's.

The worst status wins (a FAIL if any part is late), and the message names the parts that set it.
Per-part evidence keeps the part in its note; ``facts["parts"]`` lists every part's status and due
date, ``facts["late_parts"]`` the failing ones.
"""

from __future__ import annotations

import dataclasses

from compliance_checks.findings import Evidence, Status
from compliance_checks.model import ComplaintPart
from compliance_checks.registry import CheckContext, CheckResult

#: Worst first: the combined finding takes the first status any clock has.
_ORDER = (Status.FAIL, Status.AT_RISK, Status.PENDING, Status.MANUAL, Status.PASS, Status.NOT_APPLICABLE)


def _tagged(evidence: tuple[Evidence, ...], part: ComplaintPart) -> tuple[Evidence, ...]:
    return tuple(dataclasses.replace(e, note=f"part {part.id}: {e.note}") for e in evidence)


def combine(
    whole: CheckResult, parts: list[tuple[ComplaintPart, CheckResult]], ctx: CheckContext
) -> CheckResult:
    if not parts:
        return whole
    everything = [(None, whole), *parts]
    status = min((r.status for _, r in everything), key=_ORDER.index)
    worst = [(part, r) for part, r in everything if r.status is status]
    message = "; ".join(r.message if part is None else f"Part {part.id}: {r.message}" for part, r in worst)
    dues = [r.due_at for _, r in worst if r.due_at is not None]
    # An open finding points at the next deadline; a closed one at the whole complaint's.
    due_at = min(dues) if status in (Status.AT_RISK, Status.PENDING) and dues else whole.due_at
    evidence = whole.evidence + tuple(e for part, r in parts for e in _tagged(r.evidence, part))
    summary = []
    for part, r in parts:
        due = f" due {ctx.calendar.local(r.due_at):%Y-%m-%d %H:%M}" if r.due_at else ""
        summary.append(f"{part.id}: {r.status.value}{due}")
    facts = {**whole.facts, "parts": "; ".join(summary)}
    late = [part.id for part, r in parts if r.status is Status.FAIL]
    if late:
        facts["late_parts"] = ", ".join(late)
    return CheckResult(status, message, due_at, evidence, facts, whole.fields_read)
