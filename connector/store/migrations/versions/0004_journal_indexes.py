"""Index the write-back journal by (source, state) and (source, ticket).

Every write-back pass and every webhook refresh asks for a source's ``planned``/``failed``
entries, and a refresh for one ticket's ``applied`` entries. With only single-column indexes
SQLite answered both through the source index and read the source's whole journal, so the
cost of a one-ticket refresh grew with the store.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_writeback_journal_source_state", "writeback_journal", ["source", "state"])
    op.create_index("ix_writeback_journal_source_ticket", "writeback_journal", ["source", "ticket"])


def downgrade() -> None:
    op.drop_index("ix_writeback_journal_source_ticket", table_name="writeback_journal")
    op.drop_index("ix_writeback_journal_source_state", table_name="writeback_journal")
