"""The runner: every enabled check of a policy on one complaint record.

The runner owns the statuses a check may not set: ``ERROR`` when a check raises, and (through
``compliance_checks.waivers``) ``WAIVED``. It also applies the scope rule: a complaint outside
ISO 10002 (employment, external dispute) gets ``NOT_APPLICABLE`` on every check, with the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime

from compliance_checks.advice import ACTIONABLE
from compliance_checks.findings import Evidence, Finding, Status
from compliance_checks.model import ComplaintRecord
from compliance_checks.policy import Policy
from compliance_checks.registry import REGISTRY, CheckContext, CheckResult, Registry

log = logging.getLogger(__name__)


def context_for(policy: Policy, now: datetime, run_id: str = "offline") -> CheckContext:
    return CheckContext(
        now=now, calendar=policy.calendar, warning_window=policy.spec.warning_window, run_id=run_id
    )


def evaluate(
    record: ComplaintRecord, policy: Policy, ctx: CheckContext, *, registry: Registry = REGISTRY
) -> list[Finding]:
    """All findings for one record, in policy order."""
    findings = []
    for enabled in policy.checks:
        spec = registry.get(enabled.id)
        failed = False
        if not record.in_scope or record.deleted:
            reason = (
                "deleted at the source"
                if record.deleted
                else f"out of ISO 10002 scope: {record.scope_reason or 'excluded by the mapping'}"
            )
            result = CheckResult(
                Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=("in_scope",)
            )
        else:
            try:
                result = spec.fn(record, enabled.params, ctx)
            except Exception as exc:  # one broken check must not stop the others
                log.warning("check %s failed on %s: %s", spec.id, record.id, exc, exc_info=True)
                # CheckResult refuses ERROR (checks may not set it): carry the text, set the
                # status on the finding below.
                result = CheckResult(
                    Status.NOT_APPLICABLE,
                    f"The check could not be evaluated: {type(exc).__name__}: {exc}",
                    evidence=(Evidence(kind="absent", note="check raised an exception"),),
                )
                failed = True
        findings.append(
            Finding(
                ticket=record.id,
                platform=record.platform,
                check=spec.id,
                title=spec.title,
                status=Status.ERROR if failed else result.status,
                clauses=spec.clauses,
                severity=enabled.severity,
                due_at=result.due_at,
                message=result.message,
                evidence=result.evidence,
                remediation=spec.remediation if failed or result.status in ACTIONABLE else None,
                fields_read=result.fields_read,
                facts=result.facts,
                url=record.url,
                waiver=None,  # applied later (waivers.py)
            )
        )
    return findings
