"""Keys, principals, usage and audit events: SQLAlchemy Core on SQLite (default) or PostgreSQL."""
