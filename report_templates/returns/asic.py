"""ASIC IDR data report: one row per complaint received in the period or open at its start.

Element names are descriptive: the IDR data dictionary's exact field names and code tables were not
retrieved (``asic_codes.TABLES`` says so per element), so codes come from the policy's
``returns.asic_idr.codes`` mapping (record value -> code, overridable in the firm's policy) and
unmapped values are marked ``UNMAPPED:<value>`` instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from compliance_checks.policy import Policy
from compliance_checks.returns_config import lookup
from report_templates.returns.asic_codes import TABLES, CodeTable, checked
from report_templates.returns.builder import return_kind
from report_templates.returns.common import Cell, ReturnTable, in_period, local_day, provenance_notes

COLUMNS = (
    "Unique identifier",
    "Brand",
    "Complaint type",
    "Current status",
    "Receipt channel",
    "Date received",
    "Date closed",
    "Days to resolve",
    "About a representative",
    "Product or service",
    "Issue",
    "Outcome",
    "Compensation",
    "Complainant gender",
    "Complainant age",
    "Complainant postcode",
)


#: Where ASIC says how the data is lodged (the layout itself, in the handbook, was not retrieved).
LODGEMENT = (
    "ASIC takes an IDR data file in the machine-readable format of its IDR data reporting handbook "
    "(or its Excel template), lodged through the ASIC Regulatory Portal "
    "(asic.gov.au, 'Internal dispute resolution data reporting'); that handbook's layout was not "
    "retrieved, so this file is a working paper, not a submission."
)
#: ASIC 21-177MR (July 2021) and the dictionary's contents page: several products/services, issues
#: and outcomes may be reported per complaint; how (the dictionary's section on it) was not retrieved.
MULTIPLE = (
    "ASIC allows several products or services, issues and outcomes per complaint (ASIC 21-177MR; IDR "
    "data dictionary, pilot version July 2021, 'How to report multiple products or services, issues, "
    "and outcomes'); that section was not retrieved, so one of each is written per complaint."
)


class AsicRows:
    """The return's rows, one complaint at a time (sorted by receipt when the table is made)."""

    def __init__(
        self, policy: Policy, start: date, end: date, tables: dict[str, CodeTable] | None = None
    ) -> None:
        self.policy, self.start, self.end = policy, start, end
        self.tables = TABLES if tables is None else tables
        self.config = policy.spec.returns.asic_idr
        self.rows: list[tuple[float, dict[str, Cell]]] = []
        #: (column, record value) -> complaints whose value has no code in the policy's table.
        self.unmapped: dict[tuple[str, str], int] = {}

    def _code(self, element: str, value: str | None) -> str | None:
        if value is None:
            return None
        code = lookup(self.config.codes.get(element, {}), value)
        if code is not None:
            return checked(self.tables.get(element), code)
        table = self.tables.get(element)
        key = (table.column if table else element, value)
        self.unmapped[key] = self.unmapped.get(key, 0) + 1
        return f"UNMAPPED:{value}"

    def add(self, record: ComplaintRecord, findings: Iterable[Finding] = ()) -> None:
        """Count ``record`` (findings are not read: the same signature as every return)."""
        policy, start, end, config = self.policy, self.start, self.end, self.config
        received = local_day(policy, record.received_at)
        closed = local_day(policy, record.decided.at if record.decided else None)
        open_at_start = received is not None and received < start and (closed is None or closed >= start)
        if not (in_period(received, start, end) or open_at_start):
            return
        closed = closed if closed is not None and closed <= end else None
        status = "closed" if closed is not None else "open"
        row: dict[str, Cell] = {
            "Unique identifier": record.id,
            "Brand": config.brand,
            "Complaint type": self._code("complaint_type", record.category),
            "Current status": self._code("status", status),
            "Receipt channel": self._code("channel", record.channel),
            "Date received": received.isoformat() if received else None,
            "Date closed": closed.isoformat() if closed else None,
            "Days to resolve": (closed - received).days if closed and received else None,
            "About a representative": "Y" if record.representative else "N",
            "Product or service": self._code("product", record.product_group or record.product),
            "Issue": self._code("issue", record.subcategory or record.category),
            "Outcome": self._code("outcome", record.outcome.value if record.outcome else None)
            if closed
            else None,
            "Compensation": f"{record.redress_amount:.2f}" if record.redress_amount is not None else None,
            # Optional demographics: not held on helpdesk tickets, left blank.
            "Complainant gender": None,
            "Complainant age": None,
            "Complainant postcode": None,
        }
        self.rows.append((record.received_at.timestamp(), row))

    def table(self) -> ReturnTable:
        start, end = self.start, self.end
        notes = [
            f"ASIC IDR data, {start.isoformat()} to {end.isoformat()}: complaints received in the period "
            "or open at its start, one row each.",
            LODGEMENT,
            "Layout: element names follow the IDR data dictionary's list of elements as summarised in "
            "secondary sources; the official field names, order and code tables were not available. "
            "Codes come from the policy's returns.asic_idr.codes mapping; UNMAPPED:<value> marks a value "
            "with no code.",
            MULTIPLE,
            *(table.header() for table in self.tables.values()),
            *self.unmapped_notes(),
            *provenance_notes(self.policy),
        ]
        rows = [row for _, row in sorted(self.rows, key=lambda item: item[0])]
        unmapped = {f"{column} '{value}'": n for (column, value), n in sorted(self.unmapped.items())}
        return ReturnTable("ASIC IDR data report", COLUMNS, rows, notes, unmapped=unmapped)

    def unmapped_notes(self) -> list[str]:
        per_column: dict[str, list[int]] = {}
        for (column, _value), count in self.unmapped.items():
            per_column.setdefault(column, []).append(count)
        return [
            f"UNMAPPED: {column}: {len(counts)} value(s) on {sum(counts)} row(s) have no code in "
            f"returns.asic_idr.codes."
            for column, counts in per_column.items()
        ]


def asic_idr_rows(records: Iterable[ComplaintRecord], policy: Policy, start: date, end: date) -> ReturnTable:
    rows = AsicRows(policy, start, end)
    for record in records:
        rows.add(record)
    return rows.table()


KIND = return_kind("asic-idr", "the ASIC IDR data report", AsicRows, pack="asic-rg271")
