"""Spreadsheet-safe cells: ticket content is untrusted.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (CSV/formula injection). Such cells are prefixed with a
single quote, which spreadsheets show as text; numbers and dates are written as real values.
"""

from __future__ import annotations

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as written to CSV/XLSX: text that could start a formula is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
