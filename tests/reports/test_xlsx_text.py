"""XLSX cells hold any ticket text: characters XML 1.0 forbids (NUL, VT, ESC, U+FFFF, lone
surrogates) are shown as U+FFFD, everything else as it was, and formula injection stays
neutralised (property test over arbitrary text, read back with openpyxl)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from report_templates.cells import FORMULA_START
from report_templates.views.common import Column, Table
from report_templates.writers.tabular import write_csv
from report_templates.writers.xlsx import write_xlsx

#: Text mixing control characters, formula starters, noncharacters, surrogates and anything else.
NASTY = st.sampled_from(
    [
        "\x00",
        "\x0b",
        "\x1b",
        "\x07",
        "\x7f",
        "\x85",
        "\ufffe",
        "\uffff",
        "\ud800",
        "\udcff",
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "\n",
        " ",
    ]
)
TEXT = st.text(st.one_of(NASTY, st.characters()), max_size=40)


def xml_allowed(c: str) -> bool:
    code = ord(c)
    return c in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def expected_cell(text: str) -> str:
    shown = "".join(c if xml_allowed(c) else "\ufffd" for c in text)
    return "'" + shown if shown.startswith(FORMULA_START) else shown


def table(texts: list[str]) -> Table:
    columns = (Column(key="text", label="Text"), Column(key="items", label="Items"))
    return Table("Hostile", columns, [{"text": t, "items": [t, t]} for t in texts])


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_any_text_is_written_visible_and_inert(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "t.xlsx"
        write_xlsx((table(texts),), out, "UTC")
        ws = load_workbook(out)["Hostile"]
        rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(texts)
    for text, (cell, items) in zip(texts, rows, strict=True):
        # openpyxl reads an empty string back as an empty cell.
        assert (cell.value or "") == expected_cell(text)
        assert (items.value or "") == expected_cell(f"{text}; {text}")
        assert cell.data_type != "f" and items.data_type != "f"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        TEXT.map(lambda t: "".join(c for c in t if not "\ud800" <= c <= "\udfff")), min_size=1, max_size=5
    )
)
def test_csv_keeps_any_encodable_text_and_neutralises_formulas(texts: list[str]) -> None:
    # Surrogates never get this far: connector.untrusted replaces them where JSON enters.
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "t.csv"
        write_csv(table(texts), out)
        with out.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    assert [r["Text"] for r in rows] == ["'" + t if t.startswith(FORMULA_START) else t for t in texts]


def test_the_command_line_loads_no_xlsx_or_pdf_library_until_one_is_written() -> None:
    """openpyxl and WeasyPrint are large imports: a command that writes neither (``--version``,
    ``check``, a CSV or HTML report) does not pay for them."""
    import subprocess
    import sys

    probe = ("import sys, connector.cli; "
             "print(sorted(m for m in ('openpyxl', 'weasyprint') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
