"""Ticket ids by platform grammar: the one check every entry point (webhooks, panel API, refresh,
CLI) applies before an id reaches a store query, a metric, a file name or a helpdesk URL.

Each platform defines its grammar (``Platform.is_ticket_id`` in ``connector/platforms``); an
unknown platform has no valid ids.
"""

from __future__ import annotations

from urllib.parse import quote


class InvalidTicketId(ValueError):
    """Not a ticket id of the platform (the message never repeats the value: it is untrusted)."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"not a valid {platform} ticket id")
        self.platform = platform


def is_ticket_id(platform: str, value: str) -> bool:
    # Imported here: the platforms' clients import url_segment from this module.
    from connector.platforms.registry import UnknownPlatform, platform_for

    try:
        return platform_for(platform).is_ticket_id(value)
    except UnknownPlatform:
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
