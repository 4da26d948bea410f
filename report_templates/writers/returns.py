"""Regulator returns written as CSV (header notes as ``#`` lines) or JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from report_templates.cells import safe_cell
from report_templates.returns import ReturnTable


def write_return_csv(table: ReturnTable, path: Path) -> None:
    """Header notes as ``#`` lines, then the table (cells guarded against formula injection)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for note in (table.title, *table.notes):
            handle.write(f"# {' '.join(note.split())}\n")
        writer = csv.DictWriter(handle, fieldnames=list(table.columns))
        writer.writeheader()
        for row in table.rows:
            writer.writerow({k: safe_cell("" if v is None else str(v)) for k, v in row.items()})


def write_return_json(table: ReturnTable, path: Path) -> None:
    """``{"title", "notes", "columns", "rows"}``; values as the CSV has them (None as null)."""
    doc = {
        "title": table.title,
        "notes": table.notes,
        "columns": list(table.columns),
        "rows": [{k: row.get(k) for k in table.columns} for row in table.rows],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
