"""The history store: sources and cursors, ticket snapshots, mapped records, evaluation runs
(hash-chained, append-only), the write-back journal, locks. SQLite by default, PostgreSQL by URL.
"""

from sqlalchemy.orm import Session

from connector.store.engine import GENESIS, Store, StoreBusy, StoreError, migrate, safe_url, with_password

__all__ = ["GENESIS", "Session", "Store", "StoreBusy", "StoreError", "migrate", "safe_url", "with_password"]
