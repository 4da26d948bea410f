"""Zendesk's markup of the internal note: ``html_body`` from ``writeback_note.html.j2``.

Autoescape is on: finding messages and evidence quote ticket content, which is untrusted HTML
as far as Zendesk's ``html_body`` is concerned. The content is :mod:`connector.notes`'.
"""

from __future__ import annotations

from datetime import tzinfo

from connector.notes import render_note
from connector.writeback import NoteAction

TEMPLATE = "writeback_note.html.j2"


def note_html(note: NoteAction, *, findings_hash: str, zone: tzinfo | None = None) -> str:
    """The note's ``html_body`` for a planned :class:`NoteAction` (times in the policy's ``zone``)."""
    return render_note(
        TEMPLATE,
        note.findings,
        resolved=note.action == "resolve",
        action=note.action,
        findings_hash=findings_hash,
        zone=zone,
    )
