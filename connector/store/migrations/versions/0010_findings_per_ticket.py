"""Store one row per ticket and run in ``findings``, its findings' texts zstd-compressed.

A finding's JSON text was stored as one row of its own: eleven rows of about 700 bytes per
complaint and run, with two index entries each, half of a store's size. The eleven findings of
one ticket repeat most of their text (ticket, platform, link, fields read), so they are now kept
together: one row per ticket and run, whose ``payload`` is the findings' canonical JSON texts,
one per line in the order they were stored, as one zstd frame. Readers take check and status
from the texts: no unhashed copy of them is kept.

The texts are kept byte for byte, so every run's ``content_hash`` (taken over the texts, never
over the stored bytes) verifies as before and nothing is re-hashed. The ``check`` and
``status`` columns were copies outside the hash, which ``verify-store`` compared with the texts:
the upgrade refuses a store where one differs (dropping it would hide the edit), naming the row,
before it changes anything. The downgrade splits the rows back into one row per finding, with
``check`` and ``status`` read from each text (nothing is lost).

SQLite does not give freed pages back to the file system by itself: run ``VACUUM`` on the
store (with the service stopped) after upgrading an existing store to shrink the file.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
import zstandard
from alembic import op

from connector.store.engine import StoreError

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Rows read (and inserted) per query: memory stays bounded on a large store.
CHUNK = 5000
#: Canonical JSON escapes every control character: no finding text contains a newline.
LINE = "\n"
OLD = "findings_0009"
NEW = "findings_0010"


# The stored form, frozen here (``connector.store.compression`` may change later): one zstd
# frame of the UTF-8 text, at zstd's default level.
def compress_text(text: str) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(text.encode("utf-8"))


def decompress_text(data: bytes) -> str:
    return zstandard.ZstdDecompressor().decompress(bytes(data)).decode("utf-8")


def _per_ticket() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
    ]


def _per_finding() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("check", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    ]


def _swap(old_columns: list[sa.Column[Any]], new_columns: list[sa.Column[Any]], convert: Any) -> None:
    """Move ``findings`` (of ``old_columns``) aside, create its replacement of ``new_columns``,
    fill it with ``convert`` of the old rows, drop the old table and rename the new one to
    ``findings`` with its indexes."""
    op.drop_index("ix_findings_ticket_run", table_name="findings")
    op.drop_index("ix_findings_run_id", table_name="findings")
    op.rename_table("findings", OLD)
    old = sa.table(OLD, *(sa.column(c.name, c.type) for c in old_columns))
    new = op.create_table(NEW, *new_columns)
    bind = op.get_bind()
    batch: list[dict[str, Any]] = []
    for row in convert(bind, old):
        batch.append(row)
        if len(batch) >= CHUNK:
            bind.execute(new.insert(), batch)
            batch = []
    if batch:
        bind.execute(new.insert(), batch)
    op.drop_table(OLD)
    op.rename_table(NEW, "findings")
    op.create_index("ix_findings_run_id", "findings", ["run_id"])
    op.create_index("ix_findings_ticket_run", "findings", ["source", "ticket", "run_id"])


def _pages(bind: sa.Connection, table: sa.TableClause, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """Every row of ``table`` in id order, ``CHUNK`` at a time."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last).order_by(table.c.id).limit(CHUNK)
        ).all()
        if not rows:
            return
        yield from (tuple(row) for row in rows)
        last = rows[-1][0]


def _document(text: str) -> dict[str, Any]:
    """A finding text parsed, or ``{}`` when it is not a JSON object (edited: the run's hash
    reports it, before and after this migration)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _check_copies(bind: sa.Connection, old: sa.TableClause) -> None:
    """Refuse the store when a row's ``check`` or ``status`` column differs from its text:
    ``verify-store`` reports such a row, and after this migration nothing would show it."""
    for row_id, run_id, source, ticket, check, status, payload in _pages(
        bind, old, ["run_id", "source", "ticket", "check", "status", "payload"]
    ):
        doc = _document(payload)
        if doc and (doc.get("check"), doc.get("status")) != (check, status):
            raise StoreError(
                f"findings row {row_id} (run {run_id}, {source}/{ticket}): its check or status column "
                "differs from its hashed finding (edited); the store was not upgraded. Run "
                "`iso10002 verify-store` with the release that wrote it and restore the store "
                "from a backup before upgrading"
            )


def _grouped(bind: sa.Connection, old: sa.TableClause) -> Iterator[dict[str, Any]]:
    """One row per run of consecutive findings of one (run, source, ticket), in id order (a
    run's findings were inserted a ticket at a time; readers join several rows of one ticket
    and run, should a store hold any)."""
    key: tuple[int, str, str] | None = None
    texts: list[str] = []

    def row(key: tuple[int, str, str]) -> dict[str, Any]:
        return {"run_id": key[0], "source": key[1], "ticket": key[2],
                "payload": compress_text(LINE.join(texts))}

    for _id, run_id, source, ticket, payload in _pages(bind, old, ["run_id", "source", "ticket", "payload"]):
        if (run_id, source, ticket) != key:
            if key is not None:
                yield row(key)
            key, texts = (run_id, source, ticket), []
        texts.append(payload)
    if key is not None:
        yield row(key)


def _split(bind: sa.Connection, old: sa.TableClause) -> Iterator[dict[str, Any]]:
    for _id, run_id, source, ticket, payload in _pages(bind, old, ["run_id", "source", "ticket", "payload"]):
        for text in decompress_text(payload).split(LINE):
            doc = _document(text)
            yield {"run_id": run_id, "source": source, "ticket": ticket, "check": str(doc.get("check", "")),
                   "status": str(doc.get("status", "")), "payload": text}


def upgrade() -> None:
    columns = _per_finding()
    _check_copies(op.get_bind(), sa.table("findings", *(sa.column(c.name, c.type) for c in columns)))
    _swap(_per_finding(), _per_ticket(), _grouped)


def downgrade() -> None:
    _swap(_per_ticket(), _per_finding(), _split)
