"""``iso10002 report register|kpi|audit|review ...``: reports from export files or the store on
the command line (the reports themselves: ``report_templates``; their I/O: ``connector.reports``);
several kinds at once share one read of the data and one pass over it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from jinja2 import TemplateError
from rich.markup import escape

from compliance_checks.configfile import ConfigError
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.policy import Policy
from connector.cli.as_of import as_of_or_now
from connector.cli.errors import err, fail, reported
from connector.cli.exit_codes import ExitCode
from connector.cli.files import staged
from connector.cli.options import StoreConfigOption
from connector.cli.progress import ReportProgress, Steps
from connector.cli.store import pipeline_for
from connector.inputs import InputError
from report_templates.env import LOCALES, RenderContext
from report_templates.input import ROWS_PER_VOLUME, Period, ReportInput, ReportOptions
from report_templates.kinds import Fmt, ReportKind, kind_names, registry
from report_templates.returns import ReturnTable
from report_templates.writers.pdf_parts import earlier_volumes, volume_path

if TYPE_CHECKING:
    from connector.files import RunSummary

DEFAULT_DAYS = 30

HELP = """Render a report: the complaint REGISTER (8.1), the KPI report (8.2/8.4), the AUDIT
report (8.5), the management REVIEW pack (8.6), or a regulator return (FCA-RETURN, ASIC-IDR,
CFPB), for complaints received from --from to --to (default: the 30 days ending on the --as-of
date), as of --as-of (default: now).

Data: export files (--platform P --input FILE...), evaluated as of --as-of; or, without
--input, the history store of --config: the ticket versions valid at --as-of and the findings
recorded by the latest evaluation run at or before it.

