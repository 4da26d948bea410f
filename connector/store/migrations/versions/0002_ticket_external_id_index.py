"""Index tickets by (source, external_id).

``find_ticket`` falls back to the external id (Jira's issue id) for every ticket it does not
find by key, i.e. for every new ticket of a first sync: without this index that lookup scanned
the table, which made a first sync quadratic (hours at 100,000 tickets).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_source_external_id", "tickets", ["source", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_source_external_id", table_name="tickets")
