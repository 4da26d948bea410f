"""Webhook deliveries already handled: a repeated delivery is acknowledged, not redone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from connector.store.engine import Store
from connector.store.models import DeliveryRow

KEEP = timedelta(days=2)


def first_delivery(store: Store, key: str, source: str, now: datetime) -> bool:
    """Record ``key``; False when it was seen before."""
    with store.session() as session:
        if session.scalar(select(DeliveryRow.key).where(DeliveryRow.key == key)) is not None:
            return False
        session.add(DeliveryRow(key=key, source=source, received_at=now))
        session.execute(delete(DeliveryRow).where(DeliveryRow.received_at < now - KEEP))
    return True
