"""Store-backed commands: ``sync``, ``run``, ``status``, ``verify-store``, ``serve``; and the
pipeline they (and the store modes of ``check``, ``explain``, ``writeback``, ``report``) open."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from compliance_checks.configfile import ConfigError
from compliance_checks.findings import Finding
from connector.cli.errors import err, fail, reported
from connector.cli.exit_codes import ExitCode
from connector.cli.human import FormatOption, OutputFormat, print_run, print_status, print_sync
from connector.cli.options import StoreConfigOption
from connector.cli.progress import Steps
from connector.pipeline import Pipeline, open_pipeline
from connector.store import StoreError
from connector.store.journal import counts_by_state, open_entries
from connector.store.locks import LockHeld
from connector.store.models import SourceRow
from connector.store.runs import last_runs, verify_chain
from connector.sync import Progress
from connector.writeback_journal import Mode

log = logging.getLogger("iso10002")


@contextmanager
def pipeline_for(config: Path, *, lock: bool = False, secrets: bool = False,
                 serving: bool = False, display: Steps | None = None) -> Iterator[Pipeline]:
    """Open the pipeline, mapping config/store problems to exit codes.

    ``secrets``: the command talks to the platforms, so their secrets must be set.
    ``display``: where opening shows (it migrates a store written by an older release).
    """
    with reported(ConfigError, StoreError), (display or Steps(shown=False)).step("opening the store"):
        pipeline = open_pipeline(config, need_secrets=secrets, serving=serving)
    try:
        if lock:
            with reported(LockHeld):
                pipeline.lock_sources()
        yield pipeline
    finally:
        pipeline.close()


def configure_logging(display: Steps | None = None) -> None:
    """Log lines on stderr: from INFO (each step, each migration) for a log file or the service;
    from WARNING while ``display`` shows the steps on a terminal (it says the same, readably).
    Call it before entering ``display``: while shown, ``sys.stderr`` is rich's proxy."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.WARNING if display is not None and display.shown else logging.INFO,
            stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )


