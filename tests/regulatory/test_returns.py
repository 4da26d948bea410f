"""Regulator returns against hand-counted fixtures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from compliance_checks.findings import Finding, Status
from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import ComplainantResponse, Outcome, Severity, Stage
from compliance_checks.policy import Policy, parse_policy
from report_templates.returns import asic_idr_rows, cfpb_rows, fca_return
from report_templates.returns.asic import AsicRows
from report_templates.returns.asic_codes import TABLES, CodeTable, TableConfidence
from tests.regulatory.helpers import pack, record, ref

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")


def t(y: int, m: int, d: int, h: int = 10, tz: ZoneInfo = LONDON) -> datetime:
    return datetime(y, m, d, h, tzinfo=tz)


def rec(cid: str, received: datetime, decided: datetime | None = None, **kw: Any):
    if decided is not None:
        kw.update(stage=Stage.RESOLVED, decided=ref(f"changelog:{cid}", decided))
    return record(received, id=cid, **kw)


def test_fca_return_hand_counted():
    records = [
        # Outstanding at 1 Mar, closed 3 Mar: after 3 bd (Fri 20 Feb -> Wed 25 Feb) but within
        # 8 weeks (17 Apr). Home finance, upheld, redress 100.50.
        rec(
            "A",
            t(2026, 2, 20),
            t(2026, 3, 3),
            product_group="mortgage",
            outcome=Outcome.UPHELD,
            redress_amount=Decimal("100.50"),
        ),
        # Opened and closed in 3 bd (due Thu 5 Mar 17:00), accepted at the decision (DISP 1.5.2AR).
        # Banking, partly upheld, redress 20.
        rec(
            "B",
            t(2026, 3, 2),
            t(2026, 3, 4, 12),
            product_group="credit card",
            outcome=Outcome.PARTLY_UPHELD,
            redress_amount=Decimal("20"),
            complainant_response=ComplainantResponse.ACCEPTED,
            accepted=ref("changelog:B2", t(2026, 3, 4, 12)),
        ),
        # Opened, still open; grouped by category (no product group).
        rec("C", t(2026, 3, 10), category="Current account"),
        # Outstanding at start, closed 20 Mar after 8 weeks (Jan 5 + 56 days = Mar 2); unmapped.
        rec(
            "D",
            t(2026, 1, 5),
            t(2026, 3, 20),
            product="Widgets",
            category="Widgets",
            outcome=Outcome.NOT_UPHELD,
        ),
        # Opened 30 Mar, closed 2 Apr (after the period): opened only.
        rec("E", t(2026, 3, 30), t(2026, 4, 2), product_group="credit card"),
        # Received and closed before the period: not counted, no empty Insurance row.
        rec("F", t(2026, 1, 10), t(2026, 2, 10), product_group="insurance"),
    ]
    table = fca_return(records, pack("fca-disp"), date(2026, 3, 1), date(2026, 3, 31))
    counts = [tuple(row.values()) for row in table.rows if row["Section"] == "Groupings"]
    r1r, none3 = "DISP 1 Annex 1R", (None, None, None)  # Annex 1R rows leave the 15/35-day bands blank
    assert counts == [
        (r1r, "Groupings", "Banking and credit cards", None, 0, 3, 1, 1, 0, 0, *none3, 1, "20.00"),
        (r1r, "Groupings", "Home finance", None, 1, 0, 1, 0, 1, 0, *none3, 1, "100.50"),
        (r1r, "Groupings", "Unmapped", None, 1, 0, 1, 0, 0, 1, *none3, 0, "0.00"),
    ]
    assert table.unmapped["category 'Widgets', product 'Widgets' (returns.fca.product_groups)"] == 1
    # Outstanding at start: A, D; opened: B, C, E; closed: A, B, D. No payment services complaint.
    assert "DISP 1 Annex 1R totals: outstanding at start 2, opened 3, closed 3." in table.notes
    assert any(n.startswith("DISP 1 Annex 1AD: nil return") for n in table.notes)
    assert any(n.startswith("WORKING PAPER, not a submission") for n in table.notes)
    assert any(n.startswith("UNMAPPED: 1 complaint(s) with category 'Widgets'") for n in table.notes)
    assert any(n.startswith("Unconfirmed figure: credit-related-grouping") for n in table.notes)


def test_asic_idr_rows_hand_counted():
    def s(y: int, m: int, d: int) -> datetime:
        return t(y, m, d, tz=SYDNEY)

    records = [
        rec(
            "X",
            s(2026, 1, 10),
            s(2026, 1, 20),
            outcome=Outcome.UPHELD,
            redress_amount=Decimal("50"),
            product="Credit card",
        ),
        rec("Y", s(2025, 12, 20), channel="phone"),  # open at the period start
        rec("Z", s(2025, 11, 1), s(2025, 12, 1)),  # closed before: left out
        rec("W", s(2026, 6, 25), s(2026, 7, 3), outcome=Outcome.NOT_UPHELD),  # closed after the end
    ]
    table = asic_idr_rows(records, asic_policy(), date(2026, 1, 1), date(2026, 6, 30))
    assert [r["Unique identifier"] for r in table.rows] == ["Y", "X", "W"]
    y, x, w = table.rows
    assert (y["Current status"], y["Receipt channel"], y["Date closed"]) == ("OPEN", "PHONE", None)
    assert (x["Current status"], x["Date received"], x["Date closed"], x["Days to resolve"]) == (
        "CLOSED",
        "2026-01-10",
        "2026-01-20",
        10,
    )
    assert (x["Outcome"], x["Compensation"], x["Product or service"]) == (
        "UPH",
        "50.00",
        "UNMAPPED:Credit card",
    )
    assert (w["Current status"], w["Outcome"], w["Days to resolve"]) == ("OPEN", None, None)
    assert any("official field names" in n for n in table.notes)


#: A firm's policy mapping its values to codes (the shipped pack maps none: see below).
FIRM_CODES = """
extends: asic-rg271
name: firm
returns:
  asic_idr:
    codes:
      status: {open: OPEN, closed: CLOSED}
      channel: {phone: PHONE}
      outcome: {upheld: UPH}
