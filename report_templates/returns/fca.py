"""FCA DISP 1 Annex 1R complaint counts by product / service grouping.

Closed = decided (final response or resolution) in the period. "Upheld" counts upheld and partly
upheld (DISP 1.10 guidance); redress sums the recorded redress of complaints closed in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from compliance_checks.calendar import Duration
from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord, Outcome
from compliance_checks.policy import Policy
from compliance_checks.returns_config import lookup
from report_templates.returns.builder import return_kind
from report_templates.returns.common import Cell, ReturnTable, in_period, local_day, provenance_notes

COLUMNS = (
    "Product / service grouping",
    "Outstanding at start",
    "Opened",
    "Closed",
    "Closed within 3 business days",
    "Closed after 3 business days and within 8 weeks",
    "Closed after 8 weeks",
    "Upheld (incl. partly upheld)",
    "Redress paid",
)
THREE_DAYS, EIGHT_WEEKS = Duration.parse("3 business days"), Duration.parse("8 weeks")


def _group(record: ComplaintRecord, policy: Policy) -> str:
    config = policy.spec.returns.fca
    for value in (record.product_group, record.category, record.product):
        code = lookup(config.product_groups, value)
        if code is not None:
            return code
    return config.unmapped_group


class FcaCounts:
    """The return's counts, one complaint at a time (streamed sources)."""

    def __init__(self, policy: Policy, start: date, end: date) -> None:
        self.policy, self.start, self.end = policy, start, end
        self.counts: dict[str, dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))

    def add(self, record: ComplaintRecord, findings: Iterable[Finding] = ()) -> None:
        """Count ``record`` (findings are not read: the same signature as every return)."""
        policy, start, end = self.policy, self.start, self.end
        received = local_day(policy, record.received_at)
        decided_at = record.decided.at if record.decided else None
        decided = local_day(policy, decided_at)
        row = self.counts[_group(record, policy)]
        if received is not None and received < start and (decided is None or decided >= start):
            row["Outstanding at start"] += 1
        if in_period(received, start, end):
            row["Opened"] += 1
        if decided_at is None or not in_period(decided, start, end):
            return
        row["Closed"] += 1
        if decided_at <= policy.calendar.due(record.received_at, THREE_DAYS):
            row["Closed within 3 business days"] += 1
        elif decided_at <= policy.calendar.due(record.received_at, EIGHT_WEEKS):
            row["Closed after 3 business days and within 8 weeks"] += 1
        else:
            row["Closed after 8 weeks"] += 1
        if record.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD):
            row["Upheld (incl. partly upheld)"] += 1
        row["Redress paid"] += record.redress_amount or Decimal(0)

    def table(self) -> ReturnTable:
        rows: list[dict[str, Cell]] = []
        for group in sorted(self.counts):
            values = self.counts[group]
            if not any(values.values()):
                continue  # a group with nothing to report in the period
            cells: dict[str, Cell] = {"Product / service grouping": group}
            for column in COLUMNS[1:]:
                value = values.get(column, 0)
                cells[column] = f"{value:.2f}" if column == "Redress paid" else int(value)
            rows.append(cells)
        notes = [
            f"FCA complaints return counts, {self.start.isoformat()} to {self.end.isoformat()} "
            f"({self.policy.spec.calendar.timezone}).",
            "Layout: the columns of the DISP 1 Annex 1R sample form as far as it was retrieved; the exact "
            "current form and its product groupings were not available, so this is not the GABRIEL/RegData "
            "upload format. PS25/19 replaces this return with a consolidated one.",
            "Closed = decided in the period; 3 business days and 8 weeks counted from receipt with the "
            "policy's calendar; upheld includes partly upheld.",
            *provenance_notes(self.policy),
        ]
        return ReturnTable("FCA complaints return (DISP 1 Annex 1R)", COLUMNS, rows, notes)


def fca_return(records: Iterable[ComplaintRecord], policy: Policy, start: date, end: date) -> ReturnTable:
    counts = FcaCounts(policy, start, end)
    for record in records:
        counts.add(record)
    return counts.table()


KIND = return_kind("fca-return", "the FCA complaints return (DISP 1 Annex 1R)", FcaCounts)
