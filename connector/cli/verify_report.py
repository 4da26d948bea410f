"""``iso10002 verify-report FILE``: recompute an audit report's content hash from its data.

The report names its as-of time, period, sample seed and size and whether it was redacted; the
audit view is rebuilt from the store of ``--config`` (or from ``--input`` export files with the
same mapping, policy and waivers) with those options, and compared with the file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from connector.cli.errors import fail
from connector.cli.exit_codes import ExitCode
from connector.cli.options import StoreConfigOption
from connector.cli.progress import ReportProgress
from connector.cli.report import _from_files, _from_store
from report_templates.input import ReportOptions
from report_templates.verify import SHOWN, NotAnAuditReport, Verdict, compare, read_claim

out = Console()

HELP = """Check an audit report (JSON or HTML) against its data: rebuild it from the store of
--config (or from the export files given with --platform/--input, and the same --mapping,
--policy, --waivers) as of the report's as-of time, for its period, sample seed and size and
redaction, and compare. Says MATCH (exit 0) or MISMATCH with the sections, rows or page lines
that differ (exit 6); exit 3 when FILE is not an audit report or the data cannot be read."""


def verify_report(
    file: Annotated[
        Path, typer.Argument(help="The audit report: audit-<day>.json or .html.", show_default=False)
    ],
    config: StoreConfigOption = Path("iso10002.yaml"),
    platform: Annotated[
        str | None, typer.Option("--platform", help="jira or zendesk (with --input).")
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input", "-i", help="Export file the report was built from; repeatable. Without it: the store."
        ),
    ] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="Mapping file (with --input).")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy file (with --input).")] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waivers file (with --input).")] = None,
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="The template directory the HTML report was rendered with."),
    ] = None,
) -> None:
    try:
        claim = read_claim(file)
    except NotAnAuditReport as exc:
        raise fail(ExitCode.INPUT, str(exc)) from None
    options = ReportOptions(
        sample_seed=claim.sample_seed, sample_size=claim.sample_size, redact=claim.redacted
    )
    window = (claim.period_start.isoformat(), claim.period_end.isoformat())
    with ReportProgress() as progress:
        if inputs:
            data, _summary = _from_files(
                platform, inputs, (mapping, policy, waivers), window, claim.as_of, options, False
            )
        else:
            refused = "cannot verify the report"
            data, configured = _from_store(config, window, claim.as_of, options, False, refused,
                                               display=progress)
            templates = templates or configured
        data = replace(data, options=replace(data.options, redact=claim.redacted),
                       current=progress.count(data.current))
        from report_templates.render import build_view
        from report_templates.views.audit import AuditView

        expected = build_view("audit", data)
    if not isinstance(expected, AuditView):  # pragma: no cover - the audit kind builds an AuditView
        raise TypeError("the audit kind built another view")
    verdict = compare(claim, expected, templates_dir=str(templates) if templates else None)
    _tell(verdict, file)
    if not verdict.matches:
        raise typer.Exit(ExitCode.TAMPERED)


def _tell(verdict: Verdict, file: Path) -> None:
    name = escape(str(file))
    if verdict.matches:
        out.print(f"[green]MATCH[/green] {name}: sha256:{verdict.expected_hash}", highlight=False)
        return
    out.print(f"[bold red]MISMATCH[/bold red] {name}", highlight=False)
    out.print(f"  report says  sha256:{escape(verdict.claimed_hash)}", highlight=False)
    out.print(f"  data gives   sha256:{verdict.expected_hash}", highlight=False)
    if not verdict.self_consistent:
        out.print("  the file's own contents do not give the hash it states: it was edited after writing")
    for line in verdict.differences[:SHOWN]:
        out.print(f"  {escape(line)}", highlight=False)
    if len(verdict.differences) > SHOWN:
        out.print(f"  ... and {len(verdict.differences) - SHOWN} more differences")
