"""PDF from the very same HTML, with WeasyPrint (needs Pango and fonts; see README "Reports")."""

from __future__ import annotations

import logging
from pathlib import Path

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


def write_pdf(html: str, out: Path) -> frozenset[str]:
    """Writes the tagged PDF; returns the characters no installed font could draw (empty when
    every glyph resolved) and logs a warning naming their code points."""
    from weasyprint import HTML

    weasy_log = logging.getLogger("weasyprint")
    quiet = _QuietWeasyPrint()
    level = weasy_log.level
    weasy_log.setLevel(logging.WARNING)
    weasy_log.addFilter(quiet)
    try:
        # No base_url: the page has no external assets, and nothing may be fetched.
        HTML(string=html, base_url=None).write_pdf(out, pdf_variant=PDF_VARIANT)
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
