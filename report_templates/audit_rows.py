"""The audit page's exception rows, formatted in Python: the same HTML the Jinja loop wrote.

A 100,000-complaint audit lists tens of thousands of exceptions; the template loop cost about
25 generator steps and a dozen autoescape calls per row (most of the page's time). Here a row is
one format string with each value escaped once, and rows are handed to the template in batches
(so a large page is still streamed, never held whole). ``tests/reports/test_audit_rows.py``
checks this against the template loop it replaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from markupsafe import Markup

from report_templates.env import check_label, day, dt_cell, safe_url, text
from report_templates.views.audit import ExceptionRow
from report_templates.views.common import trim

#: Rows per chunk handed to the template (a few hundred KB of HTML).
BATCH = 500

_ROW = (
    '      <tr><th scope="row">{link}</th><td><span title="{title} ({check})">{label}</span><br>'
    "<small>clause {clauses}</small></td>\n"
    '        <td><span class="status s-{status}">{status}</span>{was}</td>\n'
    "        <td>{severity}</td><td>{due}</td><td>{message}</td>\n"
    "        <td>{evidence}</td>\n"
    "        <td>{last}</td></tr>\n"
)


#: markupsafe's escaping (``&<>'"``, same entities) as one ``str.translate``: every value here
#: is text, and this skips building a ``Markup`` per cell.
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def _e(value: str) -> str:
    return value.translate(_HTML)


def _evidence_html(e: ExceptionRow) -> str:
    """Each evidence sentence, its source id (which identifies it in the helpdesk) as a tooltip."""
    sources = e.evidence_sources or ("",) * len(e.evidence)
    return "<br>".join(
        f'<span title="source id: {_e(source)}">{_e(text)}</span>' if source else _e(text)
        for text, source in zip(e.evidence, sources, strict=False)
    )


#: Where an advice's short name ends: its first clause (``The complaint is closed: ...``).
_CLAUSE_END = re.compile(r"[:.;(]")


def _short(advice: str) -> str:
    return trim(_CLAUSE_END.split(advice, maxsplit=1)[0], 48) or advice[:48]


@dataclass(frozen=True)
class AdviceNote:
    """One distinct piece of advice: its number and short name (what a row shows, linking to
    the note), its full text and how many exceptions it applies to."""

    number: int
    short: str
    text: str
    count: int

    @property
    def anchor(self) -> str:
        return f"advice-{self.number}"


@dataclass(frozen=True)
class AdviceLegend:
    """Each distinct remediation of the exceptions, stated once (most frequent first): the same
    ~40 words on thousands of rows buried the rows. A row refers to its advice by number and
    short name; the CSV/JSON exports keep each row's full text."""

    notes: tuple[AdviceNote, ...]
    _by_text: dict[str, AdviceNote] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, rows: Sequence[ExceptionRow]) -> AdviceLegend:
        counts = Counter(r.remediation for r in rows if r.remediation and not r.waiver_approver)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        notes = tuple(AdviceNote(n, _short(t), t, c) for n, (t, c) in enumerate(ordered, start=1))
        return cls(notes, {note.text: note for note in notes})

    def cell(self, advice: str | None) -> str:
        """The row's reference to its advice (escaped HTML); the full text for one not listed."""
        note = self._by_text.get(advice or "")
        if note is None:
            return _e(text(advice))
        return f'<a href="#{note.anchor}">[{note.number}] {_e(note.short)}</a>'


def exception_row_html(e: ExceptionRow, legend: AdviceLegend | None = None) -> str:
    """One row, as ``audit.html.j2`` wrote it (every value autoescaped); with ``legend`` the
    remediation is a reference to the legend's note."""
    link = safe_url(e.url)
    ticket = _e(e.ticket)
    if e.waiver_approver:
        last = f"waived by {_e(e.waiver_approver)} until {_e(day(e.waiver_expires))}"
    elif legend is not None:
        last = legend.cell(e.remediation)
    else:
        last = _e(text(e.remediation))
    status = _e(e.status)
    return _ROW.format(
        link=f'<a href="{_e(link)}">{ticket}</a>' if link else ticket,
        check=_e(e.check),
        title=_e(e.title),
        label=_e(check_label(e.check)),
        clauses=_e(e.clauses),
        status=status,
        was=f"<br><small>was {_e(e.original_status)}</small>" if e.original_status else "",
        severity=_e(e.severity),
        due=dt_cell(e.due_at),
        message=_e(e.message),
        evidence=_evidence_html(e),
        last=last,
    )


def exception_rows(rows: Sequence[ExceptionRow], legend: AdviceLegend | None = None) -> Iterator[Markup]:
    """The rows in chunks of ``BATCH`` (nothing for no rows: the template's ``else`` shows)."""
    for start in range(0, len(rows), BATCH):
        chunk = "".join(exception_row_html(e, legend) for e in rows[start : start + BATCH])
        yield Markup(chunk)  # noqa: S704 - every value is escaped above


NO_TEAM, NO_OWNER = "No team", "Unassigned"


@dataclass(frozen=True)
class ExceptionGroup:
    """The exceptions of one owner in one team (the audit page's table of contents entry)."""

    anchor: str
    team: str
    owner: str
    rows: tuple[ExceptionRow, ...]

    @property
    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts


def _group_key(r: ExceptionRow) -> tuple[bool, str, bool, str]:
    # Named teams and owners first, alphabetically; the unassigned ones last.
    return (r.team is None, r.team or "", r.owner is None, r.owner or "")


def exception_groups(rows: Sequence[ExceptionRow]) -> list[tuple[str, list[ExceptionGroup]]]:
    """The exceptions by team, then owner (each group keeps the view's status/due order)."""
    ordered = sorted(rows, key=_group_key)  # stable: the order within a group is kept
    teams: list[tuple[str, list[ExceptionGroup]]] = []
    for n, ((_, team, _, owner), members) in enumerate(groupby(ordered, key=_group_key)):
        group = ExceptionGroup(f"exc-{n + 1}", team or NO_TEAM, owner or NO_OWNER, tuple(members))
        if teams and teams[-1][0] == group.team:
            teams[-1][1].append(group)
        else:
            teams.append((group.team, [group]))
    return teams
