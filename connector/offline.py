"""The offline pipeline: payload files -> records -> findings (with waivers), streamed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from compliance_checks import NO_WAIVERS, Policy, WaiverApplier, Waivers, context_for, evaluate
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from connector.inputs import map_files
from mappings.assemble import Assembler
from mappings.loader import LoadedMapping
from mappings.values import MappingError


@dataclass
class TicketResult:
    ticket: str
    record: ComplaintRecord | None
    findings: list[Finding]
    error: MappingError | None = None


@dataclass
class RunSummary:
    tickets_seen: int = 0
    complaints: int = 0
    skipped: int = 0
    mapping_errors: list[MappingError] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


def evaluate_files(
    paths: Sequence[Path],
    mapping: LoadedMapping,
    policy: Policy,
    *,
    as_of: datetime,
    waivers: Waivers = NO_WAIVERS,
    summary: RunSummary | None = None,
) -> Iterator[TicketResult]:
    """Map and check every complaint in ``paths``; a ticket that fails mapping is reported
    (ticket id, field, reason) and the others carry on."""
    summary = summary if summary is not None else RunSummary()
    assembler = Assembler(mapping.spec, as_of=as_of)
    ctx = context_for(policy, as_of)
    waiver_applier = WaiverApplier(waivers, as_of.date())
    for mapped in map_files(paths, assembler):
        summary.tickets_seen += 1
        if mapped.skipped:
            summary.skipped += 1
            if mapped.warning:
                summary.warnings.append(mapped.warning)
            continue
        if mapped.error is not None or mapped.record is None:
            error = mapped.error or MappingError(mapped.ticket, "payload", "no record produced")
            summary.mapping_errors.append(error)
            yield TicketResult(mapped.ticket, None, [], error)
            continue
        summary.complaints += 1
        findings = waiver_applier.apply(evaluate(mapped.record, policy, ctx))
        summary.statuses.update(f.status.value for f in findings)
        yield TicketResult(mapped.ticket, mapped.record, findings)
    summary.warnings.extend(waiver_applier.warnings)
    summary.warnings.extend(waiver_applier.unused())
