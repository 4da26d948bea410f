"""Help text as a user reads it: no type placeholders (``<bool>``, ``<list[Path]>``), and
paragraphs wrapped to the terminal.

Every command is registered with :class:`PlainHelpCommand`: a flag shows no value, a repeatable
option the value each occurrence takes (its help says "repeatable"), an argument only its name.
A docstring's paragraphs are joined into one line each (:func:`unwrapped`): typer's rich help
keeps their line breaks and then wraps again at the terminal's width, stranding a word or two
on a line of its own.
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


def unwrapped(text: str | None) -> str | None:
    """Each paragraph of ``text`` on one line; a list item ("- ", "* ", indented) keeps its own."""
    if not text:
        return text
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and not line.startswith((" ", "\t", "- ", "* ")):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


class PlainHelpCommand(TyperCommand):
    """A command whose help names values plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = unwrapped(self.help)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return plain(super().get_params(ctx), ctx)


class PlainHelpGroup(TyperGroup):
    """The ``iso10002`` group, whose help names values plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = unwrapped(self.help)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return plain(super().get_params(ctx), ctx)


def _no_type(ctx: Context) -> str | None:
    return None
