"""The FCA return: values matched across helpdesk spellings, payment services and e-money in their
own return (DISP 1.10B, DISP 1 Annex 1AD), unmapped values warned about (``--strict``: exit 4), and
the totals read back from the CSV against the complaint register of the same export.

Payloads: the bundled samples ``connector/samples/*.jsonl`` (generator output in the shape of the
Jira Cloud search and Zendesk incremental export responses, see connector/samples/README.md).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from compliance_checks.inherit import PACKS_DIR
from compliance_checks.model import ComplainantResponse, Outcome, Stage
from compliance_checks.policy import load_policy
from connector.cli import app
from connector.cli.exit_codes import ExitCode
from report_templates.returns import fca_return
from tests.regulatory.helpers import pack, record, ref

LONDON = ZoneInfo("Europe/London")
SAMPLES = Path(__file__).resolve().parents[2] / "connector" / "samples"
SAMPLE_FILES = {"jira": SAMPLES / "jira-cloud-sample.jsonl", "zendesk": SAMPLES / "zendesk-sample.jsonl"}
FCA_POLICY = str(PACKS_DIR / "fca-disp.yaml")
AS_OF = "2026-11-22T09:00:00+00:00"
START, END = "2026-10-15", "2026-11-22"  # splits the samples' 60 days: some outstanding at start
R1R, R1AD, BLANK = "DISP 1 Annex 1R", "DISP 1 Annex 1AD", (None, None, None)


def t(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=LONDON)


def decided(cid: str, received: datetime, when: datetime, **kw: object):
    return record(received, id=cid, stage=Stage.RESOLVED, decided=ref(f"changelog:{cid}", when), **kw)


def test_values_match_across_spellings_and_payments_go_to_annex_1ad():
    """England and Wales, no bank holiday in March 2026; Good Friday 3 Apr, Easter Monday 6 Apr.

    All received Mon 2 Mar 2026 10:00. 3 business days: due Thu 5 Mar 17:00 (DISP 1.5).
    15 business days (DISP 1.6.2AR): Tue 3 .. Fri 6 (4), 9-13 Mar (9), 16-20 Mar (14), Mon 23 Mar
    (15): due Mon 23 Mar 17:00. 35 business days: 24-27 Mar (19), 30 Mar - 2 Apr (23), 3 and 6 Apr
    skipped, 7-10 Apr (27), 13-17 Apr (32), 20, 21, 22 Apr (35): due Wed 22 Apr 17:00.
    - K: product `current_account` (Zendesk tag), decided and accepted Thu 5 Mar 16:00: Annex 1R,
      within 3 bd.
    - P1: product group `payment_services` (tag), decided Mon 23 Mar 16:00: within 15 bd.
    - P2: category `E-Money`, decided Tue 24 Mar 10:00: after 15, within 35 bd; upheld, 5.00.
    - P3: product group `Payment Services`, decided Thu 23 Apr 10:00: after 35 bd.
    """
    received = t(2026, 3, 2)
    records = [
        decided(
            "K",
            received,
            t(2026, 3, 5, 16),
            product="current_account",
            category="fees_and_charges",
            complainant_response=ComplainantResponse.ACCEPTED,
            accepted=ref("changelog:K2", t(2026, 3, 5, 16)),
        ),
        decided(
            "P1",
            received,
            t(2026, 3, 23, 16),
            product_group="payment_services",
            product="current_account",
            payment_service="direct_debit",
        ),
        decided(
            "P2",
            received,
            t(2026, 3, 24),
            category="E-Money",
            payment_service="E-money redemption",
            outcome=Outcome.UPHELD,
            redress_amount=Decimal("5"),
        ),
        decided(
            "P3", received, t(2026, 4, 23), product_group="Payment Services", subcategory="ATM-withdrawal"
        ),
    ]
    table = fca_return(records, pack("fca-disp"), date(2026, 3, 1), date(2026, 4, 30))
    groupings = [tuple(row.values()) for row in table.rows if row["Section"] == "Groupings"]
    assert groupings == [
        (R1R, "Groupings", "Banking and credit cards", None, 0, 1, 1, 1, 0, 0, *BLANK, 0, "0.00"),
        (R1AD, "Groupings", "E-money", None, 0, 1, 1, *BLANK, 0, 1, 0, 1, "5.00"),
        (R1AD, "Groupings", "Payment services", None, 0, 2, 2, *BLANK, 1, 0, 1, 0, "0.00"),
    ]
    # Service rows (DISP 1 Annex 1AD Table 1): payment service, else product, else subcategory.
    assert [row[:14] for row in section(table, "Services")] == [  # no cause columns on Annex 1AD
        (R1AD, "E-money", "Issuing or redemption of e-money", 0, 1, 1, *BLANK, 0, 1, 0, 1, "5.00"),
        (R1AD, "Payment services", "ATM withdrawal", 0, 1, 1, *BLANK, 0, 0, 1, 0, "0.00"),
        (R1AD, "Payment services", "Direct debits", 0, 1, 1, *BLANK, 1, 0, 0, 0, "0.00"),
    ]
    assert table.unmapped == {}
    assert not any("Decumulation, life and pensions / Investments" in str(r) for r in table.rows)
    assert "DISP 1 Annex 1R totals: outstanding at start 0, opened 1, closed 1." in table.notes
    assert "DISP 1 Annex 1AD totals: outstanding at start 0, opened 3, closed 3." in table.notes


def report(*args: str, start: str = START) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", *args, "--as-of", AS_OF, "--from", start, "--to", END])
    return result.exit_code, result.output


def read_return(path: Path, section: str = "Groupings") -> list[dict[str, str]]:
    """The rows of one section (table) of the return's CSV."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("# ")]
    return [row for row in csv.DictReader(lines) if row["Section"] == section]


