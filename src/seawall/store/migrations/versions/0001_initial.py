"""Initial schema: meta, virtual keys, audit events.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seawall_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "virtual_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64)),
        sa.Column("name", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(128)),
        sa.Column("user", sa.String(64)),
        sa.Column("team", sa.String(64)),
        sa.Column("key_id", sa.String(32)),
        sa.Column("route", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64)),
        sa.Column("model", sa.String(128)),
        sa.Column("stream", sa.Boolean, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("upstream_ms", sa.Float),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
        sa.Column("cache_read_tokens", sa.Integer),
        sa.Column("cache_write_tokens", sa.Integer),
        sa.Column("usage_estimated", sa.Boolean, nullable=False),
        sa.Column("cost_usd", sa.Float),
        sa.Column("tool_calls", sa.JSON),
        sa.Column("tiers", sa.JSON),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("rule_ids", sa.JSON),
        sa.Column("error_code", sa.String(64)),
    )
    op.create_index("ix_audit_ts", "audit_events", ["ts"])
    op.create_index("ix_audit_user_ts", "audit_events", ["user", "ts"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("virtual_keys")
    op.drop_table("seawall_meta")
