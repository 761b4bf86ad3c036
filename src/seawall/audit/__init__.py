"""Audit events (metadata only), their writer, queries and anomaly detection."""
