"""Keep a mapped record's timeline in its own column.

A report from the store reads every complaint's record but never its timeline (about three
quarters of the record's JSON), except for the few complaints of the audit sample. With the
timeline inside ``tickets.record`` every report parsed and re-encoded it to split it off; now
sync writes the record without its timeline to ``record`` and the timeline to ``timeline``.
The upgrade splits the rows already stored, 500 at a time (once); readers still accept a whole
record (``timeline`` NULL).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


#: The columns this migration reads and writes (frozen here: the models may change later).
TICKETS = sa.table(
    "tickets", sa.column("id", sa.Integer), sa.column("record", sa.Text), sa.column("timeline", sa.Text)
)
#: Rows rewritten per query: memory stays bounded on a large store.
CHUNK = 500

Parts = tuple[str, str | None]


def upgrade() -> None:
    op.add_column("tickets", sa.Column("timeline", sa.Text(), nullable=True))
    _rewrite(TICKETS.c.timeline.is_(None), split_record)


def downgrade() -> None:
    # Put each split record back together before the column goes (nothing is lost).
    _rewrite(TICKETS.c.timeline.is_not(None), _joined)
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch table copy would trip the
    # snapshots' foreign key on SQLite.
    op.drop_column("tickets", "timeline")


def _rewrite(where: sa.ColumnElement[bool], change: Callable[[str, str | None], Parts | None]) -> None:
    """``change(record, timeline)`` for each row with a record matching ``where``, by id in
    chunks; None leaves the row as it is."""
    bind = op.get_bind()
    update = (
        TICKETS.update()
        .where(TICKETS.c.id == sa.bindparam("row_id"))
        .values(record=sa.bindparam("new_record"), timeline=sa.bindparam("new_timeline"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(TICKETS.c.id, TICKETS.c.record, TICKETS.c.timeline)
            .where(where, TICKETS.c.record.is_not(None), TICKETS.c.id > last)
            .order_by(TICKETS.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        changes = []
        for row_id, record, timeline in rows:
            changed = change(record, timeline)
            if changed is not None:
                changes.append({"row_id": row_id, "new_record": changed[0], "new_timeline": changed[1]})
        if changes:
            bind.execute(update, changes)
        last = rows[-1][0]


def _joined(record: str, timeline: str | None) -> Parts:
    return joined_record(record, timeline or "[]"), None


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def split_record(record: str, _timeline: str | None) -> Parts | None:
    """A whole record's JSON as (record without its timeline, timeline); None: no timeline."""
    doc = json.loads(record)
    if not isinstance(doc, dict) or "timeline" not in doc:
        return None
    timeline = doc.pop("timeline")
    return _dumps(doc), _dumps(timeline)


def joined_record(record: str, timeline: str) -> str:
    """The whole record's JSON from its two stored parts (the timeline as the record's key)."""
    doc = json.loads(record)
    doc["timeline"] = json.loads(timeline)
    return _dumps(doc)
