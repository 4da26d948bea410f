"""Alembic environment: always run programmatically with a connection (see ``engine.migrate``)."""

from __future__ import annotations

from alembic import context

from connector.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes one
    raise RuntimeError("run migrations through connector.store.engine.migrate()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
