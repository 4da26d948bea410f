"""The one ``--as-of`` parser: ISO 8601 with a timezone, inside the supported date range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from mappings.values import SUPPORTED_RANGE, in_supported_range

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Evaluate as of this ISO 8601 time (default: now).")
]


def parse_moment(value: str, param_hint: str = "--as-of") -> datetime:
    """``value`` as an aware date-time, or a usage error (exit 2) saying what is wrong with it."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date-time", param_hint=param_hint) from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give a timezone, e.g. 2026-11-22T09:00:00+00:00", param_hint=param_hint)
    try:
        return in_supported_range(moment)
    except (ValueError, OverflowError):
        raise typer.BadParameter(f"{value!r} is outside the supported range ({SUPPORTED_RANGE})",
                                 param_hint=param_hint) from None


def as_of_or_now(value: str | None) -> datetime:
    """The ``--as-of`` time, or now when it is not given (the command line is where the clock is read)."""
    return datetime.now(UTC) if value is None else parse_moment(value)
