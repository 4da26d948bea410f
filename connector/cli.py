"""The ``iso10002`` command line.

Exit codes (also in README.md):
  0  done; every ticket in the input was mapped and checked
  1  ``--fail-on`` matched: findings with one of the given statuses were produced
  2  configuration error (config, mapping, policy or waiver file; bad option; unset secret variable)
  3  input error (file unreadable, invalid JSON, unknown payload shape)
  4  partial: some tickets could not be mapped (each is reported); the others were checked
  5  platform error (``pull``, ``writeback``, ``sync``, ``run``; or another instance holds the lock,
     or the store stayed busy being created/migrated by another process)
  6  ``verify-store``: the stored history was altered (hash chain broken); ``report`` from the
     store: a run it reads fails verification (no report written)

Without ``--input``, ``check`` and ``explain`` read the store named by ``--config``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from compliance_checks import BASELINE_POLICY, load_policy, load_waivers
from compliance_checks.configfile import ConfigError
from compliance_checks.findings import FINDINGS_SCHEMA_VERSION, Finding, Status
from connector.checking import TicketEvaluation
from connector.commands import register_platform_commands
from connector.config import load_config
from connector.configuration import load_file_evaluator
from connector.evaluation import Evaluator
from connector.explain import Explained, explain_ticket
from connector.files import RunSummary, evaluate_files
from connector.gc_tuning import tune_gc_for_batch
from connector.inputs import InputError
from connector.reports.cli import register_report_commands
from connector.store_cli import StoreConfigOption, check_store, explain_store, register_store_commands
from connector.ticket_ids import is_ticket_id
from mappings.loader import default_mapping_path, load_mapping
from mappings.values import SUPPORTED_RANGE, in_supported_range
from report_templates.cells import safe_cell

EXIT_OK, EXIT_FAIL_ON, EXIT_CONFIG, EXIT_INPUT, EXIT_PARTIAL = 0, 1, 2, 3, 4

app = typer.Typer(
    name="iso10002",
    help="Check helpdesk complaints against ISO 10002:2018 and your policy.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)


class Platform(StrEnum):
    jira = "jira"
    zendesk = "zendesk"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date-time", param_hint="--as-of") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give a timezone, e.g. 2026-11-22T09:00:00+00:00", param_hint="--as-of")
    try:
        return in_supported_range(moment)
    except (ValueError, OverflowError):
        raise typer.BadParameter(f"{value!r} is outside the supported range ({SUPPORTED_RANGE})",
                                 param_hint="--as-of") from None


def _fail(code: int, message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


InputOption = Annotated[
    list[Path] | None,
    typer.Option("--input", "-i", help="Payload file (JSON or JSON Lines); repeatable. "
                 "Without it: the store (--config)."),
]
PlatformOption = Annotated[
    Platform | None, typer.Option("--platform", help="Where the payloads come from (with --input).")
]


def _need_platform(platform: Platform | None) -> Platform:
    if platform is None:
        raise _fail(EXIT_CONFIG, "--input needs --platform jira|zendesk")
    return platform
MappingOption = Annotated[
    Path | None, typer.Option("--mapping", help="Mapping file (default: the shipped example).")
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy file (default: iso10002-baseline).")
]
WaiversOption = Annotated[Path | None, typer.Option("--waivers", help="Waivers file.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Evaluate as of this ISO 8601 time (default: now).")
]


@app.command()
def check(
    platform: PlatformOption = None,
    inputs: InputOption = None,
    mapping: MappingOption = None,
    policy: PolicyOption = None,
    waivers: WaiversOption = None,
    as_of: AsOfOption = None,
    output_format: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
    fail_on: Annotated[
        list[Status] | None,
        typer.Option("--fail-on", help="Exit 1 if any finding has this status; repeatable."),
    ] = None,
    config: StoreConfigOption = Path("iso10002.yaml"),
) -> None:
    """Check complaints: payload files offline (``--input``), or the store (records the run)."""
    moment = _as_of(as_of)
    if not inputs:
        check_store(config, moment if as_of else None,
                    lambda findings, at: _write_findings(findings, at, output_format), fail_on)
        return
    platform = _need_platform(platform)
    evaluator = _file_configuration(platform, mapping, policy, waivers)
    summary = RunSummary()
    results = evaluate_files(inputs, evaluator.mappings[platform.value], evaluator.policy, as_of=moment,
                             waivers=evaluator.waivers, summary=summary)
    try:
        if output_format is Format.json:
            _write_json(results, moment)
        elif output_format is Format.csv:
            _write_csv(results)
        else:
            _write_table(results, summary)
    except InputError as exc:
        raise _fail(EXIT_INPUT, str(exc)) from None
    for error in summary.mapping_errors:
        # Escaped: ids and field paths come from ticket content ("issues[0]" is not markup).
        err.print(f"[yellow]not mapped:[/yellow] {escape(str(error))}", highlight=False)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    if summary.tickets_seen == 0:
        raise _fail(EXIT_INPUT, "no tickets found in the input")
    if fail_on and any(summary.statuses.get(s.value) for s in fail_on):
        raise typer.Exit(EXIT_FAIL_ON)
    if summary.mapping_errors:
        raise typer.Exit(EXIT_PARTIAL)


def _file_configuration(
    platform: Platform, mapping: Path | None, policy: Path | None, waivers: Path | None
) -> Evaluator:
    try:
        return load_file_evaluator(platform.value, mapping, policy, waivers)
    except ConfigError as exc:
        raise _fail(EXIT_CONFIG, f"invalid configuration:\n{exc}") from None


def _write_findings(findings: Iterable[Finding], as_of: datetime, output_format: Format) -> None:
    # One pass over a stream (a big store run is never all in memory); the table's summary
    # is printed after its rows, so it is complete by then.
    summary = RunSummary()
    tickets: set[str] = set()

    def counted() -> Iterator[TicketEvaluation]:
        for f in findings:
            if f.ticket not in tickets:
                tickets.add(f.ticket)
                summary.tickets_seen = summary.complaints = len(tickets)
            summary.statuses[f.status.value] += 1
            yield TicketEvaluation(f.ticket, None, [f])

    results = counted()
    if output_format is Format.json:
        _write_json(results, as_of)
    elif output_format is Format.csv:
        _write_csv(results)
    else:
        _write_table(results, summary)


def _write_json(results: Iterable[TicketEvaluation], as_of: datetime) -> None:
    # Streamed: one finding at a time, so a large export never sits in memory.
    out = sys.stdout
    out.write(
        f'{{"schema_version": "{FINDINGS_SCHEMA_VERSION}", '
        f'"as_of": {json.dumps(as_of.isoformat())}, "findings": ['
    )
    first = True
    for result in results:
        for finding in result.findings:
            out.write(("\n  " if first else ",\n  ") + json.dumps(finding.to_json_dict(), ensure_ascii=False))
            first = False
    out.write("\n]}\n")


CSV_COLUMNS = (
    "ticket",
    "check",
    "status",
    "severity",
    "clauses",
    "due_at",
    "message",
    "remediation",
    "evidence",
    "url",
)


def _write_csv(results: Iterable[TicketEvaluation]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_COLUMNS)
    for result in results:
        for f in result.findings:
            evidence = "; ".join(f"{e.ref or e.kind}: {e.note}" for e in f.evidence)
            row = (
                f.ticket,
                f.check,
                f.status.value,
                f.severity.value,
                " ".join(f.clauses),
                f.due_at.isoformat() if f.due_at else "",
                f.message,
                f.remediation or "",
                evidence,
                f.url or "",
            )
            writer.writerow([safe_cell(cell) for cell in row])


_STYLE = {
    "PASS": "green",
    "FAIL": "bold red",
    "AT_RISK": "yellow",
    "PENDING": "cyan",
    "NOT_APPLICABLE": "dim",
    "MANUAL": "magenta",
    "WAIVED": "blue",
    "ERROR": "bold magenta",
}


def _write_table(results: Iterable[TicketEvaluation], summary: RunSummary) -> None:
    from rich.table import Table

    console = Console()
    table = Table(title="ISO 10002 findings (needing attention)", show_lines=False)
    for column in ("Ticket", "Check", "Clause", "Status", "Due", "Message"):
        table.add_column(column, overflow="fold")
    flagged_tickets = set()
    for result in results:
        for f in result.findings:
            if f.status in (Status.PASS, Status.NOT_APPLICABLE, Status.PENDING):
                continue
            flagged_tickets.add(f.ticket)
            table.add_row(
                f.ticket,
                f.check,
                ", ".join(f.clauses),
                f"[{_STYLE[f.status.value]}]{f.status.value}[/]",
                f.due_at.strftime("%Y-%m-%d %H:%M") if f.due_at else "",
                f.message,
            )
    console.print(table)
    counts = ", ".join(
        f"{status} {summary.statuses[status]}" for status in _STYLE if summary.statuses[status]
    )
    future = f"; {summary.future} received after the as-of time" if summary.future else ""
    console.print(
        f"{summary.complaints} complaints checked "
        f"({summary.skipped - summary.future} tickets skipped: not complaints or duplicates{future}), "
        f"{len(flagged_tickets)} need attention. Findings: {counts or 'none'}.",
        highlight=False,
    )


@app.command()
def explain(
    ticket: Annotated[str, typer.Argument(help="Ticket key or id, e.g. CS-12 or 4711.")],
    platform: PlatformOption = None,
    inputs: InputOption = None,
    mapping: MappingOption = None,
    policy: PolicyOption = None,
    waivers: WaiversOption = None,
    as_of: AsOfOption = None,
    config: StoreConfigOption = Path("iso10002.yaml"),
    source: Annotated[str | None, typer.Option("--source", help="Store: the source name.")] = None,
) -> None:
    """Show one complaint's mapped record, timeline and each check's reasoning."""
    moment = _as_of(as_of)
    if not inputs:
        explain_store(config, ticket, moment, source)
        return
    platform = _need_platform(platform)
    if not is_ticket_id(platform.value, ticket):
        raise _fail(EXIT_INPUT, f"not a valid {platform.value} ticket id")
    evaluator = _file_configuration(platform, mapping, policy, waivers)
    results = evaluate_files(inputs, evaluator.mappings[platform.value], evaluator.policy, as_of=moment,
                             waivers=evaluator.waivers)
    try:
        explained = explain_ticket(Console(), results, ticket, evaluator.policy, moment)
    except InputError as exc:
        raise _fail(EXIT_INPUT, str(exc)) from None
    if explained is Explained.UNMAPPED:
        raise typer.Exit(EXIT_PARTIAL)
    if explained is Explained.ABSENT:
        raise _fail(EXIT_INPUT, f"ticket {ticket} is not in the input (or is not a complaint)")


@app.command("validate-config")
def validate_config(
    mapping: Annotated[list[Path] | None, typer.Option("--mapping", help="Mapping file; repeatable.")] = None,
    policy: Annotated[list[Path] | None, typer.Option("--policy", help="Policy file; repeatable.")] = None,
    waivers: Annotated[list[Path] | None, typer.Option("--waivers", help="Waivers file; repeatable.")] = None,
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", "-c", help="Connector config (iso10002.yaml) with the policy, waivers "
                     "and mappings it names; repeatable."),
    ] = None,
) -> None:
    """Validate config, mapping, policy and waiver files; report every error (default: shipped files)."""
    if not (mapping or policy or waivers or config):
        mapping = [default_mapping_path("jira"), default_mapping_path("zendesk")]
        policy = [BASELINE_POLICY]
    console = Console(soft_wrap=True)  # one problem per line, whatever the terminal width
    checks: list[tuple[Path, Callable[[Path], object]]] = []
    for path in config or ():
        checks += [(path, load_config), *_named_by(path)]
    checks += [(p, load_mapping) for p in mapping or ()]
    checks += [(p, load_policy) for p in policy or ()]
    checks += [(p, load_waivers) for p in waivers or ()]
    problems = 0
    for path, loader in checks:
        try:
            loader(path)
        except ConfigError as exc:
            problems += len(exc.issues)
            for issue in exc.issues:
                console.print(f"[red]✗[/red] {issue}", highlight=False, markup=True)
        else:
            console.print(f"[green]✓[/green] {path}", highlight=False)
    if problems:
        raise _fail(EXIT_CONFIG, f"{problems} problem(s) found")


def _named_by(config: Path) -> list[tuple[Path, Callable[[Path], object]]]:
    """The policy, waivers and mapping files a valid connector config names."""
    try:
        loaded = load_config(config)
    except ConfigError:
        return []  # reported by the config's own check
    named: list[tuple[Path, Callable[[Path], object]]] = [(loaded.policy or BASELINE_POLICY, load_policy)]
    if loaded.waivers:
        named.append((loaded.waivers, load_waivers))
    return named + [(source.mapping, load_mapping) for source in loaded.sources]


register_platform_commands(app)
register_report_commands(app)
register_store_commands(app)


#: Commands that stream many tickets once and then exit; never ``serve`` (a long-running
#: process whose collector is left as CPython sets it).
BATCH_COMMANDS = frozenset({"check", "explain", "report", "pull", "writeback", "sync", "run"})


def _command(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    """Console-script entry point."""
    if _command(sys.argv[1:]) in BATCH_COMMANDS:
        tune_gc_for_batch()
    app()
