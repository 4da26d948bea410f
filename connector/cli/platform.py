"""``iso10002 pull`` and ``iso10002 writeback``: the platform connectors on the command line.

Connection settings come from the config file (``--config``); secrets only from the
environment or a secrets file named there. Cursors are kept in a small state file
(``--state``), written only after a successful pull.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from compliance_checks.configfile import ConfigError
from compliance_checks.findings import Finding
from connector.cli.as_of import parse_moment
from connector.cli.errors import fail, reported
from connector.cli.exit_codes import ExitCode
from connector.cli.progress import Steps
from connector.cli.store import configure_logging, do_writeback, pipeline_for, writeback_mode
from connector.config import SourceConfig, load_config, pick_source
from connector.pipeline import require_secrets
from connector.platforms.base import JsonState
from connector.platforms.registry import platform_for
from connector.store.locks import LockHeld
from connector.tally import Tally

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Connector config file (YAML).")]
SourceOption = Annotated[str | None, typer.Option("--source", help="Source name when several match.")]


def _read_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(ExitCode.INPUT, f"{path}: cannot read the state file: {exc}") from None
    return data if isinstance(data, dict) else {}


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written cursor


def _load_findings(path: Path) -> list[Finding]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(ExitCode.INPUT, f"{path}: cannot read findings: {exc}") from None
    items = data.get("findings") if isinstance(data, dict) else data
    try:
        return TypeAdapter(list[Finding]).validate_python(items)
    except ValidationError as exc:
        raise fail(ExitCode.INPUT, f"{path}: not a findings document: {exc.errors()[0]['msg']}") from None


def pull(
    platform: Annotated[str, typer.Option("--platform", help="jira or zendesk.")],
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file of raw payloads.")],
    config: ConfigOption,
    source: SourceOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="First run: changes since (ISO 8601).")
    ] = None,
    state: Annotated[
        Path | None, typer.Option("--state", help="Cursor file, updated after success.")
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="Zendesk: only this ticket (audits).")
    ] = None,
) -> None:
    """Read complaint tickets with their history into a payload file for check --input."""
    with reported(ConfigError):
        chosen = pick_source(load_config(config), platform, source, str(config))
    since_at = parse_moment(since, "--since") if since else None
    cursors = _read_state(state)
    display = Steps()  # the payload goes to --out, the summary to stdout after the display
    configure_logging(display)  # before the display takes stderr over: logging keeps the real one
    try:
        with display:
            summary = _pull(chosen, out, since_at, cursors.get(chosen.name), ticket, display.tally())
    except (ValueError, RuntimeError, OSError) as exc:
        raise fail(ExitCode.PLATFORM, f"{chosen.name}: {exc}") from None
    if state is not None and summary.get("cursor"):
        cursors[chosen.name] = summary["cursor"]
        _write_state(state, cursors)
    typer.echo(json.dumps(summary, indent=2, default=str))


def writeback(
    config: Annotated[
        Path, typer.Option("--config", "-c", envvar="ISO10002_CONFIG", help="Config file (YAML).")
    ] = Path("iso10002.yaml"),
    platform: Annotated[
        str | None, typer.Option("--platform", help="jira or zendesk (with --findings).")
    ] = None,
    findings: Annotated[
        Path | None,
        typer.Option("--findings", help="Output of check --format json; default: the store."),
    ] = None,
    source: SourceOption = None,
    apply: Annotated[
        bool | None,
        typer.Option("--apply/--dry-run", help="Write to the helpdesk, or only print the plan."),
    ] = None,
) -> None:
    """Plan (default) or apply the write-back of findings: labels/tags and one internal note.

    Without --findings: the latest stored findings, journalled (--apply) so that a crash
    never duplicates a note; without a flag the config's writeback.mode decides.
    """
    if findings is None:
        _store_writeback(config, apply)
        return
    if platform is None:
        raise fail(ExitCode.CONFIG, "--findings needs --platform jira|zendesk")
    with reported(ConfigError):
        chosen = pick_source(load_config(config), platform, source, str(config))
    loaded = _load_findings(findings)
    try:
        report = _writeback(chosen, loaded, bool(apply))
    except (ValueError, RuntimeError, OSError) as exc:
        raise fail(ExitCode.PLATFORM, f"{chosen.name}: {exc}") from None
    typer.echo(json.dumps(report, indent=2, default=str))


def _store_writeback(config: Path, apply: bool | None) -> None:
    with Steps() as display, pipeline_for(config, display=display) as pipeline:
        mode = writeback_mode(pipeline, apply)
        if mode is not None:  # plan and apply both read the helpdesk
            with reported(ConfigError):
                require_secrets(pipeline.config, str(config))
        if mode == "apply":
            with reported(LockHeld):
                pipeline.lock_sources()  # one writer per source
        summary = do_writeback(pipeline, mode, show_plans=mode == "plan", display=display)
    typer.echo(json.dumps(summary, indent=2, default=str))
    if summary.get("errors"):
        raise typer.Exit(ExitCode.PLATFORM)


def _pull(source: SourceConfig, out: Path, since: datetime | None, cursor: JsonState,
          ticket: str | None, tally: Tally | None) -> dict[str, Any]:
    chosen = platform_for(source.platform)
    return chosen.pull(source, out, since=since, cursor=cursor, ticket=ticket, tally=tally).to_json()


def _writeback(source: SourceConfig, findings: list[Finding], apply: bool) -> dict[str, Any]:
    return platform_for(source.platform).writeback(source, findings, apply=apply).to_json()
