"""Registers the feature command groups on the ``spmp`` CLI (kept apart so cli.py stays small)."""
from spmp.schools import cli as _schools_cli  # noqa: E402,F401
