"""Audit search columns: rule ids, tool names and target paths as delimited text, so filters are
plain indexed-friendly LIKE queries on SQLite and PostgreSQL alike; more indexes.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("rules", sa.Text))
        batch.add_column(sa.Column("tools", sa.Text))
        batch.add_column(sa.Column("paths", sa.Text))
    op.create_index("ix_audit_team_ts", "audit_events", ["team", "ts"])
    op.create_index("ix_audit_decision_ts", "audit_events", ["decision", "ts"])


def downgrade() -> None:
    op.drop_index("ix_audit_decision_ts", "audit_events")
    op.drop_index("ix_audit_team_ts", "audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("paths")
        batch.drop_column("tools")
        batch.drop_column("rules")
