"""``iso10002 check``: payload files offline (``--input``), or the store (records the run);
findings as a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape

from compliance_checks.advice import advice
from compliance_checks.findings import FINDINGS_SCHEMA_VERSION, Finding, Status
from compliance_checks.model import Stage
from connector.checking import TicketEvaluation
from connector.cli.as_of import AsOfOption, as_of_or_now
from connector.cli.errors import err, fail, reported
from connector.cli.exit_codes import ExitCode
from connector.cli.options import (
    InputOption,
    MappingOption,
    PlatformOption,
    PolicyOption,
    StoreConfigOption,
    WaiversOption,
    file_configuration,
    need_platform,
)
from connector.cli.progress import Steps
from connector.cli.store import pipeline_for
from connector.files import RunSummary, evaluate_files
from connector.inputs import InputError
from report_templates.cells import safe_cell


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


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
    """Check complaints: payload files offline (--input), or the store (records the run)."""
    moment = as_of_or_now(as_of)
    if not inputs:
        check_store(config, moment if as_of else None,
                    lambda findings, at, zone: _write_findings(findings, at, zone, output_format), fail_on,
                    shown=output_format is Format.table)
        return
    platform = need_platform(platform)
    evaluator = file_configuration(platform, mapping, policy, waivers)
    summary = RunSummary()
    # Progress only beside the table: a JSON or CSV document is for scripts.
    with Steps(shown=output_format is Format.table) as display:
        results = evaluate_files(inputs, evaluator.mappings[platform.value], evaluator.policy, as_of=moment,
                                 waivers=evaluator.waivers, summary=summary)
        with reported(InputError):
            _write_results(display.counted(results, "checking tickets", last=True), summary, moment,
                           evaluator.policy.calendar.tz, output_format)
    for error in summary.mapping_errors:
        # Escaped: ids and field paths come from ticket content ("issues[0]" is not markup).
        err.print(f"[yellow]not mapped:[/yellow] {escape(str(error))}", highlight=False)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    if summary.tickets_seen == 0:
        raise fail(ExitCode.INPUT, "no tickets found in the input")
    if fail_on and any(summary.statuses.get(s.value) for s in fail_on):
        raise typer.Exit(ExitCode.FAIL_ON)
    if summary.mapping_errors:
        raise typer.Exit(ExitCode.PARTIAL)


def _write_findings(
    findings: Iterable[Finding], as_of: datetime, zone: ZoneInfo, output_format: Format
) -> None:
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

    _write_results(counted(), summary, as_of, zone, output_format)


def _write_results(
    results: Iterable[TicketEvaluation], summary: RunSummary, as_of: datetime, zone: ZoneInfo,
    output_format: Format,
) -> None:
    if output_format is Format.table:
        _write_table(results, summary, zone)
        return
    # A document is printed whole or not at all: an input error part-way through leaves stdout
    # empty (exit code and message on stderr), never a truncated document. Spooled to disk past
    # a few MiB, so a large export never sits in memory.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8",
                                       newline="") as spool:
        if output_format is Format.json:
            _write_json(results, as_of, spool)
        else:
            _write_csv(results, spool)
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout)


#: Bytes of a JSON/CSV document kept in memory before its spool moves to a temporary file.
SPOOL_IN_MEMORY = 8 * 1024 * 1024


def _write_json(results: Iterable[TicketEvaluation], as_of: datetime, out: IO[str]) -> None:
    # Streamed: one finding at a time, so a large export never sits in memory.
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


def _write_csv(results: Iterable[TicketEvaluation], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for result in results:
        closed = result.record is not None and result.record.stage is Stage.CLOSED
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
                advice(f, closed=closed) or "",
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


def _write_table(results: Iterable[TicketEvaluation], summary: RunSummary, zone: ZoneInfo) -> None:
    from rich.table import Table

    console = Console()
    table = Table(title="ISO 10002 findings (needing attention)", show_lines=False)
    # Due times in the policy's zone, as the messages beside them are, and labelled so.
    for column in ("Ticket", "Check", "Clause", "Status", f"Due ({zone.key})", "Message"):
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
                f"{f.due_at.astimezone(zone):%Y-%m-%d %H:%M %Z}" if f.due_at else "",
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


def check_store(config: Path, as_of: datetime | None,
                write: Callable[[Iterable[Finding], datetime, ZoneInfo], None],
                fail_on: list[Status] | None, *, shown: bool = True) -> None:
    """``iso10002 check`` without ``--input``: evaluate the store and record the run
    (``shown``: with progress on a terminal)."""
    # The findings go to a temporary file as tickets are evaluated and are printed from it
    # once the run is recorded: a big store's findings are never all in memory. Pickled (our
    # own file, read back by this process only) so each finding prints exactly as evaluated.
    with tempfile.TemporaryFile() as spool:
        def keep(_source: str, _ticket: str, findings: list[Finding]) -> None:
            pickle.dump(findings, spool, protocol=pickle.HIGHEST_PROTOCOL)

        with Steps(shown=shown) as display, pipeline_for(config, display=display) as pipeline:
            outcome = pipeline.check(as_of=as_of, on_findings=keep, tally=display.tally())
            zone = pipeline.evaluator.policy.calendar.tz
        spool.seek(0)
        write(_unspool(spool), outcome.as_of, zone)
    err.print(f"run {outcome.run_id}: {outcome.tickets} complaints evaluated, "
              f"{outcome.stored} findings recorded", highlight=False)
    for error in outcome.errors:
        err.print(f"[yellow]not mapped:[/yellow] {error}", highlight=False)
    for warning in outcome.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if fail_on and any(outcome.statuses.get(s.value) for s in fail_on):
        raise typer.Exit(ExitCode.FAIL_ON)
    if outcome.errors:
        raise typer.Exit(ExitCode.PARTIAL)


def _unspool(spool: IO[bytes]) -> Iterator[Finding]:
    while True:
        try:
            findings: list[Finding] = pickle.load(spool)  # noqa: S301 - written by check_store above
        except EOFError:
            return
        yield from findings
