"""PDF from the very same HTML, with WeasyPrint (needs Pango and fonts; see README "Reports")."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from report_templates.env import format_number
from report_templates.input import ROWS_PER_VOLUME
from report_templates.writers.pdf_parts import Volume, css_string, split_volumes, volume_path

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

LOG = logging.getLogger(__name__)

# Tagged PDF (structure tree, document language and title) for screen readers: WeasyPrint's
# PDF/UA-1 variant, `write_pdf(pdf_variant="pdf/ua-1")`, `--pdf-variant pdf/ua-1` on its CLI (in
# every version we allow: WeasyPrint 70.0 "API Reference", Command-line API, --pdf-variant choices,
# doc.courtbouillon.org/weasyprint/v70.0/api_reference.html; the variant exists since version 57).
PDF_VARIANT = "pdf/ua-1"

# WeasyPrint's own warning when no installed font has a character (it draws .notdef, a box).
_NOTDEF_PREFIX = ".notdef glyph rendered"
_SHOWN = 12


class _QuietWeasyPrint(logging.Filter):
    """Drops WeasyPrint's warnings (every SVG presentation property its CSS validator does not
    know: matplotlib writes many, the drawing is unaffected) but keeps the characters it had to
    draw as boxes, so the writer can say which ones."""

    def __init__(self) -> None:
        super().__init__()
        self.missing: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(_NOTDEF_PREFIX) and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            self.missing.add(str(args[0]))
            return False
        return record.levelno >= logging.ERROR


@dataclass(frozen=True)
class PdfWritten:
    """The files written, volume 1 first (one when the long table fits one volume), and the
    characters no installed font could draw (empty when every glyph resolved)."""

    paths: tuple[Path, ...]
    missing: frozenset[str]


def _before_head_end(page: str, markup: str) -> str:
    at = page.index("</head>")
    return page[:at] + markup + page[at:]


def _after(page: str, pattern: str, markup: str) -> str:
    found = re.search(pattern, page)
    if found is None:
        return page
    return page[: found.end()] + markup + page[found.end() :]


def _range(volume: Volume, locale: str) -> str:
    def number(value: int) -> str:
        return format_number(value, 0, locale)

    return f"{volume.noun} {number(volume.first)}\u2013{number(volume.last)} of {number(volume.total)}"


def _listing(volumes: list[Volume], name: str, locale: str, rows_per_volume: int) -> str:
    """Volume 1's list of every volume: its rows and its file."""
    rows = format_number(rows_per_volume, 0, locale)
    lines = "".join(
        f'<tr><th scope="row">{k}</th><td>{escape(_range(v, locale))}</td>'
        f"<td>{escape(volume_path(Path(name), k, len(volumes)).name)}</td></tr>"
        for k, v in enumerate(volumes, start=1)
    )
    return (
        '<section class="volumes"><h2>Volumes</h2>'
        f"<p>Printed as {len(volumes)} PDF files (volumes) of at most {escape(rows)} table rows each: "
        "this one has the summary, the last the closing sections; every volume repeats the table's "
        "header row on each page.</p>"
        '<table><thead><tr><th scope="col">Volume</th><th scope="col">Rows</th>'
        f'<th scope="col">File</th></tr></thead><tbody>{lines}</tbody></table></section>'
    )


def _volume_page(volumes: list[Volume], number: int, name: str, locale: str, rows_per_volume: int) -> str:
    """Volume ``number``'s page: "Volume k of n" and its rows in the running header (top
    centre), volume 1 with the list of volumes, the others with a line saying where the rest is."""
    volume = volumes[number - 1]
    label = f"Volume {number} of {len(volumes)} \u00b7 {_range(volume, locale)}"
    rule = (
        f"<style>@page {{ @top-center {{ content: {css_string(label)}; font-size: 8px; "
        "color: #57606a; } }</style>"
    )
    page = _before_head_end(volume.text, rule)
    if number == 1:
        return _after(page, r"</header>", _listing(volumes, name, locale, rows_per_volume))
    note = (
        f'<p class="volume-note">{escape(label)}. The summary and the list of volumes are in volume '
        f"1, {escape(name)}.</p>"
    )
    return _after(page, r"<body\b[^>]*>", note)


def _write(page: str, target: Path, fonts: FontConfiguration) -> None:
    from weasyprint import HTML

    # No base_url: the page has no external assets, and nothing may be fetched.
    HTML(string=page, base_url=None).write_pdf(target, pdf_variant=PDF_VARIANT, font_config=fonts)


def _temporary(path: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    return Path(name)


def _render(html: str, out: Path, rows_per_volume: int, name: str, locale: str) -> tuple[Path, ...]:
    """Every volume written beside its target under a temporary name, one at a time (only one
    volume's pages are in memory), then each renamed into place: all volumes or none."""
    from weasyprint.text.fonts import FontConfiguration

    volumes = split_volumes(html, rows_per_volume)
    fonts = FontConfiguration()
    if len(volumes) == 1:
        _write(html, out, fonts)
        return (out,)
    targets = [volume_path(out, k, len(volumes)) for k in range(1, len(volumes) + 1)]
    written: list[Path] = []
    try:
        for number, target in enumerate(targets, start=1):
            written.append(_temporary(target))
            _write(_volume_page(volumes, number, name, locale, rows_per_volume), written[-1], fonts)
        for temporary, target in zip(written, targets, strict=True):
            os.replace(temporary, target)
    finally:
        for left in written:
            left.unlink(missing_ok=True)
    return tuple(targets)


def write_pdf(
    html: str,
    out: Path,
    *,
    rows_per_volume: int = ROWS_PER_VOLUME,
    name: str | None = None,
    locale: str = "en_GB",
) -> PdfWritten:
    """Writes the tagged PDF at ``out``; a long table of more than ``rows_per_volume`` rows as
    volumes, volume 1 at ``out`` and the others beside it (``pdf_parts.volume_path``). ``name``:
    the file name volume 1 lists the volumes under (default ``out``'s: a caller writing to a
    temporary name gives the final one). Logs a warning naming the code points no font has."""
    weasy_log = logging.getLogger("weasyprint")
    quiet = _QuietWeasyPrint()
    level = weasy_log.level
    weasy_log.setLevel(logging.WARNING)
    weasy_log.addFilter(quiet)
    try:
        paths = _render(html, out, rows_per_volume, name or out.name, locale)
    finally:
        weasy_log.removeFilter(quiet)
        weasy_log.setLevel(level)
    if quiet.missing:
        codes = sorted(f"U+{ord(c):04X}" for c in quiet.missing if len(c) == 1)
        LOG.warning(
            "%s: %d characters have no glyph in the installed fonts and print as boxes (%s%s); "
            "install the font packages named in the README, section Reports",
            out.name,
            len(codes),
            ", ".join(codes[:_SHOWN]),
            ", ..." if len(codes) > _SHOWN else "",
        )
    return PdfWritten(paths, frozenset(quiet.missing))
