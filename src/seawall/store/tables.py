"""Table definitions (SQLAlchemy Core). Migrations in store/migrations create and change them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

meta = Table(
    "seawall_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

keys = Table(
    "virtual_keys",
    metadata,
    Column("id", String(32), primary_key=True),  # public key id, e.g. key_3f9a...
    Column("key_hash", String(64), nullable=False, unique=True),  # HMAC-SHA256 of the key, hex
    Column("last4", String(4), nullable=False),
    Column("user", String(64), nullable=False),
    Column("team", String(64)),
    Column("name", String(128)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# One row per gateway request. Metadata only: there is no column that could hold prompt,
# response or file content.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("session_id", String(128)),
    Column("user", String(64)),
    Column("team", String(64)),
    Column("key_id", String(32)),
    Column("route", String(64), nullable=False),
    Column("provider", String(64)),
    Column("model", String(128)),
    Column("stream", Boolean, nullable=False, default=False),
    Column("status", Integer, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("upstream_ms", Float),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cache_read_tokens", Integer),
    Column("cache_write_tokens", Integer),
    Column("usage_estimated", Boolean, nullable=False, default=False),
    Column("cost_usd", Float),
    Column("tool_calls", JSON),  # [{"name": "Read", "paths": ["src/app.py"]}]
    Column("tiers", JSON),  # ["internal", "restricted"]
    Column("decision", String(16), nullable=False),
    Column("rule_ids", JSON),
    Column("error_code", String(64)),
    # search columns (migration 0002): "|a|b|" delimited, for portable LIKE filters
    Column("rules", Text),
    Column("tools", Text),
    Column("paths", Text),
)
Index("ix_audit_ts", audit_events.c.ts)
Index("ix_audit_user_ts", audit_events.c.user, audit_events.c.ts)
Index("ix_audit_team_ts", audit_events.c.team, audit_events.c.ts)
Index("ix_audit_decision_ts", audit_events.c.decision, audit_events.c.ts)
