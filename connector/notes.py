"""The internal note both platforms write back: one content, per-platform markup.

The content (which findings, each on one line, the marker first, resolved or not) is decided
here; a platform only chooses its template (Zendesk HTML with autoescape, Jira plain text
that :mod:`connector.platforms.jira.notes` shapes as ADF or wiki markup). Undefined names fail loudly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import report_templates
from compliance_checks.advice import advice
from compliance_checks.findings import Finding, Status

#: Lets the mapping recognise our own notes (``actors.connector_marker``).
NOTE_MARKER = "[iso10002]"
_STATUS_LABELS = {Status.FAIL: "not compliant", Status.AT_RISK: "at risk of breaching"}


def moment_in(zone: tzinfo | None) -> Callable[[datetime], str]:
    """How the note writes a time: in the policy's ``zone`` (UTC when none is given), always
    labelled, so the note carries one time zone, the one its finding messages use."""

    def show(value: datetime) -> str:
        local = value.astimezone(zone) if zone is not None else value
        label = local.tzname() or ""
        return f"{local:%Y-%m-%d %H:%M} {label}".strip()

    return show


def _status_label(status: Status) -> str:
    return _STATUS_LABELS.get(status, status.value.lower())


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(report_templates.__file__).parent),
        # HTML templates are autoescaped; the text one is escaped per markup by its platform.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals["status_label"] = _status_label
    # The write-back planner knows no ticket stage (a closed Zendesk ticket is never written).
    env.globals["advice"] = lambda f: advice(f, closed=False)
    return env


def one_line(finding: Finding) -> Finding:
    """A line break in ticket text quoted by a finding would start a block (a bullet, a
    paragraph) of the note: each finding stays one item."""
    message = " ".join(finding.message.splitlines())
    remediation = finding.remediation and " ".join(finding.remediation.splitlines())
    if (message, remediation) == (finding.message, finding.remediation):
        return finding
    return dataclasses.replace(finding, message=message, remediation=remediation)


def render_note(
    template: str,
    findings: Sequence[Finding],
    *,
    resolved: bool,
    marker: str = NOTE_MARKER,
    zone: tzinfo | None = None,
    **extra: Any,
) -> str:
    """The note from ``report_templates/<template>`` (autoescaped when it is ``*.html.j2``),
    times in the policy's ``zone``; ``extra`` adds platform values."""
    return _environment().get_template(template).render(
        findings=[one_line(f) for f in findings], resolved=resolved, marker=marker,
        when=moment_in(zone), **extra
    )
