"""The helpdesks behind one interface (:mod:`.base`) and their registry (:mod:`.registry`)."""

from connector.platforms.base import Platform, PullResult, TicketOutcome, WritebackReport
from connector.platforms.registry import UnknownPlatform, names, platform_for, platforms

__all__ = ["Platform", "PullResult", "TicketOutcome", "UnknownPlatform", "WritebackReport", "names",
           "platform_for", "platforms"]
