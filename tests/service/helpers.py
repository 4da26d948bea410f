"""In-process pipelines on the Zendesk sandbox (virtual clock) for the store tests."""

from __future__ import annotations

from typing import Any

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.store import Store
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
