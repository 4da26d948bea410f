"""Remember, per ticket, what its last evaluation saw and when its findings can next change.

The periodic re-evaluation skips a ticket whose evaluated snapshot and configuration are
unchanged and whose next clock event (a PENDING finding turning AT_RISK, a deadline passing,
a dated event coming due) is still ahead: re-checking it would give the same findings.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("tickets", sa.Column("evaluated_snapshot_id", sa.Integer()))
    op.add_column("tickets", sa.Column("evaluated_with", sa.String(64)))
    op.add_column("tickets", sa.Column("evaluated_as_of", TS))
    op.add_column("tickets", sa.Column("next_change_at", TS))


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+ and PostgreSQL): a batch table copy would trip the
    # snapshots' foreign key on a SQLite store that holds tickets.
    for column in ("next_change_at", "evaluated_as_of", "evaluated_with", "evaluated_snapshot_id"):
        op.drop_column("tickets", column)
