"""CSV and XLSX writers for a view's tables. Ticket text is untrusted: every text cell goes
through ``safe_cell`` (formula injection); numbers and dates are written as real values."""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from report_templates.cells import safe_cell
from report_templates.views.common import Column, Table

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
RATIO_FORMAT = "0.0%"


def csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "; ".join(str(v) for v in value)
    return safe_cell(value)


def write_csv(table: Table, out: Path) -> None:
    keys = [c.key for c in table.columns]
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys, extrasaction="ignore")
        writer.writerow({c.key: safe_cell(c.label) for c in table.columns})
        for row in table.rows:
            writer.writerow({k: csv_value(row.get(k)) for k in keys})


def _cell(ws: WriteOnlyWorksheet, column: Column, value: object) -> Cell | str | float | None:
    """A cell for ``ws.append``: plain values where no format is needed (much faster)."""
    if isinstance(value, str):
        # safe_cell guarantees no leading "=", so openpyxl stores it as text, never a formula.
        return str(safe_cell(value))
    if isinstance(value, int | float) and not isinstance(value, bool) and column.kind != "ratio":
        return value
    if value is None:
        return None
    if isinstance(value, datetime):
        # Excel has no timezones: the view already holds report-local times (named in the header).
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(ws, value=datetime.combine(value, time(0)))
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool):
        cell = WriteOnlyCell(ws, value="yes" if value else "no")
    elif isinstance(value, int | float):
        cell = WriteOnlyCell(ws, value=value)
        if column.kind == "ratio":
            cell.number_format = RATIO_FORMAT
    elif value is None:
        cell = WriteOnlyCell(ws, value=None)
    else:
        text = "; ".join(map(str, value)) if isinstance(value, tuple | list) else str(value)
        cell = WriteOnlyCell(ws, value=str(safe_cell(text)))
        cell.data_type = "s"  # never a formula, whatever the text looks like
    return cell


def write_xlsx(tables: tuple[Table, ...], out: Path, timezone: str) -> None:
    """One sheet per table (main table first): header frozen, autofilter on, real dates."""
    wb = Workbook(write_only=True)
    for table in tables:
        ws = wb.create_sheet(title=table.name[:31])
        ws.freeze_panes = "A2"
        last = get_column_letter(max(len(table.columns), 1))
        ws.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        ws.append(
            [safe_cell(f"{c.label} ({timezone})" if c.kind == "datetime" else c.label) for c in table.columns]
        )
        for row in table.rows:
            ws.append([_cell(ws, c, row.get(c.key)) for c in table.columns])
    wb.save(out)