Formats: html (one self-contained file), pdf (same HTML via WeasyPrint), json (the view-model),
xlsx (every table, one sheet each), csv (the main table only: register -> one row per
complaint; kpi -> the KPI table; audit -> the FAIL/AT_RISK/WAIVED findings; review -> the
headline KPIs). Regulator returns: csv (header notes as # lines) or json.

Several kinds (e.g. `report register kpi audit --out DIR`) are rendered from one read of the
data and one pass over it, into DIR as <kind>-<to>.<format>: much faster than one command each
on a large store."""


def _day(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=hint) from None


def resolve_period(start: date | None, end: date | None, as_of: datetime, tz: str) -> Period:
    """Default: the ``DEFAULT_DAYS`` days ending on the as-of date (in the policy's timezone)."""
    end = end or as_of.astimezone(ZoneInfo(tz)).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise typer.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    return Period(start, end, tz)


def _options(
    seed: int, sample_size: int, customers: int | None, redact: bool, volume_rows: int
) -> ReportOptions:
    return ReportOptions(
        sample_seed=seed, sample_size=sample_size, customers=customers, redact=redact,
        pdf_volume_rows=volume_rows,
    )


def _from_files(
    platform: str | None,
    inputs: list[Path],
    files: tuple[Path | None, Path | None, Path | None],
    window: tuple[str | None, str | None],
    moment: datetime,
    options: ReportOptions,
    with_baseline: bool,
) -> tuple[ReportInput, RunSummary]:
    from connector.platforms.registry import names
    from connector.reports.files import ExportFiles, files_input, load_files_configuration

    if platform not in names():
        raise typer.BadParameter("with --input, give --platform jira or zendesk", param_hint="--platform")
    mapping, policy, waivers = files
    source = ExportFiles(platform, tuple(inputs), mapping, policy, waivers)
    with reported(ConfigError):
        loaded = load_files_configuration(source)
    tz = loaded.policy.spec.calendar.timezone
    period = resolve_period(_day(window[0], "--from"), _day(window[1], "--to"), moment, tz)
    with reported(InputError):
        return files_input(
            source, as_of=moment, period=period, options=options, loaded=loaded, with_baseline=with_baseline
        )


def _from_store(
    config: Path,
    window: tuple[str | None, str | None],
    moment: datetime,
    options: ReportOptions,
    with_baseline: bool,
    refused: str = "no report written",
    display: Steps | None = None,
) -> tuple[ReportInput, Path | None]:
    """The store's input and the config's templates directory (``reports.templates_dir``);
    ``refused`` leads the message when the store fails verification; ``display`` shows the steps."""
    from connector.reports.store import NoEvaluation, store_input
    from connector.store.runs import StoreTampered

    display = display or Steps(shown=False)
    with pipeline_for(config, display=display) as pipeline:
        if pipeline.config.reports.redact:  # the store's reports always go out redacted
            options = replace(options, redact=True)
        tz = pipeline.evaluator.policy.spec.calendar.timezone
        period = resolve_period(_day(window[0], "--from"), _day(window[1], "--to"), moment, tz)
        try:
            with display.step("reading and verifying the store"):
                data = store_input(
                    pipeline.store,
                    pipeline.evaluator,
                    pipeline.config,
                    as_of=moment,
                    period=period,
                    options=options,
                    with_baseline=with_baseline,
                )
        except NoEvaluation as exc:
            raise fail(ExitCode.INPUT, str(exc)) from None
        except StoreTampered as exc:
            raise fail(ExitCode.TAMPERED, f"{refused}: {exc}") from None
        return data, pipeline.config.reports.templates_dir


def _kinds(names: list[str], fmt: Fmt | None) -> list[ReportKind]:
    """The registered kinds named (each once), each checked against ``--format``."""
    known = registry()
    chosen: list[ReportKind] = []
    for name in dict.fromkeys(names):  # a kind named twice is written once
        if name not in known:
            raise typer.BadParameter(f"{name!r}: use one of {', '.join(kind_names())}", param_hint="KINDS")
        try:
            known[name].check_format(fmt or known[name].default_format)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--format") from None
        chosen.append(known[name])
    return chosen


def _targets(
    kinds: list[ReportKind], fmt: Fmt | None, out: Path | None, end: date
) -> list[tuple[str, Fmt, Path]]:
    """Each kind's format (``--format``, else the kind's default) and output file: ``--out`` is
    the file for one kind, the directory for several (default: the working directory)."""
    chosen = [(kind.name, fmt or kind.default_format) for kind in kinds]
    if len(kinds) == 1 and out is not None:
        return [(chosen[0][0], chosen[0][1], out)]
    folder = out or Path()
    if folder.exists() and not folder.is_dir():
        raise typer.BadParameter(f"{folder} is a file; several kinds need a directory", param_hint="--out")
    return [(name, f, folder / f"{name}-{end.isoformat()}.{f.value}") for name, f in chosen]


def report(
    names: Annotated[
        list[str],
        typer.Argument(
            metavar="KIND",
            help="register, kpi, audit, review, fca-return, asic-idr or cfpb; several share one pass.",
            show_default=False,
        ),
    ],
    platform: Annotated[
        str | None, typer.Option("--platform", help="jira or zendesk (the export's platform).")
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input", "-i", help="Export file (JSON/JSON Lines); repeatable. Without it: the store."
        ),
    ] = None,
    config: StoreConfigOption = Path("iso10002.yaml"),
    start: Annotated[str | None, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of the period, inclusive.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="As of this ISO 8601 time.")] = None,
    fmt: Annotated[
        Fmt | None,
        typer.Option("--format", help="html, pdf, csv, xlsx or json (default: html; returns: csv)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output file (default: ./<kind>-<to>.<format>); with several kinds, a directory."
        ),
    ] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="Mapping file (with --input).")] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy file (with --input; objectives, calendar).")
    ] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waivers file (with --input).")] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="Directory whose templates override the shipped ones.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Audit sample seed (printed in the report).")] = 10002,
    sample_size: Annotated[int, typer.Option("--sample-size", help="Complaints in the audit sample.")] = 10,
    customers: Annotated[
        int | None, typer.Option("--customers", help="Customers served, for complaints per 1,000 customers.")
    ] = None,
    locale: Annotated[str, typer.Option("--locale", help=f"Number format: {', '.join(LOCALES)}.")] = "en_GB",
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="For use outside: pseudonymise complainants (stable within this report only) and drop "
            "contact details, free text, comment bodies and evidence quotes, in every format.",
        ),
    ] = False,
    pdf_volume_rows: Annotated[
        int,
        typer.Option(
            "--pdf-volume-rows",
            min=100,
            help="PDF register/audit: rows of the long table per volume; a longer table is written as "
            "several PDFs, volume 1 at the path asked for, the others beside it as NAME.volK-of-N.pdf.",
        ),
    ] = ROWS_PER_VOLUME,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Regulator returns: exit 4 when a complaint's value is not in the return's code tables "
            "(it is always warned about, and counted as unmapped); exit 2, writing nothing, when the "
            "policy does not extend the return's regulatory pack (always warned about).",
        ),
    ] = False,
) -> None:
    moment = as_of_or_now(as_of)
    if templates is not None and not templates.is_dir():
        raise fail(ExitCode.CONFIG, f"--templates {templates}: not a directory")
    if locale not in LOCALES:
        raise typer.BadParameter(f"use one of {', '.join(LOCALES)}", param_hint="--locale")
    kinds = _kinds(names, fmt)
    options = _options(seed, sample_size, customers, redact, pdf_volume_rows)
    window = (start, end)
    summary: RunSummary | None = None
    # Only the trend reports read the earlier evaluation: the others skip a second full read.
    baseline = any(kind.trend for kind in kinds)
    with ReportProgress() as progress:
        if inputs:
            files = (mapping, policy, waivers)
            data, summary = _from_files(platform, inputs, files, window, moment, options, baseline)
        else:
            data, configured = _from_store(config, window, moment, options, baseline, display=progress)
            templates = templates or configured
        _check_regimes(kinds, data.policy, strict)
        targets = _targets(kinds, fmt, out, data.period.end)
        generated = datetime.now(UTC).astimezone(ZoneInfo(data.period.timezone))
        render = RenderContext(generated_at=generated, version=data.provenance.code_version, locale=locale)
        # The renderers (matplotlib, openpyxl, WeasyPrint) load only when a report is written.
        from report_templates.render import Job, render_reports

        returns: dict[str, ReturnTable] = {}
        # Each file is written whole or not at all: rendered beside its target, renamed at the end.
        with staged([path for _kind, _fmt, path in targets]) as temporary:
            finals = {temporary[path]: path for _kind, _fmt, path in targets}
            jobs = [Job(kind, f, temporary[path], path.name) for kind, f, path in targets]
            written: list[Path] = []

            def stage(job: Job, paths: tuple[Path, ...]) -> None:
                written.extend(_stage_volumes(temporary, finals[job.out], paths))

            try:
                render_reports(jobs, replace(data, current=progress.count(data.current)),
                               templates_dir=templates, render=render, returns=returns,
                               on_write=lambda job: progress.writing(finals[job.out].name), on_written=stage)
            except TemplateError as exc:
                raise fail(ExitCode.CONFIG, f"no report written: template error: {exc}") from None
    # Volumes an earlier run left beside a PDF just written would name it as their volume 1.
    for _kind, fmt_of_target, path in targets:
        if fmt_of_target == "pdf":
            for stale in earlier_volumes(path, written):
                stale.unlink(missing_ok=True)
                err.print(f"removed {stale} (a volume of an earlier run)", highlight=False)
    unmapped = [n for n in data.provenance.notes if n.startswith("not mapped:")]
    for note in unmapped:
        shown = escape(note.removeprefix("not mapped: "))
        err.print(f"[yellow]not mapped:[/yellow] {shown}", highlight=False)
    for warning in summary.warnings if summary else ():
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    unmapped_values = _tell_returns(returns)
    for path in written:
        err.print(f"wrote {path}", highlight=False)
    if summary is not None and summary.tickets_seen == 0:
        raise fail(ExitCode.INPUT, "no tickets found in the input")
    if unmapped or (strict and unmapped_values):
        raise typer.Exit(ExitCode.PARTIAL)


