"""Named crash points for the crash-safety tests: ``ISO10002_CRASH_AT=<name>`` in a process's
start-up environment kills it there with ``os._exit(137)`` (no cleanup, no flush), as a power
cut or ``kill -9`` would.

A test seam that costs nothing when off: the variable is read once, at import, into
:data:`ARMED`, and every call site is guarded (``if ARMED: crash_point("...")``), so an
unarmed process makes no environment lookup and no call at a crash point.
"""

from __future__ import annotations

import os

ENV = "ISO10002_CRASH_AT"
POINTS = ("mid-sync", "after-journal-write", "after-platform-write",
          "jira-mid-pages", "jira-after-comment", "jira-after-issue-edit")
#: The crash point this process dies at, or None (the product's case).
ARMED: str | None = os.environ.get(ENV) or None


def crash_point(name: str) -> None:
    """Die here if this process was started armed at ``name``; call only under ``if ARMED:``."""
    if name == ARMED:
        os._exit(137)
