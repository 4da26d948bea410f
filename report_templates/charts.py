"""Server-side charts: matplotlib to inline SVG, byte-for-byte reproducible.

The Agg backend, a fixed font and size, a fixed ``svg.hashsalt`` (element ids) and no
metadata (no date, no creator/version) make the same data give the same SVG. Text stays text
(``svg.fonttype: none``) so it is selectable, small, and read by screen readers.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure

RC = {
    "svg.hashsalt": "iso10002-reports",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "path.simplify": True,
}
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
BLUE, GREY, RED, AMBER, GREEN = "#1f5f99", "#9aa5b1", "#b3261e", "#c77c02", "#2e7d32"
#: At most this many labelled ticks on a time axis: more do not fit a page width legibly.
MAX_TICKS = 13
PARTIAL_NOTE = "partial period"
#: Characters per line of a bar's label: a check's title wraps rather than squeezing the bars.
LABEL_WIDTH = 36
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PROLOGUE = re.compile(r"^.*?(<svg\b)", re.DOTALL)
_METADATA_BLOCK = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _style() -> AbstractContextManager[None]:
    # matplotlib is imported on first use: it costs ~1 s, and every `iso10002` command (not
    # only reports with charts) imports this module.
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit: charts are rendered in-process
    # matplotlib types rc keys as a Literal union; RC's keys are checked by matplotlib at run time.
    return matplotlib.rc_context(RC)  # type: ignore[arg-type]


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def _svg(fig: Figure, label: str) -> Markup:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=METADATA)
    body = _METADATA_BLOCK.sub("", _PROLOGUE.sub(r"\1", buf.getvalue(), count=1))
    # An accessible name for the image; the data itself is always also in a table.
    body = body.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" class="chart" ', 1)
    return Markup(body.strip())  # noqa: S704 - our own SVG; the label is escaped above


Ticks = Sequence[tuple[int, str]]


def thin_ticks(labels: Sequence[str], max_ticks: int = MAX_TICKS) -> list[tuple[int, str]]:
    """Every n-th label (from the first), so that at most ``max_ticks`` are shown."""
    step = max(1, math.ceil(len(labels) / max_ticks))
    return [(i, str(labels[i])) for i in range(0, len(labels), step)]


def week_ticks(weeks: Sequence[str], max_ticks: int = MAX_TICKS) -> list[tuple[int, str]]:
    """Ticks for ISO-week bars (``2026-W05``): every week when they fit, else one a month at its
    first week (``Jan 2027``; the year on the first tick and on January), every n-th month when
    even those do not fit. A week's month is its Thursday's, as ISO 8601 gives a week its year."""
    if len(weeks) <= max_ticks:
        return [(i, str(w)) for i, w in enumerate(weeks)]
    starts: list[tuple[int, date]] = []
    for i, week in enumerate(weeks):
        year, number = week.split("-W")
        thursday = date.fromisocalendar(int(year), int(number), 4)
        if not starts or (starts[-1][1].year, starts[-1][1].month) != (thursday.year, thursday.month):
            starts.append((i, thursday))
    step = max(1, math.ceil(len(starts) / max_ticks))
    chosen = starts[::step]
    return [
        (i, f"{_MONTHS[d.month - 1]} {d.year}" if n == 0 or d.month == 1 else _MONTHS[d.month - 1])
        for n, (i, d) in enumerate(chosen)
    ]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    horizontal: bool = False,
    color: str = BLUE,
    size: tuple[float, float] = (6.4, 2.6),
    partial: Sequence[bool] = (),
    ticks: Ticks | None = None,
) -> Markup:
    """Bars; ``partial`` marks bars of a period only partly inside the report (hatched, lighter,
    with a legend note); ``ticks`` are the labelled positions (default: every bar)."""
    with _style():
        fig = _figure(size)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        if horizontal:
            ax.barh(positions, values, color=color)
            ax.set_yticks(positions, [str(x) for x in labels])
            ax.invert_yaxis()
        else:
            bars = ax.bar(positions, values, color=color)
            _mark_partial(ax, bars, partial, color)
            shown = list(ticks) if ticks is not None else [(i, str(x)) for i, x in enumerate(labels)]
            ax.set_xticks(
                [i for i, _ in shown],
                [text for _, text in shown],
                rotation=45 if len(shown) > 8 else 0,
                ha="right" if len(shown) > 8 else "center",
            )
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)


def _mark_partial(ax: Axes, bars: BarContainer, partial: Sequence[bool], color: str) -> None:
    marked = [bar for bar, flag in zip(bars, partial, strict=False) if flag]
    for bar in marked:
        bar.set_facecolor("white")
        bar.set_edgecolor(color)
        bar.set_hatch("////")
    if marked:
        marked[0].set_label(PARTIAL_NOTE)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)


def pareto_chart(
    labels: Sequence[str], counts: Sequence[int], cumulative: Sequence[float], *, title: str
) -> Markup:
    with _style():
        fig = _figure((6.4, 2.8))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        ax.bar(positions, counts, color=BLUE)
        ax.set_xticks(positions, [str(x) for x in labels], rotation=30, ha="right")
        line = ax.twinx()
        line.plot(positions, [c * 100 for c in cumulative], color=AMBER, marker="o")
        line.set_ylim(0, 105)
        line.set_ylabel("cumulative %")
        line.spines["right"].set_visible(True)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)


def stacked_status_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]], *, title: str
) -> Markup:
    """Horizontal stacked bars, one segment per (status, counts, colour); long labels (a
    check's title) wrap onto lines of at most ``LABEL_WIDTH`` characters."""
    wrapped = [textwrap.fill(str(x), LABEL_WIDTH) for x in labels]
    lines = max((w.count("\n") + 1 for w in wrapped), default=1)
    with _style():
        # Wide rather than tall: a page (or screen) shows it whole with readable labels.
        fig = _figure((9.0, (0.14 + 0.16 * lines) * max(len(labels), 3) + 1.0))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        left = [0] * len(labels)
        for name, values, color in series:
            ax.barh(positions, values, left=left, color=color, label=name)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(positions, wrapped)
        ax.invert_yaxis()
        # Above the bars (right of the title), so it never covers the last bar.
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=len(series))
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)


def line_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *, title: str
) -> Markup:
    with _style():
        fig = _figure((6.4, 2.4))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        for name, values, color in series:
            ax.plot(positions, values, marker="o", color=color, label=name)
        shown = thin_ticks(labels)
        ax.set_xticks(
            [i for i, _ in shown], [t for _, t in shown], rotation=30 if len(shown) > 6 else 0, ha="right"
        )
        ax.legend(frameon=False)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)