def total(rows: list[dict[str, str]], column: str) -> int:
    return sum(int(row[column] or 0) for row in rows)


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_samples_leave_nothing_unmapped_and_totals_match_the_register(platform: str, tmp_path: Path):
    """Every sample complaint lands in a real grouping (exit 0 even with ``--strict``), and the
    return's totals equal what the complaint register of the same export says for the period."""
    source = ["--platform", platform, "--input", str(SAMPLE_FILES[platform]), "--policy", FCA_POLICY]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--strict", "--out", str(out))
    assert code == ExitCode.OK, output
    assert "UNMAPPED" not in output
    rows = read_return(out)
    assert {row["Product / service grouping"] for row in rows} <= {
        "Banking and credit cards",
        "Credit related",
        "Home finance",
        "Insurance & pure protection",
    }
    register = tmp_path / "register.csv"
    wide = ["--from", "2026-09-01", "--to", END]  # every sample complaint (received from 21 Sep)
    result = CliRunner().invoke(
        app,
        ["report", "register", *source, "--as-of", AS_OF, *wide, "--format", "csv", "--out", str(register)],
    )
    assert result.exit_code == 0, result.output
    with register.open(encoding="utf-8", newline="") as handle:
        complaints = list(csv.DictReader(handle))
    assert len(complaints) == 40
    start, end = date.fromisoformat(START), date.fromisoformat(END)

    def day(value: str) -> date | None:  # register times are in the policy's zone (Europe/London)
        return datetime.fromisoformat(value).date() if value else None

    received = [day(c["Received"]) for c in complaints]
    closed = [c for c in complaints if (d := day(c["Decided"])) is not None and start <= d <= end]
    opened = sum(1 for r in received if r is not None and start <= r <= end)
    outstanding = sum(
        1
        for c in complaints
        if (r := day(c["Received"])) is not None
        and r < start
        and ((d := day(c["Decided"])) is None or d >= start)
    )
    assert outstanding > 0 and opened > 0  # the period splits the sample
    assert total(rows, "Opened") == opened
    assert total(rows, "Outstanding at start") == outstanding
    assert total(rows, "Closed") == len(closed)
    assert total(rows, "Upheld (incl. partly upheld)") == sum(
        1 for c in closed if c["Outcome"] in ("upheld", "partly_upheld")
    )
    bands = (
        "Closed within 3 business days",
        "Closed after 3 business days and within 8 weeks",
        "Closed after 8 weeks",
    )
    assert sum(total(rows, b) for b in bands) == len(closed)
    figures = f"outstanding at start {outstanding}, opened {opened}, closed {len(closed)}"
    totals = f"# DISP 1 Annex 1R totals: {figures}."
    assert totals in out.read_text(encoding="utf-8").splitlines()


