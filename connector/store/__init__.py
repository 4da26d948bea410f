"""The history store: sources and cursors, ticket snapshots, mapped records, evaluation runs
(hash-chained, append-only), the write-back journal, locks. SQLite by default, PostgreSQL by URL.
"""

from connector.store.engine import GENESIS, Store, StoreBusy, StoreError, migrate, safe_url

__all__ = ["GENESIS", "Store", "StoreBusy", "StoreError", "migrate", "safe_url"]
