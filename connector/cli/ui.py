"""``iso10002 hash-password``: the argon2 hash to put under ``ui.users`` (the password itself
never goes in the config file)."""

from __future__ import annotations

import getpass
import sys

import typer

from connector.cli.exit_codes import ExitCode
from connector.service.ui_auth import hash_password as argon2_hash

MIN_LENGTH = 12


def _read_password() -> str:
    """From the terminal (not echoed, typed twice), or the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            typer.echo("The two passwords differ.", err=True)
            raise typer.Exit(ExitCode.INPUT)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def hash_password() -> None:
    """Print the argon2 hash of a dashboard password read from the terminal or standard input."""
    password = _read_password()
    if len(password) < MIN_LENGTH:
        typer.echo(f"The password must be at least {MIN_LENGTH} characters.", err=True)
        raise typer.Exit(ExitCode.INPUT)
    typer.echo(argon2_hash(password))