def test_an_unmapped_value_is_named_on_stderr_and_strict_exits_4(tmp_path: Path):
    """The Zendesk sample with its `current_account` option tag renamed to one the pack's table
    does not know: 12 complaints (6 + 3 + 1 + 2 by category, all received in the period)."""
    export = tmp_path / "zendesk.jsonl"
    export.write_text(
        SAMPLE_FILES["zendesk"].read_text(encoding="utf-8").replace("current_account", "offshore_trust"),
        encoding="utf-8",
    )
    source = ["--platform", "zendesk", "--input", str(export), "--policy", FCA_POLICY]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--out", str(out), start="2026-09-01")
    assert code == ExitCode.OK, output
    said = " ".join(output.split())
    assert (
        "UNMAPPED fca-return: 6 complaint(s) with category 'account_management', product 'offshore_trust'"
        in said
    )
    assert "UNMAPPED fca-return: 2 complaint(s) with category 'payments', product 'offshore_trust'" in said
    # The product table is told apart: the same 12 complaints, unmapped as a product too.
    assert "UNMAPPED fca-return: 12 complaint(s) with product 'offshore_trust' (returns.fca.products)" in said
    unmapped = [row for row in read_return(out) if row["Product / service grouping"] == "Unmapped"]
    assert total(unmapped, "Opened") == 12
    assert any(
        line.startswith("# UNMAPPED: 6 complaint(s)") for line in out.read_text(encoding="utf-8").splitlines()
    )
    code, output = report("fca-return", *source, "--out", str(out), "--strict", start="2026-09-01")
    assert code == ExitCode.PARTIAL, output


def test_a_zendesk_payment_services_tag_gets_15_business_days_and_the_annex_1ad_row(tmp_path: Path):
    """Zendesk sample ticket 100001 with the product-group dropdown (field 360000000040, the
    mapping's `product_group`) set to the option tag `payment_services` (Zendesk Support API,
    "Ticket Fields": a dropdown's value is its option tag).

    Created 2026-09-22T10:06:38Z = Tue 22 Sep 11:06 BST, inside working hours. DISP 1.6.2AR,
    15 business days (England and Wales, no bank holiday until 25 Dec): 23-25 Sep (3), 28 Sep -
    2 Oct (8), 5-9 Oct (13), 12, 13 Oct (15) -> Tue 13 Oct 17:00 BST = 16:00Z. Ticket 100002
    (received Wed 23 Sep, no tag) keeps DISP 1.6.2R's 8 weeks: 23 Sep + 56 days = Wed 18 Nov, end
    of day GMT.

    Its Annex 1AD service row (DISP 1 Annex 1AA, "Service groupings"): the ticket's product
    (`current_account`) and subcategory (`app_crash`) name no payment service, so without the
    payment-service dropdown (field 360000000046, the mapping's `payment_service`) it is counted
    as an unmapped service and ``--strict`` exits 4; with the option tag `atm_withdrawal` it is
    the ATM withdrawal row, which sums to the Payment services grouping row.
    """
    export = tmp_path / "zendesk.jsonl"
    write_zendesk_export(export, {100001: {360000000040: "payment_services"}})
    source = ["--platform", "zendesk", "--input", str(export), "--policy", FCA_POLICY, "--as-of", AS_OF]
    result = CliRunner().invoke(app, ["check", *source, "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    due = {
        f["ticket"]: f["due_at"]
        for f in findings
        if f["check"] == "regulatory-response" and f["ticket"] in ("100001", "100002")
    }
    assert due == {"100001": "2026-10-13T16:00:00Z", "100002": "2026-11-18T23:59:59.999999Z"}
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source[:-2], "--strict", "--out", str(out), start="2026-09-01")
    assert code == ExitCode.PARTIAL, output
    said = " ".join(output.split())
    assert (
        "UNMAPPED fca-return: 1 complaint(s) with product 'current_account', subcategory 'app_crash' "
        "(returns.fca.services)" in said
    )
    assert [r["Product"] for r in read_return(out, "Services")] == ["Unmapped service"]
    write_zendesk_export(export, {100001: {360000000040: "payment_services", 360000000046: "atm_withdrawal"}})
    code, output = report("fca-return", *source[:-2], "--strict", "--out", str(out), start="2026-09-01")
    assert code == ExitCode.OK, output
    psd = [row for row in read_return(out) if row["Return"] == R1AD]
    assert [(r["Product / service grouping"], r["Opened"], r["Closed"]) for r in psd] == [
        ("Payment services", "1", "1")
    ]
    services = read_return(out, "Services")
    assert [(r["Product / service grouping"], r["Product"], r["Opened"]) for r in services] == [
        ("Payment services", "ATM withdrawal", "1")
    ]
    check_sections(out)


