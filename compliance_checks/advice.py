"""What to do about a finding: the one rule every surface (explain, ``check``, the panel API, the
write-back note, the reports) uses to show a finding's remediation.

Advice is shown only where someone can act: FAIL, AT_RISK and PENDING (and ERROR, whose check
still needs the work done). PASS, NOT_APPLICABLE and WAIVED need nothing. A breach that has
already happened cannot be fixed on the ticket: a FAIL on a closed complaint, or a step that was
done late, asks for the corrective action to be recorded instead of a step that can no longer
be taken.
"""

from __future__ import annotations

from compliance_checks.findings import Finding, Status

#: Statuses whose finding asks someone to act.
ACTIONABLE = frozenset({Status.FAIL, Status.AT_RISK, Status.PENDING, Status.ERROR})
CLOSED_ADVICE = (
    "The complaint is closed: this can no longer be fixed on the ticket. Record the corrective "
    "action taken (why it happened and what changes so it does not recur)."
)
LATE_ADVICE = (
    "Done late: the breach cannot be undone on the ticket. Record the corrective action taken "
    "(why it was late and what changes so it does not recur)."
)


def is_historic(finding: Finding, *, closed: bool) -> bool:
    """A breach that has already happened: a FAIL on a closed complaint, or a step done late
    (the clock's ``late_by_hours`` fact)."""
    return finding.status is Status.FAIL and (closed or "late_by_hours" in finding.facts)


def advice(finding: Finding, *, closed: bool) -> str | None:
    """The text to show under "What to do" for ``finding`` on a complaint (``closed``: its stage
    is closed), or None when nothing is to be done."""
    if finding.status not in ACTIONABLE or finding.waiver is not None or not finding.remediation:
        return None
    if is_historic(finding, closed=closed):
        return CLOSED_ADVICE if closed else LATE_ADVICE
    return finding.remediation
