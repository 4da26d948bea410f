"""A stored record's digest is checked against a run's manifest by hashing the texts as stored
when sync wrote them canonically, and by parsing and re-encoding them otherwise: both give the
answer ``record_digest`` gives, and no way of cutting the evaluated text into a record and a
timeline other than the stored one passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from compliance_checks.model import TIMELINE_JSON, ComplaintRecord, Event, EventKind, SourceKind, Stage
from connector.bundles import record_digest_of, record_texts
from connector.store import tickets
from connector.store.tickets import canonical_json, record_digest, record_matches
from tests.checks.conftest import make_record

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _record() -> ComplaintRecord:
    """A record whose values hold the keys and characters a splice could trip on."""
    events = tuple(
        Event(at=T0 + timedelta(hours=n), kind=EventKind.COMMENT, source_kind=SourceKind.COMMENT,
              source_id=str(n), text=f'n{n}' + ',"updated_at":"x"]}')
        for n in range(2)
    )
    return make_record(
        redress_amount=Decimal("12.50"),
        attributes={"nested": {"updated_at": "2026", "b": [1, 2.5, None]}, "flag": True},
        summary='Quote " and \u2028, "updated_at":"2026" ]}',
        timeline=events,
        updated_at=T0 + timedelta(days=1),
        stage=Stage.INVESTIGATING,
    )


def _old_texts(record: ComplaintRecord) -> tuple[str, str]:
    """What sync stored before its texts were canonical (model field order)."""
    return record.model_dump_json(exclude={"timeline"}), TIMELINE_JSON.dump_json(record.timeline).decode()


def test_canonical_texts_match_without_re_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    record = _record()
    digest = record_digest_of(record)
    stored = record_texts(record)
    assert record_digest(*stored) == digest
    assert tickets._stored_canonically(*stored, digest)

    def unexpected(*_args: object) -> str:
        raise AssertionError("re-encoded a canonically stored record")

    monkeypatch.setattr(tickets, "record_digest", unexpected)
    assert record_matches(*stored, digest)


def test_texts_stored_before_they_were_canonical_still_match() -> None:
    record = _record()
    digest = record_digest_of(record)
    old = _old_texts(record)
    assert old != record_texts(record)
    assert not tickets._stored_canonically(*old, digest)
    assert record_matches(*old, digest)


@pytest.mark.parametrize("edit", [
    lambda r, t: (r.replace('"stage":"investigating"', '"stage":"closed"'), t),
    lambda r, t: (r, t.replace('"kind":"comment"', '"kind":"note"', 1)),
    lambda r, t: (r, "[]"),
    lambda r, t: (r.replace('"updated_at":"2026-11-03', '"updated_at":"2026-11-04'), t),
    lambda r, t: (r[:-1], t),
    lambda r, t: (r, None),
    lambda r, t: (None, t),
])
def test_an_edited_row_does_not_match(edit: object) -> None:
    record = _record()
    digest = record_digest_of(record)
    edited = edit(*record_texts(record))  # type: ignore[operator]
    assert edited != record_texts(record)
    assert not record_matches(*edited, digest)


def test_only_the_stored_cut_of_the_evaluated_text_matches() -> None:
    """Every other way to write the evaluated canonical text as a spliced record and timeline
    (the timeline ending earlier or later) fails, in both paths."""
    record = _record()
    digest = record_digest_of(record)
    whole = canonical_json(record.model_dump(mode="json"))
    start = whole.index(',"timeline":')
    head, rest = whole[:start], whole[start + len(',"timeline":'):]
    good = record_texts(record)
    matched = []
    for cut in range(len(rest) + 1):
        stored = head + rest[cut:], rest[:cut]
        if record_matches(*stored, digest):
            matched.append(stored)
    assert matched == [good]


def test_a_timeline_key_inside_the_record_takes_the_parsing_path() -> None:
    record = make_record(attributes={"timeline": [1]}, timeline=(
        Event(at=T0, kind=EventKind.COMMENT, source_kind=SourceKind.COMMENT, source_id="1"),))
    digest = record_digest_of(record)
    stored = record_texts(record)
    assert '"timeline":' in stored[0]
    assert not tickets._stored_canonically(*stored, digest)
    assert record_matches(*stored, digest)
    assert json.loads(stored[0])["attributes"] == {"timeline": [1]}


@pytest.mark.parametrize("document", [
    {"a": 1, "timeline": [{"b": 1, "updated_at": "x"}], "updated_at": "u", "url": "v"},
    # No top-level updated_at: the timeline's own is the last one in a record cut short.
    {"a": 1, "timeline": [{"b": 1, "updated_at": "x"}], "url": "v"},
    {"a": [{"updated_at": "y"}], "timeline": [], "updated_at": None, "url": None},
])
def test_no_other_cut_of_any_document_matches(document: dict[str, object]) -> None:
    """The same for documents beyond today's record model: an ``updated_at`` key inside the
    timeline, or none at the top level, never lets a cut other than the stored one pass."""
    timeline = document["timeline"]
    digest = record_digest(canonical_json({k: v for k, v in document.items() if k != "timeline"}),
                           canonical_json(timeline))
    whole = canonical_json(document)
    start = whole.index(',"timeline":')
    head, rest = whole[:start], whole[start + len(',"timeline":'):]
    matched = [cut for cut in range(len(rest) + 1) if record_matches(head + rest[cut:], rest[:cut], digest)]
    assert matched == [len(canonical_json(timeline))]