def write_zendesk_export(path: Path, fields: dict[int, dict[int, str]]) -> None:
    """The Zendesk sample with custom field values added to some tickets (Zendesk Support API,
    "Tickets": ``custom_fields`` is a list of ``{"id", "value"}``; a dropdown's value is its tag)."""
    lines = []
    for line in SAMPLE_FILES["zendesk"].read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        for ticket in page.get("tickets", []):
            for field_id, value in fields.get(ticket["id"], {}).items():
                ticket["custom_fields"].append({"id": field_id, "value": value})
        lines.append(json.dumps(page))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


CAUSE_HEADINGS = (
    "Advising, selling and arranging",
    "Terms and disputed sums/charges",
    "General admin/customer service",
    "Arrears related",
    "Other",
)


def section(table, name: str) -> list[tuple[object, ...]]:
    """The rows of one section, every column of the table (a cell a row lacks as None)."""
    columns = [c for c in table.columns if c != "Section"]
    return [tuple(row.get(c) for c in columns) for row in table.rows if row["Section"] == name]


def test_product_rows_sum_to_their_grouping_and_causes_count_the_complaints_opened():
    """Period Sun 1 - Tue 31 Mar 2026, England and Wales (no bank holiday in Feb / Mar 2026).

    - A: `Credit card`, category `Fees and charges`, received Mon 2 Mar 10:00, decided Thu 5 Mar
      16:00, accepted at once: the 3rd business day after receipt closes Thu 5 Mar 17:00
      (DISP 1.5.1R, acceptance by then per DISP 1.5.2AR) -> within 3 business days. Cause: Terms
      and disputed sums/charges.
    - B: `credit_card` (Zendesk tag), `service_quality`, received Mon 2 Mar, open. Cause: General
      admin/customer service.
    - C: `Current account`, `Payments`, received Fri 20 Feb (before the period: outstanding at
      its start), decided Mon 9 Mar: after Wed 25 Feb 17:00 (3 business days), before Fri 17 Apr
      (8 weeks) -> "after 3 business days and within 8 weeks". Not opened in the period: no cause.
    - D: `Savings`, category `Lottery winnings` (not in returns.fca.causes), received Tue 3 Mar,
      open -> the unmapped cause column, named.
    - E: product group `mortgage`, product `Buy-to-let` (not in returns.fca.products), category
      `arrears`, received Tue 3 Mar, open -> Home finance, unmapped product (named); Arrears
      related.
    """
    records = [
        decided(
            "A",
            t(2026, 3, 2),
            t(2026, 3, 5, 16),
            product="Credit card",
            category="Fees and charges",
            complainant_response=ComplainantResponse.ACCEPTED,
            accepted=ref("changelog:A2", t(2026, 3, 5, 16)),
        ),
        record(t(2026, 3, 2), id="B", product="credit_card", category="service_quality"),
        decided("C", t(2026, 2, 20), t(2026, 3, 9), product="Current account", category="Payments"),
        record(t(2026, 3, 3), id="D", product="Savings", category="Lottery winnings"),
        record(t(2026, 3, 3), id="E", product_group="mortgage", product="Buy-to-let", category="arrears"),
    ]
    table = fca_return(records, pack("fca-disp"), date(2026, 3, 1), date(2026, 3, 31))
    counts = (*BLANK, 0, "0.00")  # Annex 1AD bands blank, upheld, redress
    no_causes = (None,) * 6
    savings = "Savings (inc. cash ISAs) and other banking"
    assert section(table, "Groupings") == [
        (R1R, "Banking and credit cards", None, 1, 3, 2, 1, 1, 0, *counts, *no_causes),
        (R1R, "Home finance", None, 0, 1, 0, 0, 0, 0, *counts, *no_causes),
    ]
    assert section(table, "Products") == [
        (R1R, "Banking and credit cards", "Credit cards", 0, 2, 1, 1, 0, 0, *counts, *no_causes),
        (R1R, "Banking and credit cards", "Current accounts", 1, 0, 1, 0, 1, 0, *counts, *no_causes),
        (R1R, "Banking and credit cards", savings, 0, 1, 0, 0, 0, 0, *counts, *no_causes),
        (R1R, "Home finance", "Unmapped product", 0, 1, 0, 0, 0, 0, *counts, *no_causes),
    ]
    blank = (None,) * 11  # the count columns
    assert table.columns[-6:] == (*CAUSE_HEADINGS, "Unmapped cause")
    assert section(table, "Main causes") == [
        (R1R, "Banking and credit cards", "Credit cards", *blank, 0, 1, 1, 0, 0, 0),
        (R1R, "Banking and credit cards", savings, *blank, 0, 0, 0, 0, 0, 1),
        (R1R, "Home finance", "Unmapped product", *blank, 0, 0, 0, 1, 0, 0),
    ]
    assert table.unmapped == {
        "category 'Lottery winnings' (returns.fca.causes)": 1,
        "product 'Buy-to-let' (returns.fca.products)": 1,
    }


