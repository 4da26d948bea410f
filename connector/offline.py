"""The offline pipeline: payload files -> records -> findings (with waivers), streamed."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from compliance_checks import NO_WAIVERS, Policy, WaiverApplier, Waivers, context_for, evaluate
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from connector.inputs import map_files
from mappings.assemble import RECEIVED_AFTER_AS_OF, Assembler
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
    #: Of ``skipped``: received after the as-of time (not non-complaints or duplicates).
    future: int = 0
    mapping_errors: list[MappingError] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


#: Young-generation threshold while a run streams (CPython's default is 700).
_GC_YOUNG = 50_000
_gc_depth = 0
_gc_saved = gc.get_threshold()
_gc_froze = False


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cycles less often during a run, and never re-scan what existed before it.

    A run allocates millions of short-lived, acyclic objects (parsed pages, events, records,
    findings) that reference counting frees; the cyclic collector kept re-scanning the
    long-lived heap (modules, schemas, mapping, policy) and found nothing: ~10 % of the CPU
    time. Cycles are still collected (just less often), so memory stays bounded; the old
    settings come back when the outermost run ends.
    """
    global _gc_depth, _gc_saved, _gc_froze
    if _gc_depth == 0:
        _gc_saved = old = gc.get_threshold()
        _gc_froze = gc.get_freeze_count() == 0  # never undo a freeze the host process made
        if _gc_froze:
            gc.freeze()  # what is alive now (imports, mapping, policy) outlives the run anyway
        gc.set_threshold(max(old[0], _GC_YOUNG), max(old[1], 20), max(old[2], 20))
    _gc_depth += 1  # runs may nest or interleave (generators): the last one out restores
    try:
        yield
    finally:
        _gc_depth -= 1
        if _gc_depth == 0:
            gc.set_threshold(*_gc_saved)
            if _gc_froze:
                gc.unfreeze()


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
    with _fewer_collections():
        yield from _evaluate_files(paths, mapping, policy, as_of=as_of, waivers=waivers, summary=summary)


def _evaluate_files(
    paths: Sequence[Path],
    mapping: LoadedMapping,
    policy: Policy,
    *,
    as_of: datetime,
    waivers: Waivers = NO_WAIVERS,
    summary: RunSummary | None = None,
) -> Iterator[TicketResult]:
    summary = summary if summary is not None else RunSummary()
    assembler = Assembler(mapping.spec, as_of=as_of)
    ctx = context_for(policy, as_of)
    waiver_applier = WaiverApplier(waivers, as_of.date())
    for mapped in map_files(paths, assembler):
        summary.tickets_seen += 1
        if mapped.skipped:
            summary.skipped += 1
            summary.future += mapped.skipped == RECEIVED_AFTER_AS_OF
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
