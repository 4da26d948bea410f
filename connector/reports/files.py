"""The export-file data source: export files (``--platform P --input FILE``) -> ``ReportInput``.

The files are evaluated as of the report time and, for the KPI trend, again as of the end of
the previous period, so the baseline shows what was known then (not what is known now). Each
evaluation is streamed into a spool (``connector.reports.spool``) that the reports then read
one complaint at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from compliance_checks import Policy, Waivers
from connector.configuration import load_file_evaluator
from connector.files import RunSummary, evaluate_files
from connector.reports.spool import Spool
from connector.reports.versions import code_version, file_ref, holidays_version, policy_chain_refs
from mappings.loader import LoadedMapping
from report_templates.input import (
    ComplaintSource,
    FileRef,
    Item,
    Period,
    Provenance,
    ReportInput,
    ReportOptions,
)


@dataclass(frozen=True)
class ExportFiles:
    """What the CLI passes in: the export files and the configuration to evaluate them with."""

    platform: str
    inputs: tuple[Path, ...]
    mapping: Path | None = None
    policy: Path | None = None
    waivers: Path | None = None


@dataclass
class Loaded:
    mapping: LoadedMapping
    policy: Policy
    waivers: Waivers
    warnings: list[str] = field(default_factory=list)


def load_files_configuration(source: ExportFiles) -> Loaded:
    """Mapping, policy and waivers (raises ``ConfigError`` naming file and key)."""
    evaluator = load_file_evaluator(source.platform, source.mapping, source.policy, source.waivers)
    return Loaded(evaluator.mappings[source.platform], evaluator.policy, evaluator.waivers)


def evaluated_items(
    source: ExportFiles, loaded: Loaded, as_of: datetime, summary: RunSummary | None = None
) -> Iterator[Item]:
    """Every complaint of the files evaluated as of ``as_of``, one at a time."""
    for result in evaluate_files(
        source.inputs, loaded.mapping, loaded.policy, as_of=as_of, waivers=loaded.waivers, summary=summary
    ):
        if result.record is not None:
            yield Item(result.record, tuple(result.findings))


def spooled_snapshot(
    source: ExportFiles, loaded: Loaded, as_of: datetime, summary: RunSummary | None = None
) -> tuple[ComplaintSource, datetime | None]:
    """The evaluation streamed into a spool, and the newest ``updated_at`` seen (freshness)."""
    spool = Spool()
    newest: list[datetime] = []

    def watched() -> Iterator[Item]:
        for item in evaluated_items(source, loaded, as_of, summary):
            stamp = item.record.updated_at or item.record.received_at
            if not newest or stamp > newest[0]:
                newest[:] = [stamp]
            yield item

    spool.write(watched())
    return spool.source(as_of), (newest[0] if newest else None)


def files_input(
    source: ExportFiles,
    *,
    as_of: datetime,
    period: Period,
    options: ReportOptions | None = None,
    with_baseline: bool = True,
    loaded: Loaded | None = None,
) -> tuple[ReportInput, RunSummary]:
    """Build the report input from export files; the summary carries mapping errors/warnings."""
    loaded = loaded or load_files_configuration(source)
    summary = RunSummary()
    current, freshness = spooled_snapshot(source, loaded, as_of, summary)
    history: tuple[ComplaintSource, ...] = ()
    baseline_at = period.bounds()[0]
    if with_baseline and baseline_at < as_of:
        history = (spooled_snapshot(source, loaded, baseline_at)[0],)
    notes = tuple(f"not mapped: {error}" for error in summary.mapping_errors)
    provenance = Provenance(
        source=f"offline export ({source.platform}): " + ", ".join(p.name for p in source.inputs),
        data_freshness=freshness,
        policy=FileRef(Path(loaded.policy.source).name, loaded.policy.sha256),
        mappings=(FileRef(Path(loaded.mapping.source).name, loaded.mapping.sha256),),
        waivers=FileRef(Path(loaded.waivers.source).name, loaded.waivers.sha256),
        inputs=tuple(file_ref(p) for p in source.inputs),
        holidays_version=holidays_version(),
        code_version=code_version(),
        notes=notes,
        policy_chain=policy_chain_refs(loaded.policy.chain),
    )
    data = ReportInput(
        current=current,
        period=period,
        policy=loaded.policy,
        provenance=provenance,
        waivers=loaded.waivers.entries,
        history=history,
        options=options or ReportOptions(),
    )
    return data, summary
