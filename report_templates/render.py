"""``render_report`` / ``render_reports``: one entry point for the CLI and the service's schedule.

Every report is built in one streamed pass over ``data.current``; ``render_reports`` feeds
several reports from the *same* pass (the service renders its scheduled reports this way).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from compliance_checks.model import ComplaintRecord
from report_templates.env import RenderContext
from report_templates.html import View
from report_templates.input import AnyFinding, ReportInput
from report_templates.kinds import Finished, Fmt, PassContext, ReportKind, kind, ordered
from report_templates.redact import redacted
from report_templates.returns import ReturnTable
from report_templates.views.common import Builder, run_pass
from report_templates.views.register import RegisterTables
from report_templates.writers import WriteContext, write_output
from report_templates.writers.json import view_json

Output = View | ReturnTable | RegisterTables


@dataclass(frozen=True)
class Job:
    """One report to write: the ``kind`` named so as ``fmt`` to ``out``."""

    kind: str
    fmt: Fmt
    out: Path
    #: The file name the reader gets when ``out`` is a temporary name (see ``WriteContext``).
    name: str | None = None


class _Builders:
    """One builder per kind of the pass, made by the kind (see ``report_templates.kinds``)."""

    def __init__(self, kinds: Sequence[str], data: ReportInput, tables_only: Collection[str] = ()) -> None:
        self.kinds = ordered(kinds)
        self.tables_only = set(tables_only)
        self.ctx = PassContext(data, tuple(k.name for k in self.kinds))
        self.by_kind: dict[str, tuple[ReportKind, Builder[object]]] = {
            k.name: (k, k.start(self.ctx)) for k in self.kinds
        }
        # A builder shared by two kinds (the KPI one, with the review) is fed once.
        self.feed = list({id(b): b for _, b in self.by_kind.values()}.values())

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        for builder in self.feed:
            builder.add(record, findings)

    def finish(self) -> dict[str, Output]:
        finished: Finished = {}
        for name, (report_kind, builder) in self.by_kind.items():
            if name in self.tables_only and report_kind.tables is not None:
                finished[name] = report_kind.tables(builder)
            else:
                finished[name] = report_kind.finish(builder, self.ctx, finished)
        return cast("dict[str, Output]", finished)


def build_views(
    kinds: Sequence[str], data: ReportInput, *, tables_only: Collection[str] = ()
) -> dict[str, Output]:
    """Every ``kinds`` view from one pass over ``data.current`` (``tables_only``: kinds whose
    output needs only the tables, e.g. a register written as CSV)."""
    if data.options.redact:
        data = redacted(data)
    builders = _Builders(kinds, data, tables_only)
    run_pass(data.current, [builders])
    return builders.finish()


def build_view(kind: str, data: ReportInput) -> Output:
    return build_views([kind], data)[kind]


def render_reports(
    jobs: Sequence[Job],
    data: ReportInput,
    *,
    render: RenderContext,
    templates_dir: Path | None = None,
    returns: dict[str, ReturnTable] | None = None,
    on_write: Callable[[Job], None] | None = None,
    on_written: Callable[[Job, tuple[Path, ...]], None] | None = None,
) -> list[Path]:
    """Build every job's view in one pass over the data, then write each file (``render``: the
    pages' generation time, version and locale, given by the caller: nothing here reads the clock).
    ``returns``, when given, receives each regulator return built, by kind (its warnings and
    unmapped values are for the caller to tell); ``on_write`` is told of each file before it is
    written (a progress display), ``on_written`` of the files each job wrote as soon as it did
    (a PDF may be several volumes). Returns every file written, in order."""
    formats: dict[str, set[Fmt]] = {}
    for job in jobs:
        kind(job.kind).check_format(job.fmt)
        formats.setdefault(job.kind, set()).add(job.fmt)
    tables_only = [name for name, fmts in formats.items() if fmts <= kind(name).tables_formats]

    def write(job: Job) -> tuple[Path, ...]:
        ctx = WriteContext(data, render, templates_dir, job.name)
        return write_output(views[job.kind], job.fmt, job.out, ctx)

    views = build_views([job.kind for job in jobs], data, tables_only=tables_only)
    if returns is not None:
        returns.update({name: view for name, view in views.items() if isinstance(view, ReturnTable)})
    last_use = {job.kind: i for i, job in enumerate(jobs)}
    written: list[Path] = []
    for i, job in enumerate(jobs):
        if on_write is not None:
            on_write(job)
        paths = write(job)
        if on_written is not None:
            on_written(job, paths)
        written.extend(paths)
        if last_use[job.kind] == i:
            del views[job.kind]  # no later job needs it: freed before the next file is written
    return written


def render_report(
    kind: str,
    data: ReportInput,
    fmt: Fmt | str,
    out_path: Path,
    *,
    render: RenderContext,
    templates_dir: Path | None = None,
) -> Path:
    """Build the ``kind`` view from ``data`` and write it to ``out_path`` as ``fmt``; the path
    written (volume 1 of a PDF written as volumes)."""
    job = Job(str(kind), Fmt(fmt), out_path)
    return render_reports([job], data, templates_dir=templates_dir, render=render)[0]


__all__ = ["Job", "Output", "build_view", "build_views", "render_report", "render_reports", "view_json"]
