"""The one Jinja2 environment for HTML reports, and every formatting filter it knows.

Autoescape is on (ticket text is untrusted) and undefined variables are errors. A user's
template directory, when given, is searched before the shipped templates, so any template
(or just ``_base.html.j2`` for branding) can be overridden by file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from compliance_checks.registry import REGISTRY

SHIPPED = Path(__file__).parent
#: (thousands separator, decimal separator) per supported locale.
LOCALES: dict[str, tuple[str, str]] = {
    "en_GB": (",", "."),
    "en_US": (",", "."),
    "de_DE": (".", ","),
    "fr_FR": ("\u202f", ","),
    "nl_NL": (".", ","),
}
DASH = "\u2013"  # en dash: "no value"


@dataclass(frozen=True)
class RenderContext:
    """Everything volatile a rendered page shows, injected so goldens are reproducible."""

    generated_at: datetime
    version: str
    locale: str = "en_GB"

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ValueError(f"unsupported locale {self.locale!r} (known: {', '.join(sorted(LOCALES))})")


def format_number(value: float | None, digits: int, locale: str) -> str:
    if value is None:
        return DASH
    thousands, decimal = LOCALES[locale]
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _locale(ctx: Context) -> str:
    render = ctx.get("render")
    return render.locale if isinstance(render, RenderContext) else "en_GB"


@pass_context
def num(ctx: Context, value: float | None, digits: int = 0) -> str:
    return format_number(value, digits, _locale(ctx))


@pass_context
def pct(ctx: Context, value: float | None, digits: int = 1) -> str:
    return DASH if value is None else format_number(value * 100, digits, _locale(ctx)) + " %"


@pass_context
def metric(ctx: Context, value: float | None, unit: str) -> str:
    """A KPI value in its unit: counts whole, rates as %, times with one decimal."""
    if value is None:
        return DASH
    loc = _locale(ctx)
    if unit == "ratio":
        return format_number(value * 100, 1, loc) + " %"
    if unit == "hours":
        return format_number(value, 1, loc) + " h"
    if unit == "days":
        return format_number(value, 1, loc) + " d"
    if unit == "per_1000":
        return format_number(value, 2, loc)
    return format_number(value, 0, loc)


@pass_context
def change(ctx: Context, value: float | None, unit: str) -> str:
    """A period-over-period change with its sign (rates in percentage points)."""
    if value is None:
        return DASH
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "±")
    loc = _locale(ctx)
    size = abs(value)
    if unit == "ratio":
        return f"{sign}{format_number(size * 100, 1, loc)} pp"
    if unit in ("hours", "days"):
        return f"{sign}{format_number(size, 1, loc)} {unit[0]}"
    return f"{sign}{format_number(size, 2 if unit == 'per_1000' else 0, loc)}"


def trend_class(value: float | None, better: str) -> str:
    """CSS class for a change: ``good``/``bad`` by the KPI's better direction, else ``flat``."""
    if value is None or value == 0 or better == "neutral":
        return "flat"
    return "good" if (value > 0) == (better == "higher") else "bad"


def dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def dt_cell(value: datetime | None) -> Markup:
    """``dt`` for a narrow table cell: the date never breaks inside (a line may break before the time)."""
    if value is None:
        return Markup("")
    return Markup(f'<span class="d">{value:%Y-%m-%d}</span> {value:%H:%M}')  # noqa: S704 - digits only


def dt_zone(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z") if value is not None else ""


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def safe_url(value: str | None) -> str:
    """Only http(s) links leave the report: a ticket's URL is data, never ``javascript:``."""
    if value and value.split(":", 1)[0].strip().lower() in ("http", "https"):
        return value
    return ""


def check_label(check_id: str) -> str:
    """A check's short title, for columns a person reads (its id stays in a tooltip)."""
    return REGISTRY.label(check_id)


def text(value: object) -> str:
    """An optional value as text: None is blank (StrictUndefined still catches typos)."""
    return "" if value is None else str(value)


FILTERS: dict[str, Any] = {
    "num": num,
    "pct": pct,
    "metric": metric,
    "change": change,
    "trend_class": trend_class,
    "dt": dt,
    "dt_zone": dt_zone,
    "dt_cell": dt_cell,
    "day": day,
    "text": text,
    "check_label": check_label,
    "safe_url": safe_url,
}


@lru_cache(maxsize=8)
def environment(templates_dir: str | None = None) -> Environment:
    """The HTML report environment (one per override directory, cached)."""
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    env = Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(str(SHIPPED))]),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env
