"""Per-platform payload formats: how a helpdesk's raw payloads look to the pure mapping.

``mappings`` cannot import ``connector``, so it has its own registry of payload formats (one
module per helpdesk, here); ``assemble``, ``select``, ``values``, ``raw`` and ``regulatory_parts``
ask the format instead of branching on a platform's name.
"""

from __future__ import annotations

from functools import cache

from mappings.formats.base import PayloadFormat


@cache
def _formats() -> dict[str, PayloadFormat]:
    # Imported on first use: the formats read values with mappings.values, which uses this registry.
    from mappings.formats.jira import JiraFormat
    from mappings.formats.zendesk import ZendeskFormat

    return {f.name: f for f in (ZendeskFormat(), JiraFormat())}


def format_for(platform: str) -> PayloadFormat:
    """The payload format of ``platform`` (``KeyError`` for an unknown one)."""
    return _formats()[platform]


__all__ = ["PayloadFormat", "format_for"]
