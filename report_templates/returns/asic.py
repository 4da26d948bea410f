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


def _code(
    codes: dict[str, dict[str, str]], tables: dict[str, CodeTable], element: str, value: str | None
) -> str | None:
    if value is None:
        return None
    code = lookup(codes.get(element, {}), value)
    return f"UNMAPPED:{value}" if code is None else checked(tables.get(element), code)


class AsicRows:
    """The return's rows, one complaint at a time (sorted by receipt when the table is made)."""

    def __init__(
        self, policy: Policy, start: date, end: date, tables: dict[str, CodeTable] | None = None
    ) -> None:
        self.policy, self.start, self.end = policy, start, end
        self.tables = TABLES if tables is None else tables
        self.config = policy.spec.returns.asic_idr
        self.rows: list[tuple[float, dict[str, Cell]]] = []

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
            "Complaint type": _code(config.codes, self.tables, "complaint_type", record.category),
            "Current status": _code(config.codes, self.tables, "status", status),
            "Receipt channel": _code(config.codes, self.tables, "channel", record.channel),
            "Date received": received.isoformat() if received else None,
            "Date closed": closed.isoformat() if closed else None,
            "Days to resolve": (closed - received).days if closed and received else None,
            "About a representative": "Y" if record.representative else "N",
            "Product or service": _code(
                config.codes, self.tables, "product", record.product_group or record.product
            ),
            "Issue": _code(config.codes, self.tables, "issue", record.subcategory or record.category),
            "Outcome": _code(
                config.codes, self.tables, "outcome", record.outcome.value if record.outcome else None
            )
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
            "Layout: element names follow the IDR data dictionary's list of elements as summarised in "
            "secondary sources; the official field names, order and code tables were not available. "
            "Codes come from the policy's returns.asic_idr.codes mapping; UNMAPPED:<value> marks a value "
            "with no code. Multiple products/issues/outcomes per complaint are not modelled.",
            *(table.header() for table in self.tables.values()),
            *provenance_notes(self.policy),
        ]
        rows = [row for _, row in sorted(self.rows, key=lambda item: item[0])]
        return ReturnTable("ASIC IDR data report", COLUMNS, rows, notes)


def asic_idr_rows(records: Iterable[ComplaintRecord], policy: Policy, start: date, end: date) -> ReturnTable:
    rows = AsicRows(policy, start, end)
    for record in records:
        rows.add(record)
    return rows.table()


KIND = return_kind("asic-idr", "the ASIC IDR data report", AsicRows)
