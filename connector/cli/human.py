"""What ``run`` and ``status`` print by default: rich tables made from the same summary
document ``--format json`` prints (so the two never say different things)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="table (for people) or json (for scripts: keys never drop or move)."),
]


#: Columns of counts (right-aligned); the others are names and times.
_COUNTS = {"tickets", "new versions", "deleted", "pages", "API calls", "quarantined", "to write", "written",
           "unchanged", "skipped", "failed", "run", "not mapped"}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in _COUNTS else "left", overflow="fold")
    return table


def _when(value: str | None, missing: str = "") -> str:
    """An ISO time from the document, to the minute in UTC (the JSON keeps it exact)."""
    if not value:
        return missing
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _errors(console: Console, errors: list[dict[str, Any]]) -> None:
    for error in errors:
        # Escaped: messages quote what the helpdesk answered.
        console.print(f"[red]error:[/red] {escape(str(error['source']))} {escape(str(error['step']))}: "
                      f"{escape(str(error['message']))}", highlight=False, soft_wrap=True)


def print_sync(summary: dict[str, Any], console: Console) -> None:
    """The ``sync`` summary: one row per source, then any source's error."""
    _print_synced(summary, console)
    _errors(console, summary["errors"])


def print_run(summary: dict[str, Any], console: Console) -> None:
    """The ``run`` summary: sync per source, the check, write-back per source."""
    _print_synced(summary, console)
    _print_check_and_writeback(summary, console)
    _errors(console, summary["errors"])


def _print_synced(summary: dict[str, Any], console: Console) -> None:
    synced = _table("Sync", "source", "tickets", "new versions", "deleted", "pages", "API calls",
                    "quarantined")
    for s in summary["synced"]:
        synced.add_row(escape(s["source"]), f"{s['tickets']:,}", f"{s['new_versions']:,}",
                       f"{s['deleted']:,}", f"{s['pages']:,}", f"{s['api_calls']:,}",
                       f"{len(s['quarantined']):,}")
    console.print(synced)


def _print_check_and_writeback(summary: dict[str, Any], console: Console) -> None:
    check = summary["check"]
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(check["statuses"].items())) or "none"
    recorded = f"run {check['run']}" if check["run"] else "not recorded (dry run)"
    console.print(f"Check ({recorded}, as of {_when(check['as_of'])}): {check['tickets']:,} complaints "
                  f"evaluated; findings: {statuses}", highlight=False)
    for error in check["errors"]:
        console.print(f"[yellow]not mapped:[/yellow] {escape(str(error))}", highlight=False, soft_wrap=True)
    writeback = summary["writeback"]
    if writeback["mode"] == "off":
        console.print("Write-back: off", highlight=False)
    else:
        written = _table(f"Write-back ({writeback['mode']})", "source", "to write", "written", "unchanged",
                         "skipped", "failed")
        for s in writeback["sources"]:
            written.add_row(escape(s["source"]), f"{s['candidates']:,}", f"{s['written']:,}",
                            f"{s['unchanged']:,}", f"{s['skipped']:,}", f"{s['failed']:,}")
        console.print(written)
        if any(s["skipped"] for s in writeback["sources"]):
            console.print("skipped: tickets the helpdesk takes no update to (closed or deleted); "
                          "their findings are in the reports", highlight=False, soft_wrap=True)
        for s in writeback["sources"]:
            for warning in s["warnings"]:
                console.print(f"[yellow]warning:[/yellow] {escape(s['source'])}: {escape(warning)}",
                              highlight=False, soft_wrap=True)
        _errors(console, writeback["errors"])


def print_status(doc: dict[str, Any], console: Console) -> None:
    """The ``status`` document: sources, last runs, the write-back journal."""
    sources = _table("Sources", "source", "platform", "synced up to", "last success", "last error")
    for s in doc["sources"]:
        error = f"{_when(s['last_error_at'])}: {s['last_error']}" if s["last_error"] else ""
        sources.add_row(escape(s["name"]), s["platform"], _when(s["cursor_at"], "never"),
                        _when(s["last_success_at"], "never"), escape(error))
    console.print(sources)
    runs = _table("Last runs", "run", "kind", "started", "as of", "tickets", "not mapped")
    for r in doc["runs"]:
        runs.add_row(str(r["id"]), r["kind"], _when(r["started_at"]), _when(r["as_of"]), f"{r['tickets']:,}",
                     f"{r['errors']:,}")
    console.print(runs if doc["runs"] else "No runs yet.")
    journal = doc["writeback"]["journal"]
    counts = ", ".join(f"{state} {count:,}" for state, count in sorted(journal.items())) or "empty"
    console.print(f"Write-back journal: {counts}", highlight=False)
    pending = doc["writeback"]["pending"]
    if pending:
        table = _table("Pending write-backs (first 50)", "source", "ticket", "state", "error")
        for e in pending:
            table.add_row(escape(e["source"]), escape(e["ticket"]), e["state"], escape(e["error"] or ""))
        console.print(table)
