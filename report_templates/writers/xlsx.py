"""The XLSX writer: every table of a view, one sheet each (openpyxl, write-only). Ticket text is
untrusted: every text cell goes through ``safe_xlsx_cell`` (formula injection, and the
characters XML cannot hold shown as U+FFFD); numbers and dates are written as real values.
Imported only when an XLSX is asked for: openpyxl is a large import for every other command."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter

from report_templates.cells import safe_xlsx_cell, xml_text
from report_templates.views.common import Column, Table
from report_templates.writers.tabular import table_values

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
RATIO_FORMAT = "0.0%"


class _Cells:
    """Cell values for ``ws.append``: plain values where no format is needed (much faster), and
    one reusable styled cell per column for dates, times and ratios. Reuse is safe because a
    write-only sheet serialises each row as soon as it is appended."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        self.styled = [self._styled(ws, c) for c in columns]

    @staticmethod
    def _styled(ws: WriteOnlyWorksheet, column: Column) -> Cell | None:
        formats = {"datetime": DATETIME_FORMAT, "date": DATE_FORMAT, "ratio": RATIO_FORMAT}
        if column.kind not in formats:
            return None
        cell = WriteOnlyCell(ws)
        cell.number_format = formats[column.kind]
        return cell

    def row(self, values: Sequence[object]) -> list[object]:
        out: list[object] = []
        for value, styled in zip(values, self.styled, strict=True):
            kind = type(value)
            if value is None:
                out.append(None)
            elif kind is str:
                # No leading "=": openpyxl stores it as text, never a formula.
                out.append(safe_xlsx_cell(cast(str, value)))
            elif kind is bool:
                out.append("yes" if value else "no")
            elif styled is not None and isinstance(value, datetime | date | int | float):
                styled.value = _excel_value(value)
                out.append(styled)
            elif kind is int or kind is float:
                out.append(value)
            elif isinstance(value, datetime | date):
                out.append(_excel_value(value))
            else:
                text = "; ".join(map(str, value)) if isinstance(value, tuple | list) else str(value)
                out.append(safe_xlsx_cell(text))
        return out


def _excel_value(value: datetime | date | float) -> datetime | float:
    if isinstance(value, datetime):
        # Excel has no timezones: the view already holds report-local times (named in the header).
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    return value


def write_xlsx(tables: tuple[Table, ...], out: Path, timezone: str, notice: str | None = None) -> None:
    """One sheet per table (main table first): header frozen, autofilter on, real dates;
    ``notice`` (e.g. the redaction notice) on a first sheet of its own.

    A write-only workbook (rows streamed to the file): the frozen pane and the filter range are
    set before the first row is written, which write-only sheets allow.
    """
    wb = Workbook(write_only=True)
    if notice:
        wb.create_sheet(title="Notice").append([safe_xlsx_cell(notice)])
    for table in tables:
        ws = wb.create_sheet(title=xml_text(table.name)[:31])
        ws.freeze_panes = "A2"
        last = get_column_letter(max(len(table.columns), 1))
        ws.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        ws.append(
            [safe_xlsx_cell(f"{c.label} ({timezone})" if c.kind == "datetime" else c.label)
             for c in table.columns]
        )
        cells = _Cells(ws, table.columns)
        for values in table_values(table):
            ws.append(cells.row(values))
    wb.save(out)
