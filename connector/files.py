"""Evaluating export files: payload files -> bundles -> ``connector.checking`` -> a run summary, streamed."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
) -> Iterator[TicketEvaluation]:
    """Map and check every complaint in ``paths``; a ticket that fails mapping is reported
    (ticket id, field, reason) and the others carry on. Skipped tickets are only counted."""
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
) -> Iterator[TicketEvaluation]:
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
