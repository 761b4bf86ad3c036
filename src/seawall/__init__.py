"""Seawall: one policy for AI coding assistants, enforced at the gateway, the workstation and in CI."""

__version__ = "0.1.0"
