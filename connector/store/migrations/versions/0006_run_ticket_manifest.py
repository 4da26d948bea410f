"""Chain the ticket data reports read: a run's hash-format version and its ticket manifest.

A run's hash covered its findings but not the ticket version they were evaluated from, so an
edited ``tickets.record``/``timeline`` or ``snapshots.bundle`` was shown by reports as recorded.
Runs appended from now on (hash format 2) record, per evaluated ticket, the digest of the
stored version (``snapshots.sha256``) and of the mapped record with its timeline, and their
hash covers that manifest. Runs already stored keep format 1 and verify as before: history is
never re-hashed.

The downgrade refuses while a format-2 run is stored: its hash covers the manifest this
revision adds, so the older code would report every such run as altered.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("hash_format", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "run_tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_run_tickets_run", "run_tickets", ["run_id"])
    op.create_index("ix_run_tickets_ticket_run", "run_tickets", ["source", "ticket", "run_id"])


def downgrade() -> None:
    bind = op.get_bind()
    newer = bind.execute(sa.text("SELECT count(*) FROM runs WHERE hash_format > 1")).scalar_one()
    if newer:
        raise RuntimeError(
            f"cannot downgrade below 0006: {newer} run(s) use hash format 2, which the older code "
            "cannot verify (it would report them as altered)"
        )
    op.drop_index("ix_run_tickets_ticket_run", table_name="run_tickets")
    op.drop_index("ix_run_tickets_run", table_name="run_tickets")
    op.drop_table("run_tickets")
    op.drop_column("runs", "hash_format")
