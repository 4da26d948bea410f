"""Untrusted JSON enters here: payload files and helpdesk API answers (Jira and Zendesk).

JSON may spell a lone UTF-16 surrogate (``"\\udcff"``) that decodes to a Python string no
UTF-8 writer accepts: the store, reports and every output crashed on it. Each one is replaced
with U+FFFD once, as the document is parsed, so everything downstream holds encodable text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

REPLACEMENT = "\ufffd"
#: A surrogate code point in decoded text: json pairs valid escapes, so any left is unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The JSON escape of a surrogate (``\uD800``-``\uDFFF``), or text that looks like one (after an
#: escaped backslash); group 1 tells a high (8-B) from a low (C-F) half. A literal first
#: character keeps the scan fast.
_ESCAPE_BYTES = re.compile(rb"\\u[dD]([89a-fA-F])[0-9a-fA-F]{2}")
_ESCAPE_TEXT = re.compile(r"\\u[dD]([89a-fA-F])[0-9a-fA-F]{2}")
_HIGH = frozenset("89abAB")


def clean_text(text: str) -> str:
    """``text`` with every unpaired surrogate replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def clean(value: Any) -> Any:
    """A decoded JSON value with every string (keys too) passed through :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _unpaired_escape(
    data: bytes | str, matches: Iterator[re.Match[str]] | Iterator[re.Match[bytes]]
) -> bool:
    """Whether the surrogate escapes found leave one unpaired: JSON joins a high escape with a
    low one right after it; any other surrogate escape decodes to a lone surrogate. A match
    after an odd number of backslashes is text (``\\\\ud800``), not an escape."""
    backslash = b"\\"[0] if isinstance(data, bytes) else "\\"
    open_high_end = -1
    for match in matches:
        start = match.start()
        before = start
        while before > 0 and data[before - 1] == backslash:
            before -= 1
        if (start - before) % 2:
            continue
        half = match.group(1)
        high = (half.decode() if isinstance(half, bytes) else half) in _HIGH
        if open_high_end >= 0:
            if high or start != open_high_end:
                return True
            open_high_end = -1
        elif high:
            open_high_end = match.end()
        else:
            return True
    return open_high_end >= 0


def loads(data: bytes | str) -> Any:
    """``json.loads`` whose strings are all encodable (raises what ``json.loads`` raises). Text
    whose surrogate escapes are all paired (emoji escaped by an ASCII-only writer) is not walked."""
    value = json.loads(data)
    if isinstance(data, bytes):
        suspect = _unpaired_escape(data, _ESCAPE_BYTES.finditer(data))
    else:
        suspect = _SURROGATE.search(data) is not None or _unpaired_escape(
            data, _ESCAPE_TEXT.finditer(data)
        )
    return clean(value) if suspect else value
