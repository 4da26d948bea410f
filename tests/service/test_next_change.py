"""``next_change`` sees every dated part of a record, whatever class holds it: timeline events,
evidence references inside record fields and letters, pauses. A time it misses would let the
periodic re-evaluation skip a ticket whose findings have changed."""

from __future__ import annotations

import typing
from datetime import datetime, timedelta

from pydantic import AwareDatetime

from compliance_checks.model import Event, EvidenceRef, Letter, LetterKind, SourceKind
from connector.reevaluation import next_change
from tests.checks.conftest import NOW, POLICY, comment, make_record, pause

#: Monday 12:00, well before the next midnight: only the record's own times can come first.
AS_OF = NOW
SOON = AS_OF + timedelta(hours=2)


def _ref(at: datetime) -> EvidenceRef:
    return EvidenceRef(at=at, source_kind=SourceKind.COMMENT, source_id="c-9")


def test_a_later_timeline_event_bounds_the_next_change() -> None:
    record = make_record(timeline=(comment("comment:c-1", SOON),))
    assert next_change(record, (), POLICY, AS_OF) == SOON


def test_a_later_evidence_reference_in_a_field_bounds_the_next_change() -> None:
    record = make_record(acknowledged=_ref(SOON))
    assert next_change(record, (), POLICY, AS_OF) == SOON


def test_a_later_letter_bounds_the_next_change() -> None:
    record = make_record(letters=(Letter(kind=LetterKind.FINAL, sent=_ref(SOON)),))
    assert next_change(record, (), POLICY, AS_OF) == SOON


def test_a_running_pause_allows_no_skip() -> None:
    record = make_record(paused=(pause(AS_OF - timedelta(days=1), None),))
    assert next_change(record, (), POLICY, AS_OF) == AS_OF


def test_without_later_times_the_next_change_is_the_next_midnight() -> None:
    record = make_record(timeline=(comment("comment:c-1", AS_OF - timedelta(hours=1)),))
    assert next_change(record, (), POLICY, AS_OF) > SOON


def test_an_events_only_time_is_at() -> None:
    """The walk reads ``Event.at`` without visiting the other fields: a second dated field on
    Event must be added to that fast path."""
    hints = typing.get_type_hints(Event)
    times = {datetime, AwareDatetime}
    dated = [name for name, hint in hints.items() if times & {hint, *typing.get_args(hint)}]
    assert dated == ["at"]