def test_return_details_are_printed_from_the_policy_and_never_defaulted(tmp_path: Path):
    """DISP 1 Annex 1R's return details: group reporting (FRNs of the other entities), nil return
    declaration, consent to the FCA publishing the data (DISP 1.10A). Unset, each says to fill it
    in; consent is never printed as yes unless the policy says so."""
    unset = fca_return([], pack("fca-disp"), date(2026, 3, 1), date(2026, 3, 31))
    assert unset.rows == []
    assert "Nil return declaration: DISP 1 Annex 1R Yes; DISP 1 Annex 1AD Yes." in unset.notes
    assert "Firm reference number (FRN): NOT SET: fill in returns.fca.firm_reference." in unset.notes
    said = " ".join(unset.notes)
    assert "NOT SET: fill in returns.fca.group_firms" in said
    assert "NOT SET: fill in returns.fca.consent_to_publish (never assumed yes)" in said
    assert "on the form enter 0 where the firm does business in them" in said  # GABRIEL help, Q2
    child = tmp_path / "firm.yaml"
    child.write_text(
        "extends: fca-disp\nname: firm\nreturns:\n  fca:\n"
        "    firm_reference: '123456'\n    group_firms: ['654321', '111111']\n"
        "    consent_to_publish: false\n",
        encoding="utf-8",
    )
    source = ["--platform", "zendesk", "--input", str(SAMPLE_FILES["zendesk"]), "--policy", str(child)]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--strict", "--out", str(out))
    assert code == ExitCode.OK, output
    header = out.read_text(encoding="utf-8").splitlines()
    assert "# Firm reference number (FRN): 123456." in header
    assert (
        "# Group reporting (the return covers complaints of more than one entity): Yes; additional FRNs "
        "654321, 111111." in header
    )
    assert "# Nil return declaration: DISP 1 Annex 1R No; DISP 1 Annex 1AD Yes." in header
    assert any(
        line.startswith("# Consent to the FCA publishing") and line.endswith(": No.") for line in header
    )
    # A policy without code tables borrows the pack's, and keeps its own return details.
    own = tmp_path / "own.yaml"
    baseline = PACKS_DIR.parent / "iso10002-baseline.yaml"
    own.write_text(
        f"extends: {baseline}\nname: own\nreturns:\n  fca:\n    firm_reference: '999999'\n", encoding="utf-8"
    )
    borrowed = fca_return([], load_policy(own), date(2026, 3, 1), date(2026, 3, 31))
    assert "Firm reference number (FRN): 999999." in borrowed.notes
    assert any(
        "code tables (groupings, products, causes) of the fca-disp pack" in w for w in borrowed.warnings
    )


