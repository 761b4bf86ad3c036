"""Reversible redaction: placeholders out, original values restored in answers (stream-safe)."""
