"""A page streamed to its file (a register of 100,000 rows is tens of megabytes of HTML)."""

from __future__ import annotations

from pathlib import Path

from report_templates.env import RenderContext
from report_templates.html import Page, page_chunks

#: Characters gathered before each write while a page streams to its file.
_WRITE_EVERY = 1 << 20


def write_html(view: Page, render: RenderContext, out: Path, *, templates_dir: str | None = None) -> None:
    """``render_html`` streamed to ``out``: the page is never held whole (a register of
    100,000 rows is tens of megabytes of HTML)."""
    with out.open("w", encoding="utf-8") as handle:
        pending: list[str] = []
        size = 0
        for chunk in page_chunks(view, render, templates_dir):
            pending.append(chunk)
            size += len(chunk)
            if size >= _WRITE_EVERY:
                handle.write("".join(pending))
                pending, size = [], 0
        handle.write("".join(pending))
