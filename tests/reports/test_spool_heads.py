"""The spool's pass parse: finding heads carry exactly the full findings' values, the audit's
exception statuses come whole, and ``lookup`` gives every finding whole; for parsed items and
for store payloads alike, with hostile and non-ASCII text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_checks.findings import FINDING_JSON, Evidence, Finding, Status, WaiverApplied
from compliance_checks.model import (
    TIMELINE_JSON,
    ComplaintRecord,
    Event,
    EventKind,
    Severity,
    SourceKind,
    Stage,
)
from connector.reports.spool import Spool, StoredItem
from report_templates.input import FULL_STATUSES, FindingHead, Item

HOSTILE = st.sampled_from(
    [
        "<script>alert('x')</script>",
        '"><img src=x onerror=alert(1)>',
        '=HYPERLINK("http://evil.example/x")',
        "tab\there\nnew line \\ backslash",
        "Zo\u00eb \u2013 \u6771\u4eac \u2713 \U0001f600",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=30))
MOMENT = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
FINDING = st.builds(
    Finding,
    ticket=TEXT,
    platform=TEXT,
    check=TEXT,
    title=TEXT,
    status=st.sampled_from(list(Status)),
    clauses=st.lists(TEXT, max_size=3).map(tuple),
    severity=st.sampled_from(list(Severity)),
    due_at=st.one_of(st.none(), MOMENT),
    message=TEXT,
    evidence=st.lists(st.builds(Evidence, kind=TEXT, ref=TEXT, note=TEXT), max_size=2).map(tuple),
    remediation=st.one_of(st.none(), TEXT),
    facts=st.dictionaries(TEXT, st.one_of(st.none(), st.booleans(), st.integers(), TEXT), max_size=2),
    waiver=st.one_of(
        st.none(),
        st.builds(
            WaiverApplied,
            reason=TEXT,
            approver=TEXT,
            expires=st.dates(min_value=date(2000, 1, 1)),
            original_status=st.just(Status.FAIL),
        ),
    ),
    url=st.one_of(st.none(), TEXT),
)


def _record(i: int, summary: str) -> ComplaintRecord:
    at = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=i)
    event = Event(
        at=at, kind=EventKind.RECEIVED, source_kind=SourceKind.ISSUE, source_id=f"e{i}", text=summary
    )
    return ComplaintRecord(
        id=f"CS-{i}\t\u00e9", platform="jira", received_at=at, summary=summary, timeline=(event,)
    )


def _check(written: list[Item], spool: Spool) -> None:
    read = list(spool.items())
    assert [r.record for r in read] == [w.record.model_copy(update={"timeline": ()}) for w in written]
    for got, sent in zip(read, written, strict=True):
        assert len(got.findings) == len(sent.findings)
        for head, full in zip(got.findings, sent.findings, strict=True):
            if full.status in FULL_STATUSES:
                assert type(head) is Finding
                assert head == full
            else:
                assert type(head) is FindingHead
                head_fields = set(FindingHead.model_fields)
                assert head.model_dump() == FINDING_JSON.dump_python(full, include=head_fields)
    ids = [w.record.id for w in written]
    assert sorted(spool.find(ids), key=lambda i: ids.index(i.record.id)) == written


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, st.lists(FINDING, max_size=6)), min_size=1, max_size=3))
def test_heads_and_whole_findings_round_trip(complaints: list[tuple[str, list[Finding]]]) -> None:
    written = [Item(_record(i, summary), tuple(fs)) for i, (summary, fs) in enumerate(complaints)]
    parsed, stored = Spool(), Spool()
    try:
        parsed.write(written)
        stored.write(
            StoredItem(
                item.record.model_dump_json(exclude_defaults=True),
                tuple(
                    (f.status.value, FINDING_JSON.dump_json(f, exclude_defaults=True, indent=1).decode())
                    for f in item.findings
                ),
            )
            for item in written
        )
        _check(written, parsed)
        _check(written, stored)
        # Counted / open / flagged, worked out from the stored text, match the parsed models'.
        assert list(stored.briefs()) == list(parsed.briefs())
    finally:
        parsed.close()
        stored.close()


def test_a_stored_finding_with_an_unknown_status_is_refused() -> None:
    record = _record(1, "summary")
    spool = Spool()
    try:
        with pytest.raises(ValueError, match="unknown finding status in the store: \\['BOGUS'\\]"):
            spool.write([StoredItem(record.model_dump_json(), (("PASS", "{}"), ("BOGUS", "{}")))])
    finally:
        spool.close()


@pytest.mark.parametrize(
    "values",
    [{}, {"in_scope": False}, {"deleted": True}, {"stage": Stage.RESOLVED}, {"stage": Stage.INVESTIGATING}],
    ids=["default", "out-of-scope", "deleted", "resolved", "investigating"],
)
@pytest.mark.parametrize("timeline_apart", [True, False], ids=["timeline-apart", "record-whole"])
def test_a_stored_record_gives_the_backlog_flags_its_model_gives(values: dict[str, object],
                                                                 timeline_apart: bool) -> None:
    record = _record(1, "summary").model_copy(update=values)
    failed = Finding(ticket=record.id, platform="jira", check="c", title="t", status=Status.FAIL,
                     clauses=(), severity=Severity.HIGH, message="m")
    stored_findings = (("FAIL", FINDING_JSON.dump_json(failed).decode()),)
    if timeline_apart:
        stored = StoredItem(record.model_copy(update={"timeline": ()}).model_dump_json(exclude_defaults=True),
                            stored_findings, TIMELINE_JSON.dump_json(record.timeline).decode())
    else:
        stored = StoredItem(record.model_dump_json(), stored_findings)
    parsed, spooled = Spool(), Spool()
    try:
        parsed.write([Item(record, (failed,))])
        spooled.write([stored])
        assert list(spooled.briefs()) == list(parsed.briefs())
        assert [i.record for i in spooled.items()] == [i.record for i in parsed.items()]
    finally:
        parsed.close()
        spooled.close()
