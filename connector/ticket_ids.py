"""Ticket ids by platform grammar: the one check every entry point (webhooks, panel API, refresh,
CLI) applies before an id reaches a store query, a metric, a file name or a helpdesk URL.

Jira: an issue key (project key, ``-``, a positive number; Jira's default project-key pattern is
``[A-Z][A-Z0-9_]*``, some sites allow lowercase) or a numeric issue id. Zendesk: a positive
64-bit integer.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_JIRA_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[1-9][0-9]{0,17}")
_NUMBER = re.compile(r"[1-9][0-9]{0,18}")
_INT64_MAX = 2**63 - 1


class InvalidTicketId(ValueError):
    """Not a ticket id of the platform (the message never repeats the value: it is untrusted)."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"not a valid {platform} ticket id")
        self.platform = platform


def _positive_int64(value: str) -> bool:
    # fullmatch first: int() of a huge digit string is slow or refused outright.
    return _NUMBER.fullmatch(value) is not None and int(value) <= _INT64_MAX


def is_ticket_id(platform: str, value: str) -> bool:
    if platform == "zendesk":
        return _positive_int64(value)
    if platform == "jira":
        return _JIRA_KEY.fullmatch(value) is not None or _positive_int64(value)
    return False


def ticket_id(platform: str, value: object) -> str:
    """``value`` as a ticket id of ``platform``, or :class:`InvalidTicketId`."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not is_ticket_id(platform, text):
        raise InvalidTicketId(platform)
    return text


def url_segment(ticket: str) -> str:
    """A ticket id as one URL path segment (defence in depth: ids are validated on entry)."""
    return quote(str(ticket), safe="")
