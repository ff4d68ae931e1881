"""Registers the feature command groups on the ``spmp`` CLI (kept apart so cli.py stays small)."""
