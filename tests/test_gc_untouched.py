"""Library code leaves the cyclic garbage collector alone: neither the offline run nor a report
pass retunes, freezes or pauses it (the process hosting them, e.g. the service, owns it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from compliance_checks import BASELINE_POLICY, load_policy
from compliance_checks.model import ComplaintRecord
from connector.files import RunSummary, evaluate_files
from mappings.loader import default_mapping_path, load_mapping
from report_templates.input import AnyFinding, Item
from report_templates.views.common import run_pass

SAMPLE = Path(__file__).resolve().parents[1] / "connector" / "samples" / "zendesk-sample.jsonl"
AS_OF = datetime(2026, 11, 22, 9, tzinfo=UTC)


def _settings() -> tuple[bool, tuple[int, int, int], int]:
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


def test_offline_run_keeps_the_collector_settings_while_it_streams() -> None:
    before = _settings()
    mapping = load_mapping(default_mapping_path("zendesk"))
    policy = load_policy(BASELINE_POLICY)
    results = evaluate_files([SAMPLE], mapping, policy, as_of=AS_OF, summary=RunSummary())
    seen = []
    for result in results:
        assert result.ticket
        seen.append(_settings())
    assert len(seen) > 1
    assert set(seen) == {before}


class _Source:
    """Yields a few records, noting the collector's settings at each one."""

    def __init__(self) -> None:
        self.seen: list[tuple[bool, tuple[int, int, int], int]] = []

    def items(self) -> Iterator[Item]:
        for n in range(3):
            self.seen.append(_settings())
            yield Item(ComplaintRecord(id=f"CS-{n}", platform="jira", received_at=AS_OF), ())


class _Builder:
    def __init__(self) -> None:
        self.added = 0

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        self.added += 1

    def finish(self) -> int:
        return self.added


def test_report_pass_keeps_the_collector_running() -> None:
    before = _settings()
    source, builder = _Source(), _Builder()
    run_pass(source, [builder])  # type: ignore[arg-type]  # only items() is read
    assert builder.finish() == 3
    assert source.seen == [before] * 3
