"""Named crash points for the crash-safety tests: ``ISO10002_CRASH_AT=<name>`` kills the process
there with ``os._exit(137)`` (no cleanup, no flush), as a power cut or ``kill -9`` would."""

from __future__ import annotations

import os

ENV = "ISO10002_CRASH_AT"
POINTS = ("mid-sync", "after-journal-write", "after-platform-write")


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os._exit(137)
