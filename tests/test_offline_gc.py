"""The offline run collects cycles less often while it streams, and puts the collector's
settings back afterwards (also when runs nest or interleave, or stop early)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from compliance_checks import BASELINE_POLICY, load_policy
from connector.checking import TicketEvaluation
from connector.files import RunSummary, evaluate_files
from mappings.loader import default_mapping_path, load_mapping

SAMPLE = Path(__file__).resolve().parents[1] / "connector" / "samples" / "zendesk-sample.jsonl"
AS_OF = datetime(2026, 11, 22, 9, tzinfo=UTC)


def _run() -> Iterator[TicketEvaluation]:
    mapping = load_mapping(default_mapping_path("zendesk"))
    return evaluate_files([SAMPLE], mapping, load_policy(BASELINE_POLICY), as_of=AS_OF, summary=RunSummary())


def test_settings_restored_after_a_run() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    results = _run()
    first = next(results)
    assert first.ticket
    assert gc.get_threshold()[0] >= 50_000  # while the run streams
    count = 1 + sum(1 for _ in results)
    assert count > 1
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_interleaved_and_abandoned_runs_restore_settings() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    a, b = _run(), _run()
    next(a)
    next(b)
    a.close()  # type: ignore[attr-defined]  # a generator
    assert gc.get_threshold()[0] >= 50_000  # b still streams
    b.close()  # type: ignore[attr-defined]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_a_freeze_made_by_the_host_is_kept() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        for _ in _run():
            pass
        assert gc.get_freeze_count() > frozen // 2  # not thawed (some frozen objects die)
    finally:
        gc.unfreeze()


def test_same_results_with_default_collector_settings() -> None:
    import connector.files as files

    fast = [(r.ticket, [f.model_dump_json() for f in r.findings]) for r in _run()]
    saved = files._GC_YOUNG
    files._GC_YOUNG = 0  # max(default, 0): CPython's own thresholds
    try:
        slow = [(r.ticket, [f.model_dump_json() for f in r.findings]) for r in _run()]
    finally:
        files._GC_YOUNG = saved
    assert fast == slow
