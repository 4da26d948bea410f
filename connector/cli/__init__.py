"""The ``iso10002`` command line: one module per command group, the exit codes
(:mod:`connector.cli.exit_codes`), error printing (:mod:`connector.cli.errors`) and ``--as-of``
parsing (:mod:`connector.cli.as_of`) each defined once.

Without ``--input``, ``check``, ``explain`` and ``report`` read the store named by ``--config``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from connector.cli import check, config, explain, platform, report, store, ui, verify_report
from connector.cli.exit_codes import ExitCode
from connector.cli.help import PlainHelpCommand, PlainHelpGroup
from connector.gc_tuning import tune_gc_for_batch
from connector.remap import package_version

__all__ = ["app", "main"]

app = typer.Typer(
    name="iso10002",
    help="Check helpdesk complaints against ISO 10002:2018 and your policy.",
    no_args_is_help=True,
    add_completion=False,
    cls=PlainHelpGroup,
)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"iso10002 {package_version()}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Check helpdesk complaints against ISO 10002:2018 and your policy."""


def _command(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., None]], Any]:
    return app.command(name, cls=PlainHelpCommand, **kwargs)


_command()(check.check)
_command()(explain.explain)
_command("validate-config")(config.validate_config)
_command()(platform.pull)
_command()(platform.writeback)
_command("report", help=report.HELP)(report.report)
_command()(config.init)
_command()(store.sync)
_command()(store.run)
_command()(store.status)
_command("verify-store")(store.verify_store)
_command("verify-report", help=verify_report.HELP)(verify_report.verify_report)
_command()(store.serve)
_command("hash-password")(ui.hash_password)


#: Commands that map and check many tickets in one go: worth tuning the collector for (never
#: ``serve``, which must not pause collection while it answers requests).
BATCH_COMMANDS = frozenset(
    {"check", "explain", "report", "verify-report", "pull", "writeback", "sync", "run"}
)


def _command_of(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main() -> None:
    """Console-script entry point."""
    if _command_of(sys.argv[1:]) in BATCH_COMMANDS:
        tune_gc_for_batch()
    app()
