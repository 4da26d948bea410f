"""The CSV writer for a view's main table, and the row values both tabular writers read
(``writers.xlsx`` writes XLSX). Ticket text is untrusted: every text cell goes through
``safe_cell`` (formula injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

from report_templates.cells import FORMULA_START, safe_cell
from report_templates.views.common import Table
from report_templates.views.register import KEYS, TupleRows


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


def table_values(table: Table) -> Iterator[Sequence[object]]:
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
        writer.writerows(_csv_row(values) for values in table_values(table))
