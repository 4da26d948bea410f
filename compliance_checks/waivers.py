"""Waivers: approved, expiring exceptions that turn a FAIL (or AT_RISK) into WAIVED.

Matching is exact on (check id, ticket id): no patterns, so a waiver for ``CS-1`` never covers
``CS-12``. A waived finding is kept, with the waiver and its original status; an expired waiver
is not applied and is reported, never silently ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from compliance_checks.configfile import (
    ConfigError,
    ConfigIssue,
    content_hash,
    parse_yaml,
    read_text,
    validate,
)
from compliance_checks.findings import Finding, Status, WaiverApplied
from compliance_checks.model import Frozen
from compliance_checks.registry import REGISTRY, Registry

WAIVABLE = (Status.FAIL, Status.AT_RISK)


class Waiver(Frozen):
    check: str
    ticket: str
    reason: str = Field(min_length=3)
    approver: str = Field(min_length=2)
    expires: date

    @field_validator("ticket", "check")
    @classmethod
    def _no_patterns(cls, value: str) -> str:
        if any(ch in value for ch in "*?[]"):
            raise ValueError("waivers match exactly; patterns are not allowed")
        return value.strip()


class WaiverFile(Frozen):
    waivers: list[Waiver] = Field(default_factory=list)


@dataclass(frozen=True)
class Waivers:
    entries: tuple[Waiver, ...]
    source: str
    sha256: str

    def index(self) -> dict[tuple[str, str], Waiver]:
        return {(w.check, w.ticket): w for w in self.entries}


NO_WAIVERS = Waivers((), "(none)", content_hash(""))


def parse_waivers(text: str, source: str, *, registry: Registry = REGISTRY) -> Waivers:
    """Parse a waivers file; every problem (schema, unknown check, duplicate) in one error."""
    data = parse_yaml(text, source) or {"waivers": []}
    try:
        spec = validate(WaiverFile, data, source)
    except ConfigError as exc:
        # Still check what can be checked, so one run lists every problem of the file.
        raise ConfigError([*exc.issues, *_entry_issues(_raw_entries(data), source, registry)]) from None
    issues = _entry_issues([(w.check, w.ticket) for w in spec.waivers], source, registry)
    if issues:
        raise ConfigError(issues)
    return Waivers(tuple(spec.waivers), source, content_hash(text))


def _raw_entries(data: Any) -> list[tuple[object, object]]:
    """(check, ticket) of each entry as written (stripped like the model does)."""
    entries = data.get("waivers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    found: list[tuple[object, object]] = []
    for entry in entries:
        raw = entry if isinstance(entry, dict) else {}
        check, ticket = raw.get("check"), raw.get("ticket")
        found.append((_stripped(check), _stripped(ticket)))
    return found


def _stripped(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _entry_issues(
    entries: list[tuple[object, object]], source: str, registry: Registry
) -> list[ConfigIssue]:
    """Unknown check ids and duplicate (check, ticket) pairs, naming both positions."""
    issues: list[ConfigIssue] = []
    first: dict[tuple[str, str], int] = {}
    for i, (check, ticket) in enumerate(entries):
        if not isinstance(check, str):
            continue  # missing or not text: reported by the model
        if check not in registry:
            known = ", ".join(sorted(registry.ids()))
            message = f"unknown check {check!r} (known: {known})"
            issues.append(ConfigIssue(source, f"waivers[{i}].check", message))
        if not isinstance(ticket, str):
            continue
        earlier = first.setdefault((check, ticket), i)
        if earlier != i:
            issues.append(
                ConfigIssue(
                    source,
                    f"waivers[{i}]",
                    f"duplicate waiver for {check} on {ticket}: same check and ticket as waivers[{earlier}]",
                )
            )
    return issues


def load_waivers(path: Path, *, registry: Registry = REGISTRY) -> Waivers:
    return parse_waivers(read_text(path), str(path), registry=registry)


@dataclass
class WaiverOutcome:
    findings: list[Finding]
    #: Human-readable warnings: expired waivers that matched, waivers that matched nothing.
    warnings: list[str]


class WaiverApplier:
    """Applies waivers to findings as they stream past and remembers which were used."""

    def __init__(self, waivers: Waivers, as_of: date) -> None:
        self._index = waivers.index()
        self._as_of = as_of
        self._used: set[tuple[str, str]] = set()
        self.warnings: list[str] = []

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        out = []
        for finding in findings:
            key = (finding.check, finding.ticket)
            waiver = self._index.get(key)
            if waiver is None or finding.status not in WAIVABLE:
                out.append(finding)
                continue
            self._used.add(key)
            if waiver.expires < self._as_of:
                self.warnings.append(
                    f"waiver for {finding.check} on {finding.ticket} expired on {waiver.expires} "
                    f"(approved by {waiver.approver}); finding stays {finding.status.value}"
                )
                out.append(finding)
                continue
            applied = WaiverApplied(
                reason=waiver.reason,
                approver=waiver.approver,
                expires=waiver.expires,
                original_status=finding.status,
            )
            out.append(
                dataclasses.replace(
                    finding,
                    status=Status.WAIVED,
                    waiver=applied,
                    message=f"{finding.message} (waived: {waiver.reason})",
                )
            )
        return out

    def unused(self) -> list[str]:
        return [
            f"waiver for {check} on {ticket} matched no FAIL/AT_RISK finding"
            for (check, ticket) in self._index
            if (check, ticket) not in self._used
        ]
