"""The streamed run hash equals the historical ``run_hash`` byte for byte (stores written
before streaming must still verify)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.store.models import RunRow
from connector.store.runs import RunHasher, run_hash
from connector.store.tickets import canonical_json

# Quotes, backslashes, NUL, non-ASCII and astral characters: everything JSON escapes or not.
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', "\\", "\x00", "é", "😀", "findings", '"findings":[', "]", ","]
)
payload = st.dictionaries(text, text | st.integers() | st.none(), max_size=4).map(canonical_json)
finding = st.tuples(text, text, payload | text)


def _run(kind: str, errors: list[str], tickets: int) -> RunRow:
    moment = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    return RunRow(
        kind=kind, started_at=moment, as_of=moment, policy_hash="p" * 64,
        mapping_hashes=canonical_json({"a": "m"}), waivers_hash="w" * 64, holidays_version="0.1",
        code_version="1.0", tickets=tickets, errors=canonical_json(errors), prev_hash="0" * 64,
    )


@settings(max_examples=300, deadline=None)
@given(findings=st.lists(finding, max_size=20), kind=text, errors=st.lists(text, max_size=3),
       tickets=st.integers(0, 10**6))
def test_streamed_hash_equals_content_hash(
    findings: list[tuple[str, str, str]], kind: str, errors: list[str], tickets: int
) -> None:
    run = _run(kind, errors, tickets)
    hasher = RunHasher(run)
    for item in sorted(findings):
        hasher.add(*item)
    assert hasher.hexdigest() == run_hash(run, findings)


def test_unsorted_stream_is_refused() -> None:
    hasher = RunHasher(_run("check", [], 2))
    hasher.add("s", "b", "{}")
    with pytest.raises(ValueError, match="sorted"):
        hasher.add("s", "a", "{}")


@settings(max_examples=300, deadline=None)
@given(findings=st.lists(finding, max_size=20), kind=text)
def test_hash_fed_a_ticket_at_a_time_equals_content_hash(
    findings: list[tuple[str, str, str]], kind: str
) -> None:
    """What verification feeds (each ticket's sorted texts at once) hashes the same bytes."""
    run = _run(kind, [], len(findings))
    hasher = RunHasher(run)
    ordered = sorted(findings)
    for key in sorted({(s, t) for s, t, _ in ordered}):
        hasher.add_ticket(*key, [p for s, t, p in ordered if (s, t) == key])
    assert hasher.hexdigest() == run_hash(run, findings)


def test_unsorted_ticket_texts_are_refused() -> None:
    hasher = RunHasher(_run("check", [], 1))
    with pytest.raises(ValueError, match="sorted"):
        hasher.add_ticket("s", "a", ["{\"b\":1}", "{\"a\":1}"])
    hasher = RunHasher(_run("check", [], 2))
    hasher.add_ticket("s", "b", ["{}"])
    with pytest.raises(ValueError, match="sorted"):
        hasher.add_ticket("s", "a", ["{}"])
