"""Opening the store: engine, sessions, and Alembic migrations run programmatically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from connector.store.models import ChainHead

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
GENESIS = "0" * 64


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message never contains a password."""


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (idempotent)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def safe_url(url: str) -> str:
    """The URL with any password masked, for logs and errors."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown by scheme only
        return url.split(":", 1)[0] + "://…"


class Store:
    """An open store. Use :meth:`session` for a unit of work (commit on success)."""

    def __init__(self, url: str, *, migrate_now: bool = True) -> None:
        self.url = url
        try:
            self.engine = _create_engine(url)
        except Exception as exc:  # noqa: BLE001 - driver errors vary; re-raised with a safe URL
            raise StoreError(f"cannot open store {safe_url(url)}: {type(exc).__name__}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate_now:
            migrate(self.engine)
            self._ensure_chain_head()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        with self._sessions() as session, session.begin():
            yield session

    def _ensure_chain_head(self) -> None:
        with self.session() as session:
            if session.scalar(select(ChainHead).where(ChainHead.id == 1)) is None:
                session.add(ChainHead(id=1, last_run_id=None, last_hash=GENESIS))

    def close(self) -> None:
        self.engine.dispose()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Several threads (scheduler, webhook worker, HTTP API) share the engine.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (API, status) never block the writer. FULL: a commit survives power loss,
    # which the write-back journal relies on (its entry must exist before the platform write).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