"""


@cache
def asic_policy() -> Policy:
    return parse_policy(FIRM_CODES, str(PACKS_DIR / "firm.yaml"))


def test_the_shipped_asic_pack_invents_no_codes_and_says_so():
    # Our sources do not give ASIC's code tables: every coded value is UNMAPPED, and the header
    # names each coded element's missing official table and the unconfirmed code status.
    received = t(2026, 2, 2, tz=SYDNEY)
    row = rec("X", received, t(2026, 2, 9, tz=SYDNEY), outcome=Outcome.UPHELD, channel="email")
    table = asic_idr_rows([row], pack("asic-rg271"), date(2026, 1, 1), date(2026, 6, 30))
    cells = table.rows[0]
    assert (cells["Current status"], cells["Receipt channel"], cells["Outcome"], cells["Complaint type"]) == (
        "UNMAPPED:closed",
        "UNMAPPED:email",
        "UNMAPPED:upheld",
        "UNMAPPED:Billing",
    )
    missing = [n.split(":")[0] for n in table.notes if "official code table not in our sources" in n]
    assert missing == [
        "Complaint type",
        "Current status",
        "Receipt channel",
        "Product or service",
        "Issue",
        "Outcome",
    ]
    assert any(n.startswith("Unconfirmed figure: asic-idr-codes") for n in table.notes)


def test_a_known_code_table_marks_codes_outside_it():
    tables = {
        **TABLES,
        "outcome": CodeTable("outcome", "Outcome", TableConfidence.CONFIRMED, "test", {"UPH": "upheld"}),
    }
    rows = AsicRows(asic_policy(), date(2026, 1, 1), date(2026, 6, 30), tables)
    for cid, outcome in (("A", Outcome.UPHELD), ("B", Outcome.NOT_UPHELD)):
        rows.add(rec(cid, t(2026, 2, 2, tz=SYDNEY), t(2026, 2, 9, tz=SYDNEY), outcome=outcome))
    table = rows.table()
    assert [r["Outcome"] for r in table.rows] == ["UPH", "UNMAPPED:not_upheld"]
    strict = {
        **tables,
        "status": CodeTable("status", "Current status", TableConfidence.CONFIRMED, "test", {"O": "o"}),
    }
    rows = AsicRows(asic_policy(), date(2026, 1, 1), date(2026, 6, 30), strict)
    rows.add(rec("C", t(2026, 2, 2, tz=SYDNEY)))
    assert rows.table().rows[0]["Current status"] == "NOT_IN_TABLE:OPEN"
    assert "Outcome: 1 codes, confirmed (test)." in rows.table().notes


def test_cfpb_rows_with_timely_response():
    def n(m: int, d: int) -> datetime:
        return t(2026, m, d, tz=NEW_YORK)

    records = [
        rec("P", n(3, 1), n(3, 10), sent_to_company_at=n(3, 2), channel="web", outcome=Outcome.NOT_UPHELD),
        rec("Q", n(3, 19), sent_to_company_at=n(3, 20)),
        rec("R", n(3, 30), sent_to_company_at=n(4, 1)),  # sent after the period
        rec("S", n(3, 5)),  # not a portal complaint
    ]
    finding = Finding(
        ticket="P",
        platform="zendesk",
        check="cfpb-timely-response",
        title="t",
        status=Status.PASS,
        clauses=("7.7",),
        severity=Severity.CRITICAL,
        message="ok",
        facts={"timely_response": "Yes"},
    )
    table = cfpb_rows(records, {"P": (finding,)}, pack("cfpb"), date(2026, 3, 1), date(2026, 3, 31))
    assert [(r["Complaint ID"], r["Date sent to company"], r["Submitted via"]) for r in table.rows] == [
        ("P", "2026-03-02", "Web"),
        ("Q", "2026-03-20", "Email"),
    ]
    assert [(r["Company response to consumer"], r["Timely response?"]) for r in table.rows] == [
        ("Closed with explanation", "Yes"),
        ("In progress", None),
    ]
    assert table.rows[0]["Consumer complaint narrative"] is None


def test_return_csv_has_header_notes_and_guards_formulas(tmp_path):
    from report_templates.returns import ReturnTable
    from report_templates.writers.returns import write_return_csv as write_csv

    table = ReturnTable("T", ("a", "b"), [{"a": "=SUM(A1)", "b": None}], ["layout not official"])
    path = tmp_path / "r.csv"
    write_csv(table, path)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "# T",
        "# layout not official",
        "a,b",
        "'=SUM(A1),",
    ]


def test_cfpb_date_received_is_the_cfpbs_and_untimely_response_is_produced():
    """CFPB Field reference (consumerfinance.gov/complaint/data-use/; cfpb/api ccdb/fields.html):
    "Date received" is the date the CFPB received the complaint, "Date sent to company" the date
    the CFPB sent it; "Company response to consumer" includes "Untimely response" (no response
    given in time). Company Portal Manual 8.1: 15 calendar days from sent-to-company.

    - U: CFPB received Fri 27 Feb, sent Mon 2 Mar; firm logged it Tue 3 Mar. No response: day 15
      = Tue 17 Mar passed -> "Untimely response", Timely "No".
    - V: sent Mon 2 Mar, no CFPB receipt date mapped -> "Date received" blank (never Tue 3 Mar,
      the firm's receipt) and a header note; In progress on day 8, final on day 40 -> "In
      progress", Timely "Yes" (the 15-day response).
    """

    def n(m: int, d: int) -> datetime:
        return t(2026, m, d, tz=NEW_YORK)

    def timeliness(cid: str, timely: str, given: str) -> Finding:
        return Finding(
            ticket=cid,
            platform="jira",
            check="cfpb-timely-response",
            title="t",
            status=Status.FAIL,
            clauses=("7.7",),
            severity=Severity.CRITICAL,
            message="m",
            facts={"timely_response": timely, "response_given": given},
        )

    records = [
        rec("U", n(3, 3), sent_to_company_at=n(3, 2), cfpb_received_at=n(2, 27)),
        rec("V", n(3, 3), sent_to_company_at=n(3, 2)),
    ]
    findings = {"U": (timeliness("U", "No", "none"),), "V": (timeliness("V", "Yes", "in_progress"),)}
    table = cfpb_rows(records, findings, pack("cfpb"), date(2026, 3, 1), date(2026, 3, 31))
    cells = [
        (r["Complaint ID"], r["Date received"], r["Company response to consumer"], r["Timely response?"])
        for r in table.rows
    ]
    assert cells == [("U", "2026-02-27", "Untimely response", "No"), ("V", None, "In progress", "Yes")]
    assert any("blank on 1 rows" in note for note in table.notes)
    assert any("working paper, not a submission" in note for note in table.notes)