def _stage_volumes(temporary: dict[Path, Path], final: Path, paths: tuple[Path, ...]) -> list[Path]:
    """The final paths of a job's files: a PDF written as volumes has each further volume
    staged to be renamed into place with the others."""
    finals = [volume_path(final, number, len(paths)) for number in range(1, len(paths) + 1)]
    for path, written in zip(finals[1:], paths[1:], strict=True):
        temporary[path] = written
    return finals


def _check_regimes(kinds: list[ReportKind], policy: Policy, strict: bool) -> None:
    """Warn (``--strict``: stop, exit 2, nothing written) for each return asked of a policy
    that does not extend that return's pack."""
    chain = {Path(source).resolve() for source in policy.chain}
    missing = [(kind.name, pack) for kind in kinds if (pack := kind.pack)
               and (PACKS_DIR / f"{pack}.yaml").resolve() not in chain]
    for name, pack in missing:
        err.print(f"[yellow]warning:[/yellow] {name}: the policy {escape(policy.spec.name)} does not "
                  f"extend the {pack} pack, so the return's clocks and figures are not the regulator's "
                  f"(add `extends: {pack}` to your policy)", highlight=False, soft_wrap=True)
    if missing and strict:
        raise fail(ExitCode.CONFIG, "no report written: --strict and a return's pack is not in the policy")


def _tell_returns(returns: dict[str, ReturnTable]) -> int:
    """Each return's warnings and unmapped values on stderr; the number of unmapped complaints."""
    total = 0
    for name, table in returns.items():
        for warning in table.warnings:
            err.print(f"[yellow]warning:[/yellow] {name}: {escape(warning)}", highlight=False)
        for value, count in table.unmapped.items():
            total += count
            err.print(
                f"[bold red]UNMAPPED[/bold red] {name}: {count} complaint(s) with {escape(value)}: "
                "not in the return's code table (counted as unmapped)",
                highlight=False,
            )
    return total