def check_sections(path: Path) -> None:
    """Product rows (Annex 1R) and service rows (Annex 1AD) sum to their grouping row, column by
    column; each product's main causes sum to its complaints opened; nothing is unmapped."""
    groupings, products, causes = (read_return(path, s) for s in ("Groupings", "Products", "Main causes"))
    numeric = [
        c for c in groupings[0] if c not in ("Return", "Section", "Product / service grouping", "Product")
    ]
    numeric = [c for c in numeric if c not in CAUSE_HEADINGS and c != "Redress paid"]
    services = read_return(path, "Services")
    for row in groupings:
        items = products if row["Return"] == R1R else services
        mine = [p for p in items if p["Product / service grouping"] == row["Product / service grouping"]]
        assert mine, row
        for column in numeric:
            assert total(mine, column) == int(row[column] or 0), (row, column)
        redress = sum(Decimal(p["Redress paid"]) for p in mine)
        assert redress == Decimal(row["Redress paid"])
    opened = {(p["Product / service grouping"], p["Product"]): int(p["Opened"]) for p in products}
    by_cause = {
        (c["Product / service grouping"], c["Product"]): sum(int(c[h]) for h in CAUSE_HEADINGS)
        for c in causes
    }
    assert by_cause == {k: v for k, v in opened.items() if v}
    assert sum(by_cause.values()) == total([g for g in groupings if g["Return"] == R1R], "Opened")
    assert {p["Product"] for p in products + services}.isdisjoint({"Unmapped product", "Unmapped service"})


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_sample_sections_read_back_sum_to_the_groupings(platform: str, tmp_path: Path):
    source = ["--platform", platform, "--input", str(SAMPLE_FILES[platform]), "--policy", FCA_POLICY]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--strict", "--out", str(out), start="2026-09-01")
    assert code == ExitCode.OK, output
    check_sections(out)
    assert len(read_return(out, "Products")) >= 4


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_a_demo_sized_generated_export_leaves_nothing_unmapped(platform: str, tmp_path: Path):
    """`make demo`'s data: the generator's 600 complaints per helpdesk over 180 days (seed 1).
    Under the baseline policy the demo runs with, the return borrows the fca-disp tables and says
    its clocks are not the regulator's (``--strict`` refuses it); under a policy that extends
    fca-disp, as a firm filing it would, ``--strict`` passes: nothing unmapped."""
    from devtools.generator import GeneratorConfig, write_jsonl

    export = tmp_path / f"{platform}.jsonl"
    end = datetime.fromisoformat("2026-11-20T17:00:00+00:00")
    write_jsonl(export, platform, GeneratorConfig(complaints=600, end=end, seed=1, days=180))
    baseline = str(PACKS_DIR.parent / "iso10002-baseline.yaml")
    source = ["--platform", platform, "--input", str(export), "--policy", baseline]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--out", str(out), start="2026-05-01")
    assert code == ExitCode.OK, output
    assert "does not extend the fca-disp pack" in output and "UNMAPPED" not in output
    check_sections(out)
    policy = tmp_path / "firm.yaml"
    policy.write_text("extends: fca-disp\nname: firm\n", encoding="utf-8")
    filed = tmp_path / "fca-filed.csv"
    source = ["--platform", platform, "--input", str(export), "--policy", str(policy)]
    code, output = report("fca-return", *source, "--strict", "--out", str(filed), start="2026-05-01")
    assert code == ExitCode.OK, output
    assert "UNMAPPED" not in output
    check_sections(filed)
    groupings = read_return(filed)
    assert total(groupings, "Opened") > 500


def test_a_jira_payment_service_option_gives_the_annex_1ad_service_row(tmp_path: Path):
    """Jira Cloud sample issue CS-1 with the shipped mapping's product-group select list
    (customfield_10080) set to "Payment services" and its payment-service select list
    (customfield_10084) to "Standing order" (Jira Cloud REST v3 "Search for issues using JQL": a
    select list's value is ``{"self", "value", "id"}``). DISP 1 Annex 1AA: the complaint goes to
    the one service it relates to: the Standing orders row under Payment services, which sums to
    the grouping row; nothing unmapped, so ``--strict`` passes."""
    lines = []
    for line in SAMPLE_FILES["jira"].read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        for issue in page.get("issues", []):
            if issue["key"] == "CS-1":
                base = "https://complaints-demo.atlassian.net/rest/api/3/customFieldOption/"
                issue["fields"]["customfield_10080"] = {
                    "self": base + "19001",
                    "value": "Payment services",
                    "id": "19001",
                }
                issue["fields"]["customfield_10084"] = {
                    "self": base + "19002",
                    "value": "Standing order",
                    "id": "19002",
                }
        lines.append(json.dumps(page))
    export = tmp_path / "jira.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = ["--platform", "jira", "--input", str(export), "--policy", FCA_POLICY]
    out = tmp_path / "fca.csv"
    code, output = report("fca-return", *source, "--strict", "--out", str(out), start="2026-09-01")
    assert code == ExitCode.OK, output
    services = read_return(out, "Services")
    assert [(r["Return"], r["Product / service grouping"], r["Product"], r["Opened"]) for r in services] == [
        (R1AD, "Payment services", "Standing orders", "1")
    ]
    check_sections(out)
