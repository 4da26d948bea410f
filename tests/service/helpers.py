"""In-process pipelines on the Zendesk sandbox (virtual clock) for the store tests."""

from __future__ import annotations

from typing import Any

from alembic import command

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.store import Store
from connector.store.engine import _alembic_config
from devtools.sandboxes.zendesk import SandboxServer
from tests.zendesk import scenarios as sc


def pipeline(server: SandboxServer, store: Store, **source: Any) -> Pipeline:
    src = sc.sandbox_source(server, **source)
    client = sc.sandbox_client(server, src)
    config = AppConfig.model_validate({
        "sources": [src.model_dump(mode="json")],
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
    })
    return Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)


def complaint_ids(server: SandboxServer) -> set[str]:
    return {str(t) for t, ticket in server.state.world.tickets.items()
            if "complaint" in ticket["tags"] and ticket["status"] != "deleted"}


def migrate_store(store_url: str, revision: str, *, down: bool) -> None:
    """Move the store at ``store_url`` to ``revision`` with Alembic (a store in an older shape)."""
    engine = Store(store_url, migrate_now=False).engine
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()
