"""The registry of report kinds and regulator returns.

Every module of ``report_templates.views`` and ``report_templates.returns`` that defines a
module-level ``KIND = ReportKind(...)`` is a kind of ``iso10002 report``: adding a report or a
return is adding one such module (and, for an HTML page, its template). Nothing dispatches on
kind names; the pass, the command line and the service read what a kind declares here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from report_templates.input import ReportInput
    from report_templates.views.common import Builder


class Fmt(StrEnum):
    html = "html"
    pdf = "pdf"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


#: Packages whose modules may declare a ``KIND``.
KIND_PACKAGES = ("report_templates.views", "report_templates.returns")
#: Formats of a view (every writer); a return has its own (``RETURN_FORMATS``).
VIEW_FORMATS = (Fmt.html, Fmt.pdf, Fmt.csv, Fmt.xlsx, Fmt.json)
#: Formats of the regulator returns (a header of notes, then one table).
RETURN_FORMATS = (Fmt.csv, Fmt.json)


@dataclass
class PassContext:
    """What a kind's builder is made from: the input, every kind of the pass, and builders
    shared between kinds of the same pass (the review reuses the KPI report's counts)."""

    data: ReportInput
    kinds: tuple[str, ...]
    shared: dict[str, Any] = field(default_factory=dict)

    def share(self, key: str, make: Callable[[], Any]) -> Any:
        """The pass's one ``key`` object, made on first use."""
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]


#: A kind's finished output by kind name (the views finished so far, for ``after``).
Finished = dict[str, object]


def _finish(builder: Builder[object], _ctx: PassContext, _finished: Finished) -> object:
    return builder.finish()


@dataclass(frozen=True)
class ReportKind:
    """One report kind (``iso10002 report <name>``).

    ``start`` makes its builder for a pass; ``finish`` turns the builder into what the writers
    write (a view-model, a return table, or ``tables`` when every format asked for is in
    ``tables_formats``); ``after`` names kinds whose finished output ``finish`` may read.
    """

    name: str
    title: str
    start: Callable[[PassContext], Builder[object]]
    formats: tuple[Fmt, ...] = VIEW_FORMATS
    default_format: Fmt = Fmt.html
    #: Reads the trend baseline (``ReportInput.history``); other kinds never do.
    trend: bool = False
    #: A regulator return (a ``ReturnTable``), listed apart in the help.
    regulator_return: bool = False
    #: A return's regulatory pack: its clocks, code tables and groupings are the regulator's only
    #: on a policy that extends it.
    pack: str | None = None
    finish: Callable[[Builder[object], PassContext, Finished], object] = _finish
    #: Formats written from ``tables(builder)`` alone, without the full view-model.
    tables_formats: frozenset[Fmt] = frozenset()
    tables: Callable[[Builder[object]], object] | None = None
    after: tuple[str, ...] = ()

    def check_format(self, fmt: Fmt) -> None:
        """Raise ``ValueError`` for a format the kind has no writer for."""
        if fmt not in self.formats:
            raise ValueError(f"{self.name} is written as {' or '.join(f.value for f in self.formats)}")


@cache
def registry() -> dict[str, ReportKind]:
    """Every declared kind by name (views first, then returns; modules in name order)."""
    found: dict[str, ReportKind] = {}
    for package_name in KIND_PACKAGES:
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package_name}.{info.name}")
            kind = getattr(module, "KIND", None)
            if isinstance(kind, ReportKind):
                if kind.name in found:
                    raise RuntimeError(f"report kind {kind.name!r} declared twice")
                found[kind.name] = kind
    return found


def kind(name: str) -> ReportKind:
    """The kind called ``name`` (``ValueError`` naming the known ones otherwise)."""
    kinds = registry()
    if name not in kinds:
        raise ValueError(f"unknown report kind {name!r}; use one of {', '.join(kind_names())}")
    return kinds[name]


def kind_names() -> list[str]:
    """Report kinds first, then regulator returns, each in declaration order."""
    kinds = registry().values()
    return [k.name for k in kinds if not k.regulator_return] + [k.name for k in kinds if k.regulator_return]


def ordered(names: Iterable[str]) -> list[ReportKind]:
    """``names`` (each once) with every kind after the kinds of its ``after`` that are present."""
    wanted = [kind(n) for n in dict.fromkeys(names)]
    present = {k.name for k in wanted}
    done: list[ReportKind] = []
    pending = list(wanted)
    while pending:
        ready = [k for k in pending if all(a not in present or a in {d.name for d in done} for a in k.after)]
        if not ready:
            raise RuntimeError(f"report kinds wait on each other: {[k.name for k in pending]}")
        done.extend(ready)
        pending = [k for k in pending if k not in ready]
    return done
