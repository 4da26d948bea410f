"""The writers: a built view, a register's slim tables or a regulator return -> a file.

One writer per format (``VIEW_WRITERS``, ``RETURN_WRITERS``); views and builders never write
files. CSV carries a view's main table (register rows; KPI table; audit exceptions; review
headline KPIs); XLSX carries every table of the view, one sheet each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from report_templates.env import RenderContext
from report_templates.html import Page, View, render_html
from report_templates.input import ReportInput
from report_templates.kinds import Fmt
from report_templates.redact import REDACTION_NOTICE
from report_templates.returns.common import ReturnTable
from report_templates.views.register import RegisterTables
from report_templates.writers.html import write_html
from report_templates.writers.json import view_json
from report_templates.writers.returns import write_return_csv, write_return_json
from report_templates.writers.tabular import write_csv


@dataclass(frozen=True)
class WriteContext:
    """What a writer may need besides the view: the input (timezone), the page context and the
    user's template overrides."""

    data: ReportInput
    render: RenderContext
    templates_dir: Path | None = None
    #: The file name the reader gets, when the file is written under a temporary one (a PDF's
    #: volume 1 lists its volumes by name).
    name: str | None = None

    @property
    def notice(self) -> str | None:
        """A line every tabular file of this report starts with (the redaction notice)."""
        return REDACTION_NOTICE if self.data.options.redact else None

    @property
    def templates(self) -> str | None:
        return str(self.templates_dir) if self.templates_dir else None


def _json(view: Page, ctx: WriteContext, out: Path) -> None:
    if isinstance(view, RegisterTables):
        raise TypeError("the register's tables cannot be written as json")
    out.write_text(view_json(view), encoding="utf-8")


def _csv(view: Page, ctx: WriteContext, out: Path) -> None:
    write_csv(view.tables()[0], out, ctx.notice)


def _xlsx(view: Page, ctx: WriteContext, out: Path) -> None:
    from report_templates.writers.xlsx import write_xlsx  # openpyxl: only when asked

    write_xlsx(view.tables(), out, ctx.data.period.timezone, ctx.notice)


def _html(view: Page, ctx: WriteContext, out: Path) -> None:
    write_html(view, ctx.render, out, templates_dir=ctx.templates)


def _pdf(view: Page, ctx: WriteContext, out: Path) -> tuple[Path, ...]:
    from report_templates.writers.pdf import write_pdf  # WeasyPrint loads Pango: only when asked

    page = render_html(view, ctx.render, templates_dir=ctx.templates)
    rows = ctx.data.options.pdf_volume_rows
    return write_pdf(page, out, rows_per_volume=rows, name=ctx.name, locale=ctx.render.locale).paths


#: Each writes ``out``; one that may write more files (the PDF's volumes) returns them all.
VIEW_WRITERS: dict[Fmt, Callable[[Page, WriteContext, Path], tuple[Path, ...] | None]] = {
    Fmt.json: _json,
    Fmt.csv: _csv,
    Fmt.xlsx: _xlsx,
    Fmt.html: _html,
    Fmt.pdf: _pdf,
}
RETURN_WRITERS: dict[Fmt, Callable[[ReturnTable, Path], None]] = {
    Fmt.csv: write_return_csv,
    Fmt.json: write_return_json,
}


def write_output(view: Page | ReturnTable, fmt: Fmt, out: Path, ctx: WriteContext) -> tuple[Path, ...]:
    """Write a built view (or return) to ``out`` as ``fmt``; the files written, ``out`` first
    (a long register or audit PDF is several volumes: ``writers/pdf.py``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(view, ReturnTable):
        if fmt not in RETURN_WRITERS:
            raise ValueError(f"a regulator return is written as csv or json, not {fmt.value}")
        RETURN_WRITERS[fmt](view, out)
        return (out,)
    return VIEW_WRITERS[fmt](view, ctx, out) or (out,)


__all__ = ["VIEW_WRITERS", "View", "WriteContext", "view_json", "write_output"]
