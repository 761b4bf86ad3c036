"""Shipped model weights (written by scripts/train_injection.py)."""
