"""The ``iso10002`` command line: one module per command group, the exit codes
(:mod:`connector.cli.exit_codes`), error printing (:mod:`connector.cli.errors`) and ``--as-of``
parsing (:mod:`connector.cli.as_of`) each defined once.

Without ``--input``, ``check``, ``explain`` and ``report`` read the store named by ``--config``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from connector.cli import check, config, explain, platform, report, store, verify_report
from connector.gc_tuning import tune_gc_for_batch

__all__ = ["app", "main"]

app = typer.Typer(
    name="iso10002",
    help="Check helpdesk complaints against ISO 10002:2018 and your policy.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(check.check)
app.command()(explain.explain)
app.command("validate-config")(config.validate_config)
app.command()(platform.pull)
app.command()(platform.writeback)
app.command("report", help=report.HELP)(report.report)
app.command()(config.init)
app.command()(store.sync)
app.command()(store.run)
app.command()(store.status)
app.command("verify-store")(store.verify_store)
app.command("verify-report", help=verify_report.HELP)(verify_report.verify_report)
app.command()(store.serve)


#: Commands that map and check many tickets in one go: worth tuning the collector for (never
#: ``serve``, which must not pause collection while it answers requests).
BATCH_COMMANDS = frozenset(
    {"check", "explain", "report", "verify-report", "pull", "writeback", "sync", "run"}
)


def _command(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    """Console-script entry point."""
    if _command(sys.argv[1:]) in BATCH_COMMANDS:
        tune_gc_for_batch()
    app()
