"""The initial history store.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("cursor", sa.Text()),
        sa.Column("cursor_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", TS),
        sa.Column("directory", sa.Text()),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), sa.ForeignKey("sources.name"), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(100)),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("updated_at", TS),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", TS),
        sa.Column("is_complaint", sa.Boolean(), nullable=False),
        sa.Column("is_open", sa.Boolean()),
        sa.Column("record", sa.Text()),
        sa.Column("mapping_error", sa.Text()),
        sa.Column("mapping_hash", sa.String(64)),
        sa.UniqueConstraint("source", "ticket", name="uq_tickets_source_ticket"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("updated_stamp", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=False),
        sa.UniqueConstraint("ticket_id", "sha256", name="uq_snapshots_ticket_sha"),
    )
    op.create_index("ix_snapshots_ticket_updated", "snapshots", ["ticket_id", "updated_at"])
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_run_id", sa.Integer()),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("as_of", TS, nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=False),
        sa.Column("mapping_hashes", sa.Text(), nullable=False),
        sa.Column("waivers_hash", sa.String(64), nullable=False),
        sa.Column("holidays_version", sa.String(40), nullable=False),
        sa.Column("code_version", sa.String(40), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("check", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_findings_run_id", "findings", ["run_id"])
    op.create_index("ix_findings_ticket_run", "findings", ["source", "ticket", "run_id"])
    op.create_table(
        "writeback_journal",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(400), nullable=False, unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ticket", sa.String(100), nullable=False),
        sa.Column("findings_hash", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("result", sa.Text()),
    )
    op.create_index("ix_writeback_journal_source", "writeback_journal", ["source"])
    op.create_index("ix_writeback_journal_state", "writeback_journal", ["state"])
    op.create_table(
        "locks",
        sa.Column("name", sa.String(250), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", TS, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("received_at", TS, nullable=False),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])


def downgrade() -> None:
    for table in ("webhook_deliveries", "locks", "writeback_journal", "findings", "runs",
                  "chain_head", "snapshots", "tickets", "sources"):
        op.drop_table(table)
