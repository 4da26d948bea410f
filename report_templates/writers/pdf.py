"""PDF from the very same HTML, with WeasyPrint (needs Pango; see README "Reports")."""

from __future__ import annotations

import logging
from pathlib import Path


def write_pdf(html: str, out: Path) -> None:
    from weasyprint import HTML

    # WeasyPrint logs every SVG presentation property its CSS validator does not know
    # (matplotlib writes many); the drawing is unaffected, so keep only real errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    # No base_url: the page has no external assets, and nothing may be fetched.
    HTML(string=html, base_url=None).write_pdf(out)
