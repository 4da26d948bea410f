"""Value shapes both sandboxes validate the same way (each caller cites its vendor's document)."""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_calendar_date(value: object) -> bool:
    """``YYYY-MM-DD`` and a real calendar date: no time part, no offset (a date field's value)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
