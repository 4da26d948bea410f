"""The registry of platforms: the one place that lists the helpdesks the connector reads."""

from __future__ import annotations

from functools import cache, reduce
from operator import or_
from typing import Any

from connector.platforms.base import Platform


class UnknownPlatform(KeyError):
    """No platform of that name is registered."""


@cache
def _registry() -> dict[str, Platform]:
    from connector.platforms.jira.platform import Jira
    from connector.platforms.zendesk.platform import Zendesk

    return {p.name: p for p in (Zendesk(), Jira())}


def platforms() -> list[Platform]:
    """Every registered platform, in a stable order."""
    return list(_registry().values())


def names() -> list[str]:
    return list(_registry())


def platform_for(name: str) -> Platform:
    """The platform called ``name``, or :class:`UnknownPlatform`."""
    try:
        return _registry()[name]
    except KeyError:
        raise UnknownPlatform(name) from None


def source_union() -> Any:
    """The union of every platform's settings model (for a pydantic discriminated union on
    ``platform``)."""
    return reduce(or_, (p.settings_model for p in platforms()))
