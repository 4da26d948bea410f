"""Keep snapshot bundles and mapped records zstd-compressed.

The raw payload documents of each stored version (``snapshots.bundle``) and the mapped record
and timeline of each ticket (``tickets.record``, ``tickets.timeline``) were almost all of a
store's size, as JSON text. The upgrade compresses the values already stored, 500 rows at a
time, into binary columns that replace the text ones. ``snapshots.sha256``, the run manifests
and every other hash stay digests of the JSON text, so nothing is re-hashed and
``verify-store`` verifies history as before. The downgrade decompresses them back into text
(nothing is lost).

SQLite does not give freed pages back to the file system by itself: run ``VACUUM`` on the
store (with the service stopped) after upgrading an existing store to shrink the file.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import zstandard
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Rows rewritten per query: memory stays bounded on a large store.
CHUNK = 500
#: (table, column, nullable): the columns this revision converts.
COLUMNS = (("snapshots", "bundle", False), ("tickets", "record", True), ("tickets", "timeline", True))

Type = sa.types.TypeEngine[Any]


# The stored form, frozen here (``connector.store.compression`` may change later): one zstd
# frame of the UTF-8 text, at zstd's default level.
def compress_text(text: str) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(text.encode("utf-8"))


def decompress_text(data: bytes) -> str:
    return zstandard.ZstdDecompressor().decompress(bytes(data)).decode("utf-8")


def upgrade() -> None:
    for table, column, nullable in COLUMNS:
        _convert(table, column, nullable, sa.Text(), sa.LargeBinary(), compress_text)


def downgrade() -> None:
    for table, column, nullable in COLUMNS:
        _convert(table, column, nullable, sa.LargeBinary(), sa.Text(), decompress_text)


def _convert(table_name: str, column: str, nullable: bool, old: Type, new: Type,
             change: Callable[[Any], Any]) -> None:
    """Replace ``table.column`` by a column of type ``new`` holding ``change`` of each value."""
    staging = f"{column}_new"
    op.add_column(table_name, sa.Column(staging, new, nullable=True))
    _fill(sa.table(table_name, sa.column("id", sa.Integer), sa.column(column, old), sa.column(staging, new)),
          column, staging, change)
    if nullable:
        # Plain DROP/RENAME COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of ``tickets``
        # would trip the snapshots' foreign key on SQLite.
        op.drop_column(table_name, column)
        op.alter_column(table_name, staging, new_column_name=column, existing_type=new)
        return
    # SQLite cannot set NOT NULL in place: batch mode copies the table there (keeping its
    # indexes and constraints); PostgreSQL alters it in place.
    with op.batch_alter_table(table_name) as batch:
        batch.drop_column(column)
        batch.alter_column(staging, new_column_name=column, existing_type=new, nullable=False)


def _fill(table: sa.TableClause, column: str, staging: str, change: Callable[[Any], Any]) -> None:
    bind = op.get_bind()
    update = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        {staging: sa.bindparam("value")})
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[column]).where(table.c.id > last).order_by(table.c.id).limit(CHUNK)
        ).all()
        if not rows:
            return
        changes = [{"row_id": row_id, "value": change(value)} for row_id, value in rows if value is not None]
        if changes:
            bind.execute(update, changes)
        last = rows[-1][0]
