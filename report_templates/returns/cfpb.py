"""CFPB Consumer Complaint Database fields, one row per portal complaint (with a sent date).

"Timely response?" comes from the cfpb-timely-response finding. "Company response to consumer"
is derived from the record (the real value is what the company chose in the portal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord, Outcome
from compliance_checks.policy import Policy
from compliance_checks.returns_config import lookup
from report_templates.returns.builder import return_kind
from report_templates.returns.common import Cell, ReturnTable, in_period, local_day, provenance_notes

COLUMNS = (
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
)


def company_response(record: ComplaintRecord) -> str:
    if not record.stage.is_finished:
        return "In progress"
    if record.redress_amount is not None and record.redress_amount > Decimal(0):
        return "Closed with monetary relief"
    if record.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD) and record.remedy_offered:
        return "Closed with non-monetary relief"
    return "Closed with explanation"


class CfpbRows:
    """The return's rows, one complaint at a time (sorted by receipt when the table is made)."""

    def __init__(self, policy: Policy, start: date, end: date) -> None:
        self.policy, self.start, self.end = policy, start, end
        self.config = policy.spec.returns.cfpb
        self.rows: list[tuple[float, dict[str, Cell]]] = []

    def add(self, record: ComplaintRecord, findings: Iterable[Finding]) -> None:
        policy, config = self.policy, self.config
        sent = local_day(policy, record.sent_to_company_at)
        if sent is None or not in_period(sent, self.start, self.end):
            return
        timely = next(
            (f.facts.get("timely_response") for f in findings if f.check == "cfpb-timely-response"), None
        )
        received = local_day(policy, record.received_at)
        row: dict[str, Cell] = {
            "Date received": received.isoformat() if received else None,
            "Product": lookup(config.codes.get("product", {}), record.product) or record.product,
            "Sub-product": record.subcategory,
            "Issue": record.category,
            "Sub-issue": None,
            # Narratives are published only with consent and after scrubbing: never exported here.
            "Consumer complaint narrative": None,
            "Company public response": None,
            "Company": config.company,
            "State": None,
            "ZIP code": None,
            "Tags": None,
            "Consumer consent provided?": None,
            "Submitted via": lookup(config.codes.get("submitted_via", {}), record.channel) or record.channel,
            "Date sent to company": sent.isoformat(),
            "Company response to consumer": company_response(record),
            "Timely response?": str(timely) if timely is not None else None,
            "Consumer disputed?": None,
            "Complaint ID": record.id,
        }
        self.rows.append((record.received_at.timestamp(), row))

    def table(self) -> ReturnTable:
        start, end = self.start, self.end
        notes = [
            f"CFPB consumer complaint fields, complaints sent to the company {start.isoformat()} to "
            f"{end.isoformat()}.",
            "Layout: the column names of the CFPB public Consumer Complaint Database; this is not a portal "
            "upload format. 'Company response to consumer' is derived from the record; 'Timely response?' "
            "is blank while the 15-day clock is still running. Fields the helpdesk does not hold are blank.",
            *provenance_notes(self.policy),
        ]
        rows = [row for _, row in sorted(self.rows, key=lambda item: item[0])]
        return ReturnTable("CFPB complaint data", COLUMNS, rows, notes)


def cfpb_rows(
    records: Iterable[ComplaintRecord],
    findings: Mapping[str, tuple[Finding, ...]],
    policy: Policy,
    start: date,
    end: date,
) -> ReturnTable:
    rows = CfpbRows(policy, start, end)
    for record in records:
        rows.add(record, findings.get(record.id, ()))
    return rows.table()


KIND = return_kind("cfpb", "the CFPB complaint data", CfpbRows)
