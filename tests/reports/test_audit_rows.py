"""``audit_rows``: the audit's exception rows formatted in Python are the bytes the Jinja loop
wrote (the loop is kept here as the reference), for hostile and non-ASCII content too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from report_templates.audit_rows import BATCH, _e, exception_row_html, exception_rows
from report_templates.env import environment
from report_templates.views.audit import ExceptionRow

#: The loop ``audit.html.j2`` had before rows were formatted in Python (byte for byte).
REFERENCE = (
    "    {% for e in rows %}\n"
    '      <tr><th scope="row">{% set link = e.url | safe_url %}{% if link %}<a href="{{ link }}">'
    "{{ e.ticket }}</a>{% else %}{{ e.ticket }}{% endif %}</th>"
    '<td><span title="{{ e.title }} ({{ e.check }})">'
    "{{ e.check | check_label }}</span><br><small>clause "
    "{{ e.clauses }}</small></td>\n"
    '        <td><span class="status s-{{ e.status }}">{{ e.status }}</span>{% if e.original_status %}'
    "<br><small>was {{ e.original_status }}</small>{% endif %}</td>\n"
    "        <td>{{ e.severity }}</td><td>{{ e.due_at | dt_cell }}</td><td>{{ e.message }}</td>\n"
    "        <td>{% for ev in e.evidence %}{{ ev }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>\n"
    "        <td>{% if e.waiver_approver %}waived by {{ e.waiver_approver }} until "
    "{{ e.waiver_expires | day }}{% else %}{{ e.remediation | text }}{% endif %}</td></tr>\n"
    "    {% else %}\n"
    '      <tr><td colspan="8">No FAIL, AT_RISK or WAIVED findings.</td></tr>\n'
    "    {% endfor %}\n"
)
#: The same place in the template as it is now.
CURRENT = (
    "    {% for chunk in exception_rows(rows) %}{{ chunk }}{% else %}\n"
    '      <tr><td colspan="8">No FAIL, AT_RISK or WAIVED findings.</td></tr>\n'
    "    {% endfor %}\n"
)

HOSTILE = st.sampled_from(
    [
        "<script>alert('x')</script>",
        '"><img src=x onerror=alert(1)>',
        "&amp; & ' \"",
        "Zo\u00eb \u2013 \u6771\u4eac \u2713",
        "",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=40))
URL = st.one_of(
    st.none(),
    st.sampled_from(["https://x.example/a?b=1&c=<2>", "javascript:alert(1)", " HTTP://x", "ftp://x"]),
    TEXT,
)
MOMENT = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
        lambda d: d.astimezone(ZoneInfo("Europe/London"))
    ),
)
ROWS = st.builds(
    ExceptionRow,
    ticket=TEXT,
    url=URL,
    check=TEXT,
    title=TEXT,
    status=st.sampled_from(["FAIL", "AT_RISK", "WAIVED", "<b>"]),
    original_status=st.one_of(st.none(), st.just(""), TEXT),
    severity=TEXT,
    clauses=TEXT,
    due_at=MOMENT,
    message=TEXT,
    evidence=st.lists(TEXT, max_size=3).map(tuple),
    remediation=st.one_of(st.none(), TEXT),
    waiver_approver=st.one_of(st.none(), st.just(""), TEXT),
    waiver_expires=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1))),
)


def _render(source: str, rows: list[ExceptionRow]) -> str:
    template = environment().from_string(source)
    return template.render(rows=rows, exception_rows=exception_rows)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.lists(ROWS, max_size=4))
def test_rows_are_the_template_loop_bytes(rows: list[ExceptionRow]) -> None:
    assert _render(CURRENT, rows) == _render(REFERENCE, rows)


def test_rows_come_in_batches_and_join_to_the_whole() -> None:
    row = ExceptionRow(
        ticket="CS-1", url="https://x.example/CS-1", check="c", title="t", status="FAIL",
        original_status=None, severity="high", clauses="7.4", due_at=None, message="m",
        evidence=("a", "b"), remediation=None, waiver_approver=None, waiver_expires=None,
    )  # fmt: skip
    rows = [row] * (BATCH + 3)
    chunks = list(exception_rows(rows))
    assert len(chunks) == 2
    assert "".join(chunks) == exception_row_html(row) * len(rows)
    assert _render(CURRENT, rows) == _render(REFERENCE, rows)
    assert list(exception_rows([])) == []


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.one_of(HOSTILE, st.text()))
def test_escaping_is_markupsafes(value: str) -> None:
    assert _e(value) == str(escape(value))
