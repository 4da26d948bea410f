"""Keep a mapped record's timeline in its own column.

A report from the store reads every complaint's record but never its timeline (about three
quarters of the record's JSON), except for the few complaints of the audit sample. With the
timeline inside ``tickets.record`` every report parsed and re-encoded it to split it off; now
sync writes the record without its timeline to ``record`` and the timeline to ``timeline``.
Rows mapped before this migration keep the whole record in ``record`` (``timeline`` NULL) until
their next version or mapping change: readers accept both forms.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("timeline", sa.Text(), nullable=True))


def downgrade() -> None:
    # Put each split record back together before the column goes (nothing is lost).
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("record", sa.Text),
                       sa.column("timeline", sa.Text))
    bind = op.get_bind()
    rows = bind.execute(sa.select(tickets.c.id, tickets.c.record, tickets.c.timeline)
                        .where(tickets.c.timeline.is_not(None), tickets.c.record.is_not(None)))
    for ticket_id, record, timeline in rows.all():
        bind.execute(tickets.update().where(tickets.c.id == ticket_id)
                     .values(record=joined_record(record, timeline), timeline=None))
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch table copy would trip the
    # snapshots' foreign key on SQLite.
    op.drop_column("tickets", "timeline")


def joined_record(record: str, timeline: str) -> str:
    """The whole record's JSON from its two stored parts (the timeline as the record's key)."""
    doc = json.loads(record)
    doc["timeline"] = json.loads(timeline)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
