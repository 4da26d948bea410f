"""Store-backed commands: ``init``, ``sync``, ``run``, ``status``, ``verify-store``, ``serve``,
and the store modes of ``check``, ``explain`` and ``writeback`` (when no file is given)."""

from __future__ import annotations

import json
import logging
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console

from compliance_checks.configfile import ConfigError
from compliance_checks.findings import Finding, Status
from connector.bundles import DocumentBundle
from connector.checking import Checker
from connector.pipeline import MissingSecret, Pipeline, open_pipeline
from connector.platforms.registry import names
from connector.starter import starter_config
from connector.store import StoreBusy, StoreError
from connector.store.journal import counts_by_state, open_entries
from connector.store.locks import LockHeld
from connector.store.models import SourceRow
from connector.store.runs import last_runs, latest_findings, verify_chain
from connector.store.tickets import bundle_documents, find_ticket, latest_snapshot
from connector.sync import Progress
from connector.ticket_ids import is_ticket_id
from connector.writeback_journal import Mode
from mappings.values import SUPPORTED_RANGE, in_supported_range

EXIT_OK, EXIT_FAIL_ON, EXIT_CONFIG, EXIT_INPUT, EXIT_PARTIAL, EXIT_PLATFORM = 0, 1, 2, 3, 4, 5
#: ``verify-store`` found an edited or broken history.
EXIT_TAMPERED = 6

err = Console(stderr=True)
log = logging.getLogger("iso10002")

StoreConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="ISO10002_CONFIG", help="Config file (YAML)."),
]


def fail(code: int, message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def pipeline_for(config: Path, *, lock: bool = False, secrets: bool = False,
                 serving: bool = False) -> Iterator[Pipeline]:
    """Open the pipeline, mapping config/store problems to exit codes.

    ``secrets``: the command talks to the platforms, so their secrets must be set.
    """
    try:
        pipeline = open_pipeline(config, need_secrets=secrets, serving=serving)
    except MissingSecret as exc:
        raise fail(EXIT_CONFIG, str(exc)) from None  # one line per variable
    except ConfigError as exc:
        raise fail(EXIT_CONFIG, f"invalid configuration:\n{exc}") from None
    except StoreBusy as exc:
        raise fail(EXIT_PLATFORM, str(exc)) from None
    except StoreError as exc:
        raise fail(EXIT_CONFIG, str(exc)) from None
    try:
        if lock:
            try:
                pipeline.lock_sources()
            except LockHeld as exc:
                raise fail(EXIT_PLATFORM, str(exc)) from None
        yield pipeline
    finally:
        pipeline.close()


def configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )


@contextmanager
def sync_progress() -> Iterator[Callable[[str], Progress | None]]:
    """A rich progress bar on a terminal; plain log lines (every 10 pages) otherwise."""
    if err.is_terminal:
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        with Bar(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                 console=err, transient=True) as bar:

            def for_source(name: str) -> Progress:
                task = bar.add_task(f"sync {name}", total=None)
                return lambda pages, tickets: bar.update(
                    task, description=f"sync {name}: {pages} pages, {tickets} tickets")

            yield for_source
        return

    def plain(name: str) -> Progress:
        def report(pages: int, tickets: int) -> None:
            if pages % 10 == 0:
                log.info("sync source=%s pages=%d tickets=%d", name, pages, tickets)
        return report

    yield plain


def do_sync(pipeline: Pipeline, *, full: bool = False) -> dict[str, Any]:
    with sync_progress() as progress:
        outcomes, errors = pipeline.sync(full=full, progress=progress)
    return {
        "synced": [o.as_json() for o in outcomes],
        "errors": [e.__dict__ for e in errors],
    }


def writeback_mode(pipeline: Pipeline, apply: bool | None) -> Mode | None:
    if apply is not None:
        return "apply" if apply else "plan"
    mode = pipeline.config.writeback.mode
    return None if mode == "off" else mode


def do_writeback(pipeline: Pipeline, mode: Mode | None, *, show_plans: bool) -> dict[str, Any]:
    if mode is None:
        return {"mode": "off"}
    outcomes, errors = pipeline.writeback(mode)
    out = []
    for o in outcomes:
        doc = o.as_json()
        if not show_plans:
            doc["plans"] = len(o.plans)
        out.append(doc)
    return {"mode": mode, "sources": out, "errors": [e.__dict__ for e in errors]}


def parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
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


def check_store(config: Path, as_of: datetime | None, write: Callable[[Iterable[Finding], datetime], None],
                fail_on: list[Status] | None) -> None:
    """``iso10002 check`` without ``--input``: evaluate the store and record the run."""
    # The findings go to a temporary file as tickets are evaluated and are printed from it
    # once the run is recorded: a big store's findings are never all in memory. Pickled (our
    # own file, read back by this process only) so each finding prints exactly as evaluated.
    with tempfile.TemporaryFile() as spool:
        def keep(_source: str, _ticket: str, findings: list[Finding]) -> None:
            pickle.dump(findings, spool, protocol=pickle.HIGHEST_PROTOCOL)

        with pipeline_for(config) as pipeline:
            outcome = pipeline.check(as_of=as_of, on_findings=keep)
        spool.seek(0)
        write(_unspool(spool), outcome.as_of)
    err.print(f"run {outcome.run_id}: {outcome.tickets} complaints evaluated, "
              f"{outcome.stored} findings recorded", highlight=False)
    for error in outcome.errors:
        err.print(f"[yellow]not mapped:[/yellow] {error}", highlight=False)
    for warning in outcome.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if fail_on and any(outcome.statuses.get(s.value) for s in fail_on):
        raise typer.Exit(EXIT_FAIL_ON)
    if outcome.errors:
        raise typer.Exit(EXIT_PARTIAL)


