"""Who may do what with accounts, as predicates used by operations, views and templates alike."""

from __future__ import annotations

from spmp.accounts.models import Role


def is_admin(user) -> bool:
    """Administrators manage users and units."""
    return user.role == Role.ADMIN


def has_caseload(user) -> bool:
    """Widyaprada and facilitators work on schools assigned to them (their "sekolah binaan")."""
    return user.role in (Role.WIDYAPRADA, Role.FACILITATOR)