def _counted(n: int, noun: str) -> str:
    """``1 ticket``, ``2,000 tickets``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def sync_progress(display: Steps) -> Callable[[str], Progress]:
    """Per source: its line in ``display`` when shown; plain log lines (every 10 pages) otherwise."""
    if display.shown:
        def for_source(name: str) -> Progress:
            return lambda pages, tickets: display.note(
                f"sync {name}", f"{_counted(tickets, 'ticket')}, {_counted(pages, 'page')}"
            )

        return for_source

    def plain(name: str) -> Progress:
        def report(pages: int, tickets: int) -> None:
            if pages % 10 == 0:
                log.info("sync source=%s pages=%d tickets=%d", name, pages, tickets)
        return report

    return plain


def do_sync(pipeline: Pipeline, display: Steps, *, full: bool = False) -> dict[str, Any]:
    outcomes, errors = pipeline.sync(full=full, progress=sync_progress(display))
    return {
        "synced": [o.as_json() for o in outcomes],
        "errors": [e.__dict__ for e in errors],
    }


def writeback_mode(pipeline: Pipeline, apply: bool | None) -> Mode | None:
    if apply is not None:
        return "apply" if apply else "plan"
    mode = pipeline.config.writeback.mode
    return None if mode == "off" else mode


def do_writeback(pipeline: Pipeline, mode: Mode | None, *, show_plans: bool,
                 unrecorded: Mapping[tuple[str, str], list[Finding]] | None = None,
                 display: Steps | None = None) -> dict[str, Any]:
    if mode is None:
        return {"mode": "off"}
    outcomes, errors = pipeline.writeback(mode, unrecorded=unrecorded,
                                          tally=display.tally() if display else None)
    out = []
    for o in outcomes:
        doc = o.as_json()
        if not show_plans:
            doc["plans"] = len(o.plans)
        out.append(doc)
    return {"mode": mode, "sources": out, "errors": [e.__dict__ for e in errors]}


def sync(
    config: StoreConfigOption = Path("iso10002.yaml"),
    full: Annotated[bool, typer.Option("--full", help="Full reconciliation (deletions, drift).")] = False,
    output_format: FormatOption = OutputFormat.table,
) -> None:
    """Pull changes from every source into the store (cursor committed only after success)."""
    display = Steps(shown=output_format is OutputFormat.table)
    configure_logging(display)  # before the display takes stderr over: logging keeps the real one
    with display, pipeline_for(config, lock=True, secrets=True, display=display) as pipeline:
        summary = do_sync(pipeline, display, full=full)
    _print(summary, output_format, print_sync)
    if summary["errors"]:
        raise typer.Exit(ExitCode.PLATFORM)

def run(
    config: StoreConfigOption = Path("iso10002.yaml"),
    apply: Annotated[bool | None, typer.Option(
        "--apply/--dry-run",
        help="Override the config's write-back mode (--dry-run: nothing recorded or written).")] = None,
    output_format: FormatOption = OutputFormat.table,
) -> None:
    """Sync, check and write back once.

    --dry-run: the check is not recorded in the history (its run is 0), nothing is journalled
    and nothing written; the plan is what --apply would write now.
    """
    dry_run = apply is False
    display = Steps(shown=output_format is OutputFormat.table)
    configure_logging(display)  # before the display takes stderr over: logging keeps the real one
    with display, pipeline_for(config, lock=True, secrets=True, display=display) as pipeline:
        summary = do_sync(pipeline, display)
        outcome = pipeline.check(kind="run", record="none" if dry_run else "all", keep_findings=dry_run,
                                 tally=display.tally())
        summary["check"] = {"run": outcome.run_id, "as_of": outcome.as_of.isoformat(),
                            "tickets": outcome.tickets, "statuses": dict(outcome.statuses),
                            "errors": outcome.errors}
        summary["writeback"] = do_writeback(
            pipeline, writeback_mode(pipeline, apply), show_plans=False,
            unrecorded=outcome.findings if dry_run else None, display=display)
    _print(summary, output_format, print_run)
    if summary["errors"] or summary["writeback"].get("errors"):
        raise typer.Exit(ExitCode.PLATFORM)

def status(
    config: StoreConfigOption = Path("iso10002.yaml"), output_format: FormatOption = OutputFormat.table
) -> None:
    """Last runs, cursor positions, pending write-backs and errors."""
    with pipeline_for(config) as pipeline, pipeline.store.session() as session:
        sources = {row.name: row for row in session.query(SourceRow)}
        doc: dict[str, Any] = {
            "sources": [
                {
                    "name": s.name, "platform": s.platform,
                    "cursor_at": _iso(sources[s.name].cursor_at) if s.name in sources else None,
                    "last_success_at": (
                        _iso(sources[s.name].last_success_at) if s.name in sources else None),
                    "last_error": sources[s.name].last_error if s.name in sources else None,
                    "last_error_at": _iso(sources[s.name].last_error_at) if s.name in sources else None,
                }
                for s in pipeline.sources
            ],
            "runs": [
                {"id": r.id, "kind": r.kind, "started_at": _iso(r.started_at), "as_of": _iso(r.as_of),
                 "tickets": r.tickets, "errors": len(json.loads(r.errors))}
                for r in last_runs(session)
            ],
            "writeback": {
                "journal": counts_by_state(session),
                "pending": [{"source": e.source, "ticket": e.ticket, "state": e.state, "error": e.error}
                            for e in open_entries(session)][:50],
            },
        }
    _print(doc, output_format, print_status, default=None)

def verify_store(config: StoreConfigOption = Path("iso10002.yaml")) -> None:
    """Recompute every run's hash and the chain: proves the history was not edited."""
    with Steps() as display, pipeline_for(config, display=display) as pipeline, \
            pipeline.store.session() as session:
        count, problems = verify_chain(session, tally=display.tally())
    for problem in problems:
        err.print(f"[red]✗[/red] {problem}", highlight=False)
    if problems:
        raise fail(ExitCode.TAMPERED, f"{len(problems)} problem(s) in {count} runs: the history was altered")
    typer.echo(f"ok: {count} runs, hash chain intact")

def serve(config: StoreConfigOption = Path("iso10002.yaml")) -> None:
    """Run the service: scheduled sync/check/write-back plus webhooks, API and metrics."""
    from connector.service.main import serve_forever

    configure_logging()
    with pipeline_for(config, lock=True, secrets=True, serving=True) as pipeline:
        code = serve_forever(pipeline)
    raise typer.Exit(code)


def _print(doc: dict[str, Any], output_format: OutputFormat, human: Callable[[dict[str, Any], Console], None],
           default: Callable[[Any], str] | None = str) -> None:
    """``doc`` as JSON (as it always was), or as tables for people."""
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(doc, indent=2, default=default))
    else:
        human(doc, Console(soft_wrap=False))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
