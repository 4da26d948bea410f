"""A check reads a vouched stored record by validating the canonical text whose digest it has
just checked (one parse), and still refuses rows that do not match or do not validate.

Records are mapped-record models as sync stores them (``connector.bundles.record_texts``:
canonical JSON of the record without its timeline, and of the timeline).
"""

from __future__ import annotations

import json

import pytest

from connector import stored_records
from connector.bundles import record_digest_of, record_texts
from connector.store import tickets
from connector.store.models import TicketRow
from connector.store.tickets import canonical_json, record_digest
from tests.test_record_matches import _old_texts, _record


def _row(record: str | None, timeline: str | None) -> TicketRow:
    return TicketRow(id=1, record=record, timeline=timeline)


def test_a_canonically_stored_record_is_validated_from_the_checked_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = _record()

    def unexpected(*_args: object) -> object:
        raise AssertionError("parsed the stored texts again after checking their digest")

    monkeypatch.setattr(stored_records, "record_document", unexpected)
    loaded = stored_records._load(_row(*record_texts(record)), record_digest_of(record))
    assert loaded == record


def test_texts_stored_before_they_were_canonical_still_load() -> None:
    record = _record()
    assert stored_records._load(_row(*_old_texts(record)), record_digest_of(record)) == record


@pytest.mark.parametrize("edit", [
    lambda r, t: (r.replace('"stage":"investigating"', '"stage":"closed"'), t),
    lambda r, t: (r, t.replace('"kind":"comment"', '"kind":"note"', 1)),
    lambda r, t: (r, "[]"),
    lambda r, t: (r[:-1], t),
])
def test_an_edited_row_is_not_reused(edit: object) -> None:
    record = _record()
    edited = edit(*record_texts(record))  # type: ignore[operator]
    assert stored_records._load(_row(*edited), record_digest_of(record)) is None


def test_a_matching_text_that_is_no_record_is_not_reused() -> None:
    """The digest vouches for the text, not for it being a valid record: validation stays."""
    document = _record().model_dump(mode="json")
    document["an_unknown_key"] = 1  # the record model forbids extra keys
    timeline = document.pop("timeline")
    texts = canonical_json(document), canonical_json(timeline)
    digest = record_digest(*texts)
    assert json.loads(texts[0])["an_unknown_key"] == 1
    assert tickets.canonical_record_text(*texts, digest) is not None  # the one-parse path
    assert stored_records._load(_row(*texts), digest) is None
