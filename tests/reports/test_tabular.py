"""CSV and XLSX are read back and compared; formula injection is neutralised in both."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from report_templates.input import ReportInput
from report_templates.render import render_report
from tests.reports.builders import HOSTILE_CATEGORY, HOSTILE_NAME, HOSTILE_ROOT, HOSTILE_SUMMARY, RENDER

HOSTILE = (HOSTILE_SUMMARY, HOSTILE_NAME, HOSTILE_CATEGORY, HOSTILE_ROOT)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_register_csv_round_trip(tmp_path: Path, data: ReportInput) -> None:
    out = render_report("register", data, "csv", tmp_path / "register.csv", render=RENDER)
    rows = read_csv(out)
    assert [r["Complaint"] for r in rows] == ["CS-1", "CS-2", "CS-3", "CS-4", "CS-5", "CS-6"]
    first = rows[0]
    assert first["Received"] == "2026-10-01T10:00:00+01:00"
    assert (first["Escalated"], first["Outcome"], first["Findings"]) == ("yes", "upheld", "all clear")
    hostile = rows[4]
    # every dangerous leading character is quoted so no spreadsheet evaluates it
    assert hostile["Summary"] == "'" + HOSTILE_SUMMARY
    assert hostile["Complainant"] == "'" + HOSTILE_NAME
    assert hostile["Category"] == "'" + HOSTILE_CATEGORY
    assert hostile["Product/service"] == "'" + HOSTILE_ROOT
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.parametrize(
    ("kind", "first_column", "expected_first"),
    [("kpi", "Key", "received"), ("audit", "Complaint", "CS-4"), ("review", "Key", "received")],
)
def test_main_table_csv(
    tmp_path: Path, data: ReportInput, kind: str, first_column: str, expected_first: str
) -> None:
    rows = read_csv(render_report(kind, data, "csv", tmp_path / f"{kind}.csv", render=RENDER))
    assert rows[0][first_column] == expected_first


def test_kpi_csv_numbers_are_numbers(tmp_path: Path, data: ReportInput) -> None:
    out = render_report("kpi", data, "csv", tmp_path / "k.csv", render=RENDER)
    rows = {r["Key"]: r for r in read_csv(out)}
    assert float(rows["ack_in_target"]["Value"]) == pytest.approx(0.6)
    assert rows["received"]["Change"] == "3.0"  # a negative change would be -x: a number, not text


def test_register_xlsx_round_trip(tmp_path: Path, data: ReportInput) -> None:
    out = render_report("register", data, "xlsx", tmp_path / "register.xlsx", render=RENDER)
    wb = load_workbook(out)
    ws = wb["Register"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:AJ{1 + 6}"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Complaint", "Link", "Platform", "Received (Europe/London)"]
    received = ws.cell(row=2, column=4)
    assert received.is_date and received.value == datetime(2026, 10, 1, 10, 0)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    values = {c.value for row in ws.iter_rows(min_row=2) for c in row}
    for text in HOSTILE:
        assert "'" + text in values and text not in values
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_xlsx_has_every_table_of_the_view(tmp_path: Path, data: ReportInput) -> None:
    wb = load_workbook(render_report("audit", data, "xlsx", tmp_path / "audit.xlsx", render=RENDER))
    assert wb.sheetnames == ["Exceptions", "Clause coverage", "Waivers", "Unconfirmed figures"]
    waivers = wb["Waivers"]
    assert waivers.cell(row=2, column=5).is_date
    kpi = load_workbook(render_report("kpi", data, "xlsx", tmp_path / "kpi.xlsx", render=RENDER))["KPIs"]
    values = {row[0].value: row[3].value for row in kpi.iter_rows(min_row=2)}
    assert values["ack_in_target"] == pytest.approx(0.6)