def _unspool(spool: IO[bytes]) -> Iterator[Finding]:
    while True:
        try:
            findings: list[Finding] = pickle.load(spool)  # noqa: S301 - written by check_store above
        except EOFError:
            return
        yield from findings


def explain_store(config: Path, ticket: str, as_of: datetime, source: str | None) -> None:
    """``iso10002 explain TICKET`` without ``--input``: from the stored version as of the time."""
    from connector.explain import Explained, explain_ticket

    with pipeline_for(config) as pipeline:
        names = [s.name for s in pipeline.sources if (source is None or s.name == source)
                 and is_ticket_id(s.platform, ticket)]
        if not names and any(source is None or s.name == source for s in pipeline.sources):
            raise fail(EXIT_INPUT, "not a valid ticket id: Jira ISSUE-KEY or issue id, Zendesk ticket number")
        with pipeline.store.session() as session:
            found = [(n, find_ticket(session, n, ticket)) for n in names]
            hits = [(n, row) for n, row in found if row is not None]
            if not hits:
                raise fail(EXIT_INPUT, f"ticket {ticket} is not in the store")
            name, row = hits[0]
            snapshot = latest_snapshot(session, row.id, as_of)
            if snapshot is None:
                raise fail(EXIT_INPUT, f"ticket {ticket} did not exist yet at {as_of.isoformat()}")
            documents = bundle_documents(snapshot)
            key = row.ticket
        evaluator = pipeline.evaluator
        # The stored version goes through the same core as a check of the store.
        checker = Checker(evaluator.policy, as_of, evaluator.waivers)
        bundle = DocumentBundle(evaluator.mappings[name].spec, documents, as_of)
        results = (result for _key, result in checker.run([(key, bundle)]))
        explained = explain_ticket(Console(), results, key, evaluator.policy, as_of)
        if explained is Explained.UNMAPPED:
            raise typer.Exit(EXIT_PARTIAL)
        if explained is Explained.ABSENT:
            raise fail(EXIT_INPUT, f"ticket {ticket} is not a complaint (by the mapping)")


def latest_stored_findings(pipeline: Pipeline) -> list[Finding]:
    with pipeline.store.session() as session:
        latest = latest_findings(session)
    return [Finding.model_validate(p) for _key, (_run, ps) in sorted(latest.items()) for p in ps]


def register_store_commands(app: typer.Typer) -> None:
    """Add the store-backed commands to ``app``."""

    @app.command()
    def init(
        platform: Annotated[str, typer.Option("--platform", help="jira or zendesk.")],
        out: Annotated[Path, typer.Option("--out", help="Where to write it.")] = Path("iso10002.yaml"),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented starter config for Jira or Zendesk."""
        if platform not in names():
            raise fail(EXIT_CONFIG, f"--platform must be one of {', '.join(names())}")
        if out.exists() and not force:
            raise fail(EXIT_CONFIG, f"{out} exists (use --force to overwrite)")
        out.write_text(starter_config(platform), encoding="utf-8")
        typer.echo(f"wrote {out}; fill in the source, then run: iso10002 sync -c {out}")

    @app.command()
    def sync(
        config: StoreConfigOption = Path("iso10002.yaml"),
        full: Annotated[bool, typer.Option("--full", help="Full reconciliation (deletions, drift).")] = False,
    ) -> None:
        """Pull changes from every source into the store (cursor committed only after success)."""
        configure_logging()
        with pipeline_for(config, lock=True, secrets=True) as pipeline:
            summary = do_sync(pipeline, full=full)
        typer.echo(json.dumps(summary, indent=2, default=str))
        if summary["errors"]:
            raise typer.Exit(EXIT_PLATFORM)

    @app.command()
    def run(
        config: StoreConfigOption = Path("iso10002.yaml"),
        apply: Annotated[bool | None, typer.Option(
            "--apply/--dry-run", help="Override the config's write-back mode.")] = None,
    ) -> None:
        """Sync, check and write back once."""
        configure_logging()
        with pipeline_for(config, lock=True, secrets=True) as pipeline:
            summary = do_sync(pipeline)
            outcome = pipeline.check(kind="run")
            summary["check"] = {"run": outcome.run_id, "as_of": outcome.as_of.isoformat(),
                                "tickets": outcome.tickets, "statuses": dict(outcome.statuses),
                                "errors": outcome.errors}
            summary["writeback"] = do_writeback(pipeline, writeback_mode(pipeline, apply),
                                                show_plans=False)
        typer.echo(json.dumps(summary, indent=2, default=str))
        if summary["errors"] or summary["writeback"].get("errors"):
            raise typer.Exit(EXIT_PLATFORM)

    @app.command()
    def status(config: StoreConfigOption = Path("iso10002.yaml")) -> None:
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
        typer.echo(json.dumps(doc, indent=2))

    @app.command("verify-store")
    def verify_store(config: StoreConfigOption = Path("iso10002.yaml")) -> None:
        """Recompute every run's hash and the chain: proves the history was not edited."""
        with pipeline_for(config) as pipeline, pipeline.store.session() as session:
            count, problems = verify_chain(session)
        for problem in problems:
            err.print(f"[red]✗[/red] {problem}", highlight=False)
        if problems:
            raise fail(EXIT_TAMPERED, f"{len(problems)} problem(s) in {count} runs: the history was altered")
        typer.echo(f"ok: {count} runs, hash chain intact")

    @app.command()
    def serve(config: StoreConfigOption = Path("iso10002.yaml")) -> None:
        """Run the service: scheduled sync/check/write-back plus webhooks, API and metrics."""
        from connector.service.main import serve_forever

        configure_logging()
        with pipeline_for(config, lock=True, secrets=True, serving=True) as pipeline:
            code = serve_forever(pipeline)
        raise typer.Exit(code)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
