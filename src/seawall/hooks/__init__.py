"""Assistant hook protocols (Claude Code, Cursor) and their settings generation.

A hook runs as a new process on every tool call, so this package keeps its start-up small: no
typer, no pydantic on the hot path (the validated policy is cached as JSON, see `policycache`),
and heavy modules (tree-sitter, detectors, SQLAlchemy) imported only when an event needs them.
"""
