"""``returns fca-return|asic-idr|cfpb``: regulator returns from export files, written as CSV.

Pure builders live in ``report_templates/returns``; this module only reads the inputs (through
the reports' offline loader) and writes the file. ``register_return_commands(app)`` adds the
group to a Typer app (not wired into ``connector/cli.py`` by this module).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from compliance_checks.configfile import ConfigError
from connector.inputs import InputError
from connector.reports.offline import OfflineSource, evaluate_snapshot, load_configuration
from report_templates.cells import safe_cell
from report_templates.returns import ReturnTable, asic_idr_rows, cfpb_rows, fca_return

EXIT_CONFIG, EXIT_INPUT = 2, 3
err = Console(stderr=True)


class ReturnKind(StrEnum):
    fca = "fca-return"
    asic = "asic-idr"
    cfpb = "cfpb"


def write_csv(table: ReturnTable, path: Path) -> None:
    """Header notes as ``#`` lines, then the table (cells guarded against formula injection)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for note in (table.title, *table.notes):
            handle.write(f"# {note}\n")
        writer = csv.DictWriter(handle, fieldnames=list(table.columns))
        writer.writeheader()
        for row in table.rows:
            writer.writerow({k: safe_cell("" if v is None else str(v)) for k, v in row.items()})


def _day(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=hint) from None


def regulator_return(
    kind: Annotated[ReturnKind, typer.Argument(help="fca-return, asic-idr or cfpb.")],
    platform: Annotated[str, typer.Option("--platform", help="jira or zendesk.")],
    inputs: Annotated[list[Path], typer.Option("--input", "-i", help="Export file; repeatable.")],
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period, inclusive.")],
    policy: Annotated[Path, typer.Option("--policy", help="Policy extending the regime's pack.")],
    mapping: Annotated[Path | None, typer.Option("--mapping", help="Mapping file.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate as of (ISO 8601).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="CSV file (default: ./<kind>-<to>.csv).")] = None,
) -> None:
    """Write a regulator return (CSV) for complaints in the period."""
    moment = datetime.fromisoformat(as_of) if as_of else datetime.now(UTC)
    first, last = _day(start, "--from"), _day(end, "--to")
    source = OfflineSource(platform, tuple(inputs), mapping, policy, None)
    try:
        loaded = load_configuration(source)
        snapshot = evaluate_snapshot(source, loaded, moment)
    except ConfigError as exc:
        err.print(f"[red]error:[/red] invalid configuration:\n{exc}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    records = list(snapshot.records)
    if kind is ReturnKind.fca:
        table = fca_return(records, loaded.policy, first, last)
    elif kind is ReturnKind.asic:
        table = asic_idr_rows(records, loaded.policy, first, last)
    else:
        table = cfpb_rows(records, snapshot.findings, loaded.policy, first, last)
    target = out or Path(f"{kind.value}-{last.isoformat()}.csv")
    write_csv(table, target)
    err.print(f"wrote {target}", highlight=False)


def register_return_commands(app: typer.Typer) -> None:
    app.command("return", help="Regulator returns: fca-return, asic-idr, cfpb (CSV).")(regulator_return)
