"""Server-side charts: matplotlib to inline SVG, byte-for-byte reproducible.

The Agg backend, a fixed font and size, a fixed ``svg.hashsalt`` (element ids) and no
metadata (no date, no creator/version) make the same data give the same SVG. Text stays text
(``svg.fonttype: none``) so it is selectable, small, and read by screen readers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
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


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    horizontal: bool = False,
    color: str = BLUE,
    size: tuple[float, float] = (6.4, 2.6),
) -> Markup:
    with _style():
        fig = _figure(size)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        if horizontal:
            ax.barh(positions, values, color=color)
            ax.set_yticks(positions, [str(x) for x in labels])
            ax.invert_yaxis()
        else:
            ax.bar(positions, values, color=color)
            ax.set_xticks(
                positions,
                [str(x) for x in labels],
                rotation=45 if len(labels) > 8 else 0,
                ha="right" if len(labels) > 8 else "center",
            )
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)


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
    """Horizontal stacked bars, one segment per (status, counts, colour)."""
    with _style():
        # Wide rather than tall: a page (or screen) shows it whole with readable labels.
        fig = _figure((9.0, 0.3 * max(len(labels), 3) + 1.0))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        left = [0] * len(labels)
        for name, values, color in series:
            ax.barh(positions, values, left=left, color=color, label=name)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(positions, [str(x) for x in labels])
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
        ax.set_xticks(positions, [str(x) for x in labels], rotation=30 if len(labels) > 6 else 0, ha="right")
        ax.legend(frameon=False)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)


def period_chart(
    values: Sequence[float],
    *,
    title: str,
    ticks: Sequence[tuple[int, str]],
    partial: Sequence[int] = (),
    size: tuple[float, float] = (6.4, 2.6),
) -> Markup:
    """Bars per period (week or month) labelled only at ``ticks`` (one per month over a year
    stays readable); the ``partial`` periods, cut by the report period, are hatched and named."""
    from matplotlib.patches import Patch

    with _style():
        fig = _figure(size)
        ax = fig.add_subplot()
        bars = ax.bar(list(range(len(values))), values, color=BLUE)
        for i in partial:
            bars[i].set(facecolor="white", edgecolor=BLUE, hatch="////")
        crowded = sum(len(label) for _, label in ticks) > 60  # month names fit upright
        ax.set_xticks(
            [i for i, _ in ticks],
            [label for _, label in ticks],
            rotation=45 if crowded else 0,
            ha="right" if crowded else "center",
        )
        if partial:
            key = Patch(
                facecolor="white",
                edgecolor=BLUE,
                hatch="////",
                label="partial (not all its days in the period)",
            )
            ax.legend(handles=[key], loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _svg(fig, title)
