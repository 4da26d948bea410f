"""Regulator returns as reports: ``iso10002 report fca-return|asic-idr|cfpb``.

The pure builders live in ``report_templates/returns``; this module feeds them from the same
streamed pass as every other report (offline export or store) and writes CSV or JSON. The
header notes say where the official layout was not available, which figures of the policy
are unconfirmed, and where the data came from.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from report_templates.cells import safe_cell
from report_templates.input import ReportInput
from report_templates.returns import ReturnTable
from report_templates.returns.asic import AsicRows
from report_templates.returns.cfpb import CfpbRows
from report_templates.returns.fca import FcaCounts


class ReturnBuilder:
    """One of the three returns, for the report's period and policy."""

    def __init__(self, kind: str, data: ReportInput) -> None:
        self.kind = kind
        self.data = data
        start, end, policy = data.period.start, data.period.end, data.policy
        self.fca = FcaCounts(policy, start, end) if kind == "fca-return" else None
        self.asic = AsicRows(policy, start, end) if kind == "asic-idr" else None
        self.cfpb = CfpbRows(policy, start, end) if kind == "cfpb" else None
        if self.fca is None and self.asic is None and self.cfpb is None:
            raise ValueError(f"unknown regulator return {kind!r}")

    def add(self, record: ComplaintRecord, findings: tuple[Finding, ...]) -> None:
        if self.fca is not None:
            self.fca.add(record)
        elif self.asic is not None:
            self.asic.add(record)
        elif self.cfpb is not None:
            self.cfpb.add(record, findings)

    def finish(self) -> ReturnTable:
        if self.fca is not None:
            table = self.fca.table()
        elif self.asic is not None:
            table = self.asic.table()
        else:
            assert self.cfpb is not None  # noqa: S101 - set in __init__
            table = self.cfpb.table()
        prov = self.data.provenance
        fresh = prov.data_freshness.isoformat() if prov.data_freshness else "unknown"
        data_note = (
            f"Data: {prov.source}; evaluated as of {self.data.as_of.isoformat()}; data as fresh as {fresh}; "
            f"policy {prov.policy.name} sha256 {prov.policy.sha256}; code {prov.code_version}."
        )
        return ReturnTable(table.title, table.columns, table.rows, [*table.notes, data_note, *prov.notes])


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
