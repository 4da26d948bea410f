"""Evaluating export files: payload files -> bundles -> ``connector.checking`` -> a run summary, streamed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from compliance_checks import NO_WAIVERS, Policy, Waivers
from connector.checking import Checker, TicketEvaluation
from connector.inputs import file_bundles
from mappings.assemble import RECEIVED_AFTER_AS_OF, Assembler
from mappings.loader import LoadedMapping
from mappings.values import MappingError


@dataclass
class RunSummary:
    tickets_seen: int = 0
    complaints: int = 0
    skipped: int = 0
    #: Of ``skipped``: received after the as-of time (not non-complaints or duplicates).
    future: int = 0
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
) -> Iterator[TicketEvaluation]:
    """Map and check every complaint in ``paths``; a ticket that fails mapping is reported
    (ticket id, field, reason) and the others carry on. Skipped tickets are only counted."""
    summary = summary if summary is not None else RunSummary()
    checker = Checker(policy, as_of, waivers)
    for _path, result in checker.run(file_bundles(paths, Assembler(mapping.spec, as_of=as_of))):
        summary.tickets_seen += 1
        if result.skipped:
            summary.skipped += 1
            summary.future += result.skipped == RECEIVED_AFTER_AS_OF
            if result.warning:
                summary.warnings.append(result.warning)
            continue
        if result.error is not None:
            summary.mapping_errors.append(result.error)
        else:
            summary.complaints += 1
            summary.statuses.update(f.status.value for f in result.findings)
        yield result
    summary.warnings.extend(checker.warnings(complete=True))
