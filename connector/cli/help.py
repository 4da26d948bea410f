"""Help text as a user reads it: no type placeholders (``<bool>``, ``<list[Path]>``).

Every command is registered with :class:`PlainHelpCommand`: a flag shows no value, a repeatable
option the value each occurrence takes (its help says "repeatable"), an argument only its name.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# typer's command context and parameter base classes live in its private vendored click module:
# left untyped rather than imported from there.
Context = Any
Parameter = Any

#: What a value is called in help, by the type name typer gives it.
_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "datetime": "DATETIME"}


def value_name(shown: str) -> str:
    """``<list[Path]>`` -> ``PATH``; ``<jira|zendesk>`` -> ``jira|zendesk``; ``<str>`` -> ``TEXT``."""
    label = shown.removeprefix("<").removesuffix(">")
    while label.startswith("list[") and label.endswith("]"):
        label = label[len("list["):-1]
    return _NAMES.get(label.lower(), label if "|" in label else label.upper())


def plain(params: list[Parameter], ctx: Context) -> list[Parameter]:
    """``params`` with their help values named plainly (see the module docstring)."""
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            shown = param.display_type(ctx)
            param.metavar = "" if param.is_flag or shown == "<bool>" else value_name(shown)
        elif isinstance(param, TyperArgument):
            # The argument's name (or metavar) already says what it is.
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    return params


class PlainHelpCommand(TyperCommand):
    """A command whose help names values plainly."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        return plain(super().get_params(ctx), ctx)


class PlainHelpGroup(TyperGroup):
    """The ``iso10002`` group, whose help names values plainly."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        return plain(super().get_params(ctx), ctx)


def _no_type(ctx: Context) -> str | None:
    return None
