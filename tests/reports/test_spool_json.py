"""The spool's JSON encoder (pydantic-core's, for speed): compact text (no raw tab, newline or
carriage return) that reads back unchanged, for hostile and non-ASCII ticket text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from connector.reports.spool import _dumps

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.sampled_from(["\t", "\n", "\r\n", "\u2028", "=cmd|' /C calc'!A0", "<script>", 'a"b\\c', "é😀"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_a_field_stays_on_one_line_and_reads_back(value: object) -> None:
    text = _dumps(value)
    assert "\t" not in text and "\n" not in text and "\r" not in text
    assert json.loads(text) == value


def test_non_ascii_is_kept_as_is() -> None:
    assert _dumps({"text": "Beschwerde über Lieferung 😀"}) == '{"text":"Beschwerde über Lieferung 😀"}'
