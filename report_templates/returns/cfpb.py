"""CFPB Consumer Complaint Database fields, one row per portal complaint (with a sent date).

Columns and meanings: the CFPB's "Field reference" of the Consumer Complaint Database
(consumerfinance.gov/complaint/data-use/, source cfpb/api ccdb/fields.html). "Date received" is
the date the CFPB received the complaint (mapped ``regulatory.cfpb_received``; blank when not
mapped, never the firm's own receipt). "Timely response?" and "Untimely response" come from the
cfpb-timely-response finding (a response within 15 calendar days of "Date sent to company",
Company Portal Manual 8.1). "Company response to consumer" is otherwise derived from the record
(the real value is what the company chose in the portal). "Sub-product" comes only from the
policy's ``returns.cfpb.codes.sub_product`` (record product -> sub-product), blank otherwise.
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


def company_response(record: ComplaintRecord, timeliness: Mapping[str, object] | None = None) -> str | None:
    """The database's "Company response to consumer"; ``timeliness``: the cfpb-timely-response facts.

    No response by day 15 and none since: "Untimely response". A record without a response while
    the clock still runs has no value yet (the CFPB publishes it only once answered or at day 15).
    """
    if timeliness is not None and not record.stage.is_finished:
        given = timeliness.get("response_given")
        if given == "none":
            return "Untimely response" if timeliness.get("timely_response") == "No" else None
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
        self.no_cfpb_received = 0
        #: Record products with no CFPB product in returns.cfpb.codes.product -> complaints.
        self.unmapped: dict[str, int] = {}
        #: Rows whose "Sub-product" is blank: no returns.cfpb.codes.sub_product entry.
        self.no_sub_product = 0

    def _product(self, value: str | None) -> str | None:
        """The CFPB's product name for the record's product; ``UNMAPPED:<value>`` (counted) if none."""
        if value is None:
            return None
        product = lookup(self.config.codes.get("product", {}), value)
        if product is not None:
            return product
        self.unmapped[value] = self.unmapped.get(value, 0) + 1
        return f"UNMAPPED:{value}"

    def _sub_product(self, value: str | None) -> str | None:
        """The CFPB's sub-product for the record's product, when the policy maps it; else blank.

        The record's subcategory is not used: it is what went wrong (an issue), not a sub-product."""
        sub_product = lookup(self.config.codes.get("sub_product", {}), value)
        if sub_product is None:
            self.no_sub_product += 1
        return sub_product

    def add(self, record: ComplaintRecord, findings: Iterable[Finding]) -> None:
        policy, config = self.policy, self.config
        sent = local_day(policy, record.sent_to_company_at)
        if sent is None or not in_period(sent, self.start, self.end):
            return
        facts = next((f.facts for f in findings if f.check == "cfpb-timely-response"), None)
        timely = facts.get("timely_response") if facts is not None else None
        received = local_day(policy, record.cfpb_received_at)
        if received is None:
            self.no_cfpb_received += 1
        row: dict[str, Cell] = {
            "Date received": received.isoformat() if received else None,
            "Product": self._product(record.product),
            "Sub-product": self._sub_product(record.product),
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
            "Company response to consumer": company_response(record, facts),
            "Timely response?": str(timely) if timely is not None else None,
            "Consumer disputed?": None,
            "Complaint ID": record.id,
        }
        self.rows.append((record.received_at.timestamp(), row))

    def received_notes(self) -> list[str]:
        if not self.no_cfpb_received:
            return []
        return [
            f"'Date received' is the date the CFPB received the complaint; it is blank on "
            f"{self.no_cfpb_received} rows because the mapping has no regulatory.cfpb_received source "
            "(the firm's own receipt date is not that date)."
        ]

    def sub_product_notes(self) -> list[str]:
        if not self.no_sub_product:
            return []
        return [
            f"'Sub-product' is blank on {self.no_sub_product} rows: their product has no entry in "
            "returns.cfpb.codes.sub_product (record product -> the CFPB's sub-product); the record's "
            "subcategory is an issue, not a sub-product, so it is not used."
        ]

    def table(self) -> ReturnTable:
        start, end = self.start, self.end
        notes = [
            f"CFPB consumer complaint fields, complaints sent to the company {start.isoformat()} to "
            f"{end.isoformat()}.",
            "Layout: the column names of the CFPB public Consumer Complaint Database; this is not a portal "
            "upload format (the CFPB publishes no company-side submission file: companies answer in the "
            "Company Portal), so this is a working paper, not a submission. Meanings: CFPB Field reference "
            "(consumerfinance.gov/complaint/data-use/). 'Company response to consumer' is derived from the "
            "record; 'Timely response?' is whether a response (final or In progress) was given within 15 "
            "calendar days of 'Date sent to company' (Company Portal Manual 8.1), blank while that clock "
            "runs; 'Untimely response': no response by then. Fields the helpdesk does not hold are blank.",
            *self.received_notes(),
            *self.sub_product_notes(),
            *(
                f"UNMAPPED: {n} complaint(s) with product '{value}': not in returns.cfpb.codes.product."
                for value, n in sorted(self.unmapped.items())
            ),
            *provenance_notes(self.policy),
        ]
        rows = [row for _, row in sorted(self.rows, key=lambda item: item[0])]
        unmapped = {f"product '{value}'": n for value, n in sorted(self.unmapped.items())}
        return ReturnTable("CFPB complaint data", COLUMNS, rows, notes, unmapped=unmapped)


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


KIND = return_kind("cfpb", "the CFPB complaint data", CfpbRows, pack="cfpb")
