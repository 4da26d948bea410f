"""Name the code version that mapped a ticket's cached record.

A new release may map the same stored payload differently. The record cached on the ticket row
was re-mapped only on a new snapshot or a new mapping file, so after an upgrade the runs
recorded digests of the new mapping while the rows kept the old one, and ``verify-store``
reported an honest store as edited. Rows stored before this revision keep NULL: the first
sync or run re-maps them from their stored snapshot (``connector.remap``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("mapper_version", sa.String(40)))


def downgrade() -> None:
    op.drop_column("tickets", "mapper_version")
