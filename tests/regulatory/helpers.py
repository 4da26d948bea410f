"""Builders for the regulatory-pack tests: a pack's policy, a record, one check's result."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from compliance_checks import REGISTRY, context_for, load_policy
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import (
    ComplaintRecord,
    EvidenceRef,
    Letter,
    LetterKind,
    Party,
    Severity,
    SourceKind,
    Stage,
)
from compliance_checks.policy import Policy
from compliance_checks.registry import CheckResult


@cache
def pack(name: str) -> Policy:
    return load_policy(PACKS_DIR / f"{name}.yaml")


def ref(source: str, when: datetime, note: str | None = None) -> EvidenceRef:
    kind, _, source_id = source.partition(":")
    return EvidenceRef(at=when, source_kind=SourceKind(kind), source_id=source_id, note=note)


#: What the fca-disp pack requires beyond decision / reasons / remedy / ombudsman rights
#: (DISP 1.6.2R(1)(d)-(f), DISP 1 Annex 3R; DISP 1.5.4R(1)-(4)).
FCA_FINAL_ELEMENTS = {
    "ombudsman_leaflet": True,
    "ombudsman_website": True,
    "time_limit_six_months": True,
    "consent_to_waive_wording": True,
}
FCA_SUMMARY_ELEMENTS = {
    "resolved_statement": True,
    "ombudsman_website": True,
    "consent_to_waive_wording": True,
}


def letter(kind: str, source: str, when: datetime, *, stage: int = 1, **content: Any) -> Letter:
    return Letter(kind=LetterKind(kind), sent=ref(source, when), stage=stage, **content)


def record(received: datetime, **overrides: Any) -> ComplaintRecord:
    values: dict[str, Any] = {
        "id": "RG-1",
        "platform": "zendesk",
        "received_at": received,
        "channel": "email",
        "complainant": Party(id="c-1", name="Ada", contact="ada@example.com"),
        "description": "Charged twice",
        "product": "Current account",
        "category": "Billing",
        "severity": Severity.MEDIUM,
        "stage": Stage.INVESTIGATING,
    }
    values.update(overrides)
    return ComplaintRecord(**values)


def run(pack_name: str, check_id: str, rec: ComplaintRecord, now: datetime | None = None) -> CheckResult:
    """Run ``check_id`` with the pack's parameters (``now`` defaults to a minute after receipt)."""
    policy = pack_name if isinstance(pack_name, Policy) else pack(pack_name)
    return run_policy(policy, check_id, rec, now)


def run_policy(
    policy: Policy, check_id: str, rec: ComplaintRecord, now: datetime | None = None
) -> CheckResult:
    enabled = {c.id: c for c in policy.checks}[check_id]
    ctx = context_for(policy, now or rec.received_at + timedelta(minutes=1))
    return REGISTRY.get(check_id).fn(rec, enabled.params, ctx)
