"""CSV and XLSX writers for a view's tables. Ticket text is untrusted: every text cell goes
through ``safe_cell`` (formula injection; in XLSX ``safe_xlsx_cell``, which also shows the
characters XML cannot hold as U+FFFD); numbers and dates are written as real values."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from report_templates.cells import FORMULA_START, safe_cell, safe_xlsx_cell, xml_text
from report_templates.views.common import Column, Table
from report_templates.views.register import KEYS, TupleRows

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
RATIO_FORMAT = "0.0%"


def csv_value(value: object) -> object:
    kind = type(value)
    if kind is str:
        return safe_cell(value)
    if value is None:
        return ""
    if kind is int or kind is float:
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "; ".join(str(v) for v in value)
    return safe_cell(value)


def _csv_row(values: Sequence[object]) -> list[object]:
    # Most cells are plain text, whole numbers or empty: kept as they are (the csv module
    # writes None as an empty field) after one type test, booleans as yes/no; the rest go through
    # ``csv_value``.
    # A 100,000-row register has three million cells.
    start = FORMULA_START
    return [
        v
        if (kind := type(v)) is int or v is None or (kind is str and not v.startswith(start))  # type: ignore[attr-defined]
        else ("yes" if v else "no")
        if kind is bool
        else csv_value(v)
        for v in values
    ]


def _values(table: Table) -> Iterator[Sequence[object]]:
    """Each row's values in column order (tuple-backed rows are read without a mapping)."""
    rows = table.rows
    if isinstance(rows, TupleRows) and tuple(c.key for c in table.columns) == KEYS:
        yield from rows.tuples()
        return
    keys = [c.key for c in table.columns]
    for row in rows:
        yield [row.get(k) for k in keys]


def write_csv(table: Table, out: Path, notice: str | None = None) -> None:
    """``notice`` (e.g. the redaction notice) goes first as a ``#`` line."""
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if notice:
            handle.write(f"# {notice}\n")
        writer.writerow([safe_cell(c.label) for c in table.columns])
        writer.writerows(_csv_row(values) for values in _values(table))


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
        for values in _values(table):
            ws.append(cells.row(values))
    wb.save(out)
