"""Opening the store: engine, sessions, and Alembic migrations run programmatically."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no start-up lock (one process at a time there)
    fcntl = None  # type: ignore[assignment]

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from connector.store.models import ChainHead

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
GENESIS = "0" * 64


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message never contains a password."""


class StoreBusy(StoreError):
    """Another process kept the store's start-up lock longer than we wait (exit 5)."""


#: How long a process waits for another one creating or migrating the same SQLite store. A
#: migration that rewrites rows takes seconds per 10,000 complaints; waiting beats failing.
STARTUP_WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.1


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


def with_password(url: str, password: str) -> str:
    """The store URL with ``password`` set (taken from the environment, never from a file)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


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
            # Serialised: two processes creating one new SQLite file both ran the first
            # migration ("table alembic_version already exists").
            with startup_lock(url):
                try:
                    migrate(self.engine)
                except BaseException:
                    self.engine.dispose()  # a refused migration leaves no open connection behind
                    raise
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


def reopenable(url: str) -> bool:
    """Whether another process opening ``url`` sees the same store (an in-memory SQLite
    database lives in one process only)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() != "sqlite" or (
        database not in ("", ":memory:") and parsed.query.get("mode") != "memory"
        and "mode=memory" not in database)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename: no lock file we could name reliably
        return None
    return Path(database)


@contextmanager
def startup_lock(url: str, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the store's start-up lock: a file lock next to a SQLite file (``<file>.lock``).

    A second process waits (logging once that it does) and then finds the schema current;
    after ``wait_seconds`` it gives up with :class:`StoreBusy`. PostgreSQL serialises its own
    DDL, so nothing is taken there.
    """
    database = _sqlite_file(url)
    if database is None or fcntl is None:
        yield
        return
    limit = STARTUP_WAIT_SECONDS if wait_seconds is None else wait_seconds
    lock_path = database.with_name(database.name + ".lock")
    with lock_path.open("a") as handle:
        _take(handle.fileno(), lock_path, limit)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _take(fd: int, lock_path: Path, limit: float) -> None:
    assert fcntl is not None  # noqa: S101 - checked by the caller
    deadline: float | None = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if deadline is None:
                log.warning("waiting for another process creating or migrating the store (%s)", lock_path)
                deadline = time.monotonic() + limit
            elif time.monotonic() > deadline:
                raise StoreBusy(
                    f"store busy: another process has held {lock_path} for over {limit:.0f} s "
                    "(creating or migrating the store)"
                ) from None
            time.sleep(_POLL_SECONDS)
        else:
            return


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
    # Applies to a new file only (before WAL, which fixes it): compressed rows of a few KB
    # leave much of a 4 KiB page unused.
    cursor.execute("PRAGMA page_size=16384")
    # WAL: readers (API, status) never block the writer. FULL: a commit survives power loss,
    # which the write-back journal relies on (its entry must exist before the platform write).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
