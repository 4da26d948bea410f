"""A page whose long table would be laid out as one piece, cut into volumes of at most N rows.

WeasyPrint's cost of a table broken over pages grows faster than its page count (Kozea/WeasyPrint
issue #1296, "Page creation takes too much time based on page size": the time to render a table
on several pages depends on the number of pages; #70 and #1104: gigabytes for one table of
thousands of rows), and its tagged (PDF/UA) write costs tagged elements x pages in one document.
The register and the audit exceptions are such tables, so the PDF writer writes each part as a
volume of its own, a complete PDF (``writers/pdf.py``).

Works on the markup our own templates write (``_base.html.j2``, the ``data-tool`` table of the
register and the audit): cell text is escaped there, so ``<tr``, ``<tbody`` and ``</table>``
occur only as markup.
"""

from __future__ import annotations

import glob
import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

#: The long table: the one the page's table tools work on.
_LONG_TABLE = re.compile(r"<table\b[^>]*\bdata-tool\b[^>]*>")
_CAPTION = re.compile(r"<caption\b.*?</caption>", re.DOTALL)
_BODY_TOKEN = re.compile(r"<tbody\b[^>]*>|</tbody>|<tr\b.*?</tr>", re.DOTALL)
_HEAD = re.compile(r"^.*?<body\b[^>]*>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ROW = re.compile(r"<tr\b([^>]*)>")
_NOUN = re.compile(r'\bdata-rows="([^"]*)"')
#: The running strings of ``_base.html.j2``'s ``@page`` rules and the elements that set them.
_STRINGS = (
    ("report-title", re.compile(r"<header>\s*<h1\b[^>]*>(.*?)</h1>", re.DOTALL)),
    ("report-period", re.compile(r"<header>.*?<p class=\"lead\">(.*?)</p>", re.DOTALL)),
    ("report-hash", re.compile(r"<(\w+) class=\"[^\"]*\brunning-hash\b[^\"]*\">(.*?)</\1>", re.DOTALL)),
)


@dataclass(frozen=True)
class _Table:
    start: int  # where the table's start tag begins
    head_end: int  # just after its </thead>
    end: int  # where its </table> begins


def _find_table(page: str) -> _Table | None:
    match = _LONG_TABLE.search(page)
    if match is None:
        return None
    head_end = page.index("</thead>", match.end()) + len("</thead>")
    return _Table(match.start(), head_end, page.index("</table>", head_end))


def css_string(text: str) -> str:
    """A CSS string literal (CSS Syntax 3, 4.3.5: a backslash and six hex digits escape any
    character), so report text cannot end the rule."""
    return '"' + "".join(c if c.isalnum() or c in " .,:;-_/()+" else f"\\{ord(c):06x}" for c in text) + '"'


def _text(fragment: str) -> str:
    """An element's text as CSS ``content()`` gives it: tags dropped, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def _carried_strings(page: str) -> str:
    """A rule setting, from a part's first box, the running strings the first part's header
    sets, so every page of a later part has the same running header and footer."""
    values = []
    for name, pattern in _STRINGS:
        match = pattern.search(page)
        if match is not None:
            values.append(f"{name} {css_string(_text(match.group(match.lastindex or 1)))}")
    return f"<style>body {{ string-set: {', '.join(values)}; }}</style>" if values else ""


def _row_groups(body: str, rows_per_part: int) -> list[str]:
    """The table's bodies cut after every ``rows_per_part`` rows; a body cut in two is
    reopened with its own start tag."""
    parts: list[str] = []
    current: list[str] = []
    opened = ""
    rows = 0
    for token in _BODY_TOKEN.finditer(body):
        text = token.group(0)
        if text.startswith("<tbody"):
            opened = text
            current.append(text)
        elif text == "</tbody>":
            opened = ""
            current.append(text)
        else:
            if rows == rows_per_part:
                parts.append("".join(current) + ("</tbody>" if opened else ""))
                current, rows = ([opened] if opened else []), 0
            current.append(text)
            rows += 1
    parts.append("".join(current))
    return parts


def split_page(page: str, rows_per_part: int) -> list[str]:
    """``page`` as documents of at most ``rows_per_part`` rows of its long table each, in order:
    the first with everything before the table, the last with everything after it; the others
    with the table's header row (not its caption) and the running strings. One document when
    the page has no long table or the table is short."""
    if rows_per_part < 1:
        raise ValueError("rows_per_part must be at least 1")
    table = _find_table(page)
    if table is None:
        return [page]
    groups = _row_groups(page[table.head_end : table.end], rows_per_part)
    if len(groups) == 1:
        return [page]
    head = _HEAD.match(page)
    if head is None or "</head>" not in head.group(0):
        return [page]
    head_end = head.group(0).index("</head>")
    table_head = _CAPTION.sub("", page[table.start : table.head_end], count=1)
    carried = head.group(0)[:head_end] + _carried_strings(page) + head.group(0)[head_end:] + table_head
    first = page[: table.head_end] + groups[0] + "</table></body></html>"
    middle = [carried + group + "</table></body></html>" for group in groups[1:-1]]
    last = carried + groups[-1] + page[table.end :]
    return [first, *middle, last]


@dataclass(frozen=True)
class Volume:
    """One volume's page and the rows of the long table it holds (1-based, group rows not
    counted), of ``total`` rows named ``noun`` (the table's ``data-rows``)."""

    text: str
    first: int
    last: int
    total: int
    noun: str


def _data_rows(part: str) -> int:
    table = _find_table(part)
    if table is None:
        return 0
    return sum(1 for attrs in _ROW.findall(part, table.head_end, table.end) if 'class="grp"' not in attrs)


def split_volumes(page: str, rows_per_volume: int) -> list[Volume]:
    """``page`` cut as ``split_page`` does, each part with the rows it holds."""
    texts = split_page(page, rows_per_volume)
    counts = [_data_rows(text) for text in texts]
    table = _LONG_TABLE.search(page)
    noun = _NOUN.search(table.group(0)) if table else None
    volumes, first = [], 1
    for text, count in zip(texts, counts, strict=True):
        volumes.append(Volume(text, first, first + count - 1, sum(counts), noun.group(1) if noun else "rows"))
        first += count
    return volumes


def earlier_volumes(path: Path, kept: Collection[Path]) -> list[Path]:
    """Volumes beside ``path`` left by an earlier run (another count or another report), not in
    ``kept``: each names ``path`` as its volume 1, which now holds a different report."""
    pattern = f"{glob.escape(path.stem)}.vol*-of-*{glob.escape(path.suffix)}"
    return sorted(p for p in path.parent.glob(pattern) if p not in kept)


def volume_path(path: Path, number: int, count: int) -> Path:
    """Where volume ``number`` of ``count`` of the PDF asked for at ``path`` is written: volume
    1 at ``path`` itself (the file a user or a schedule expects, with the summary and the list
    of volumes), the others beside it as ``<stem>.vol<k>-of-<n><suffix>``."""
    if number == 1:
        return path
    return path.with_name(f"{path.stem}.vol{number}-of-{count}{path.suffix}")
