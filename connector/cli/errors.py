"""One way to stop a command on an error: one line on stderr, a documented exit code, no
traceback; the known exception types map to their exit codes here only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from compliance_checks.configfile import ConfigError
from connector.cli.exit_codes import ExitCode
from connector.inputs import InputError
from connector.pipeline import MissingSecret
from connector.store import StoreBusy, StoreError
from connector.store.locks import LockHeld
from connector.store.runs import StoreTampered

err = Console(stderr=True)

#: Most specific first: the first matching type gives the code.
_CODES: tuple[tuple[type[Exception], ExitCode], ...] = (
    (MissingSecret, ExitCode.CONFIG),
    (ConfigError, ExitCode.CONFIG),
    (InputError, ExitCode.INPUT),
    (StoreTampered, ExitCode.TAMPERED),
    (StoreBusy, ExitCode.PLATFORM),
    (LockHeld, ExitCode.PLATFORM),
    (StoreError, ExitCode.CONFIG),
)
#: The exception types :func:`reported` turns into an exit code.
KNOWN: tuple[type[Exception], ...] = tuple(kind for kind, _code in _CODES)


def fail(code: ExitCode, message: str) -> typer.Exit:
    """Print ``error: message`` (markup escaped: messages quote ticket content) and return the
    exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def exit_code(exc: Exception) -> ExitCode:
    """The exit code for a known exception type (anything else is a bug, not a user error)."""
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    raise TypeError(f"no exit code for {type(exc).__name__}") from exc


def message(exc: Exception) -> str:
    """The line printed for ``exc``; a config file's problems follow a heading, one per line."""
    if isinstance(exc, ConfigError) and not isinstance(exc, MissingSecret):
        return f"invalid configuration:\n{exc}"
    return str(exc)


@contextmanager
def reported(*kinds: type[Exception], prefix: str = "") -> Iterator[None]:
    """Turn the known exceptions ``kinds`` (default: all of them) raised inside into :func:`fail`."""
    caught = kinds or KNOWN
    try:
        yield
    except caught as exc:
        raise fail(exit_code(exc), prefix + message(exc)) from None
