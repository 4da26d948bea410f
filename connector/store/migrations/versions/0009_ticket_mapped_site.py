"""Name the site URL a ticket's cached record was mapped with.

The check step re-mapped every stored bundle although sync had already stored the record mapped
from the same bundle by the same mapper. The ticket's newest run manifest already names the
snapshot, mapping file, code version and record digest it evaluated; the site URL (ticket links)
is the one input it does not name. ``mapped_site`` holds it ("" when no site URL is configured),
so a check can evaluate the stored record under the running site URL. Rows stored before this
revision keep NULL and are re-mapped as before until their next new version or re-map.

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
    op.add_column("tickets", sa.Column("mapped_site", sa.Text()))


def downgrade() -> None:
    op.drop_column("tickets", "mapped_site")
