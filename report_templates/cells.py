"""Spreadsheet-safe cells: ticket content is untrusted.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (CSV/formula injection). Such cells are prefixed with a
single quote, which spreadsheets show as text; numbers and dates are written as real values.

XLSX cells are XML: characters XML 1.0 forbids (most C0 controls such as NUL, VT and ESC,
U+FFFE/U+FFFF, lone surrogates) make openpyxl refuse the cell or the file unreadable. They are
shown as U+FFFD, so the rest of the text stays visible.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"
#: Everything outside XML 1.0's ``Char`` production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def safe_cell(value: object) -> object:
    """The value as written to CSV/XLSX: text that could start a formula is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    # isprintable() is a fast C scan; only text it flags (controls, some spaces) is searched.
    if value.isprintable() or not _NOT_XML.search(value):
        return value
    return _NOT_XML.sub(REPLACEMENT, value)


def safe_xlsx_cell(value: str) -> str:
    """Text as written to an XLSX cell: formula-neutralised (``safe_cell``) and XML-safe."""
    text = xml_text(value)
    return "'" + text if text.startswith(FORMULA_START) else text
