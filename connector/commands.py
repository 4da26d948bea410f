"""Platform commands (``pull``, ``writeback``) wired into the CLI when their connectors exist."""

from __future__ import annotations

import typer


def register_platform_commands(app: typer.Typer) -> None:
    """Add the commands of the platform connectors to ``app`` (none yet in the core)."""
    del app  # the Zendesk and Jira connectors register their commands here
