"""Render the internal note from ``report_templates/writeback_note.html.j2``.

Autoescape is on and undefined names fail loudly: finding messages and evidence quote ticket
content, which is untrusted HTML as far as Zendesk's ``html_body`` is concerned.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

import report_templates
from compliance_checks.findings import Status
from connector.writeback import NoteAction

TEMPLATE = "writeback_note.html.j2"
#: Lets the mapping recognise our own notes (``actors.connector_marker``).
NOTE_MARKER = "[iso10002]"
_STATUS_LABELS = {Status.FAIL: "not compliant", Status.AT_RISK: "at risk of breaching"}


def _due_date(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _status_label(status: Status) -> str:
    return _STATUS_LABELS.get(status, status.value.lower())


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(report_templates.__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["due_date"] = _due_date
    env.globals["status_label"] = _status_label
    return env


def render_note(note: NoteAction, *, findings_hash: str) -> str:
    """The note's ``html_body`` for a planned :class:`NoteAction`."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        action=note.action,
        findings=note.findings,
        findings_hash=findings_hash,
        marker=NOTE_MARKER,
    )
