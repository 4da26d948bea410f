"""PDF from the very same HTML, with WeasyPrint (needs Pango and fonts; see README "Reports")."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from report_templates.writers.pdf_parts import split_page

if TYPE_CHECKING:
    from weasyprint import Document
    from weasyprint.formatting_structure.boxes import Box

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


#: Rows of a long table laid out as one WeasyPrint document (``writers/pdf_parts.py``): small
#: enough that no part costs much more than its share, large enough that the part ends (each
#: leaves the rest of its last page empty) are few.
ROWS_PER_PART = 400


def _texts(box: Box) -> Iterator[str]:
    text = getattr(box, "text", None)
    if isinstance(text, str):
        yield text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _numbered_margins(stamp: Document) -> list[list[Box]]:
    """Per page of ``stamp``, its margin boxes that print something: those drawn from page
    counters, as the running strings are not set in a document without content."""
    return [
        [box for box in page._page_box.children[1:] if "".join(_texts(box)).strip()] for page in stamp.pages
    ]


def _join(parts: list[Document], stamp: Document) -> Document:
    """The pages of every part, in order, as one document; each page's counter-drawn margin
    boxes ("Page x of y") replaced by those of the same page of ``stamp``, a document of as many
    empty pages laid out with the same page rules."""
    pages = [page for part in parts for page in part.pages]
    for page, numbered in zip(pages, _numbered_margins(stamp), strict=True):
        places = {box.at_keyword for box in numbered}
        kept = [box for box in page._page_box.children[1:] if box.at_keyword not in places]
        page._page_box.children = (page._page_box.children[0], *kept, *numbered)
    return parts[0].copy(pages)


def _stamp_page(page: str, pages: int) -> str:
    """The page's head (its page rules) and ``pages`` empty pages."""
    head = page[: page.index("</head>")]
    return (
        head
        + "</head><body>"
        + '<div style="height: 1px"></div>'
        + '<div style="break-before: page; height: 1px"></div>' * (pages - 1)
        + "</body></html>"
    )


def _render(html: str, out: Path, rows_per_part: int) -> None:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    texts = split_page(html, rows_per_part)
    # No base_url: the page has no external assets, and nothing may be fetched.
    if len(texts) == 1:
        HTML(string=html, base_url=None).write_pdf(out, pdf_variant=PDF_VARIANT)
        return
    # One font configuration for every part: the joined document draws with all their fonts.
    fonts = FontConfiguration()
    parts = [
        HTML(string=text, base_url=None).render(font_config=fonts, pdf_variant=PDF_VARIANT) for text in texts
    ]
    total = sum(len(part.pages) for part in parts)
    stamp = HTML(string=_stamp_page(html, total), base_url=None).render(
        font_config=fonts, pdf_variant=PDF_VARIANT
    )
    _join(parts, stamp).write_pdf(out, pdf_variant=PDF_VARIANT)


def write_pdf(html: str, out: Path, *, rows_per_part: int = ROWS_PER_PART) -> frozenset[str]:
    """Writes the tagged PDF; returns the characters no installed font could draw (empty when
    every glyph resolved) and logs a warning naming their code points. A long table is laid out
    ``rows_per_part`` rows at a time."""
    weasy_log = logging.getLogger("weasyprint")
    quiet = _QuietWeasyPrint()
    level = weasy_log.level
    weasy_log.setLevel(logging.WARNING)
    weasy_log.addFilter(quiet)
    try:
        _render(html, out, rows_per_part)
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
    return frozenset(quiet.missing)
