"""Untrusted JSON enters here: payload files and helpdesk API answers (Jira and Zendesk).

JSON may spell a lone UTF-16 surrogate (``"\\udcff"``) that decodes to a Python string no
UTF-8 writer accepts: the store, reports and every output crashed on it. Each one is replaced
with U+FFFD once, as the document is parsed, so everything downstream holds encodable text.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
#: A surrogate code point in decoded text: json pairs valid escapes, so any left is unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The JSON escape of a surrogate (``\uD800``-``\uDFFF``): without one, no walk is needed.
_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")


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


def loads(data: bytes | str) -> Any:
    """``json.loads`` whose strings are all encodable (raises what ``json.loads`` raises)."""
    value = json.loads(data)
    if isinstance(data, bytes):
        suspect = _ESCAPE_BYTES.search(data) is not None
    else:
        suspect = _ESCAPE_TEXT.search(data) is not None or _SURROGATE.search(data) is not None
    return clean(value) if suspect else value
