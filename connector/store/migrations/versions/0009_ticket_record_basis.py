"""Name what a ticket's cached record was mapped from.

The check step re-mapped every stored bundle although sync had already stored the record mapped
from the same bundle by the same mapper. ``record_basis`` names those inputs (the snapshot's
content, the mapping file, the site URL, the code version), so a check can evaluate the stored
record when they are its own. Rows stored before this revision keep NULL and are re-mapped as
before until their next new version or re-map.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("record_basis", sa.String(64)))


def downgrade() -> None:
    op.drop_column("tickets", "record_basis")
