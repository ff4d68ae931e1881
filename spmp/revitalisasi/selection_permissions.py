"""Who may set the selection parameters, run, publish and read the Revitalisasi selection.

Pusat sets the parameters of a programme year and publishes (Pusat approves); Pusat and admin run and
read every run. B/BPMP and Dinas read a *published* selection, only the proposals of their own area."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from spmp.access import unit_provinces
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun

REGIONAL_READERS = (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.DINAS_PROVINCE, Role.DINAS_REGENCY)
SELECTION_ROLES = (*NATIONAL_ROLES, *REGIONAL_READERS)  # who may open the selection pages (the menu entry)


def can_set_params(user: User) -> bool:
    return user.role == Role.PUSAT


def can_publish(user: User) -> bool:
    return user.role == Role.PUSAT


def can_run(user: User) -> bool:
    return user.role in NATIONAL_ROLES


def can_open_selection(user: User) -> bool:
    """May open the selection pages at all (national roles, and regional readers of published runs)."""
    return user.role in NATIONAL_ROLES or user.role in REGIONAL_READERS


def can_read_run(user: User, run: SelectionRun) -> bool:
    return user.role in NATIONAL_ROLES or (run.is_published and user.role in REGIONAL_READERS)


def run_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``SelectionRun``: national roles see every run, regional readers published ones."""
    if user.role in NATIONAL_ROLES:
        return true()
    if user.role in REGIONAL_READERS:
        return SelectionRun.state == "diterbitkan"
    return false()


def item_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``SelectionItem`` limiting a run's proposals to the user's area."""
    role = Role(user.role)
    if role in NATIONAL_ROLES:
        return true()
    if role in (Role.BPMP_STAFF, Role.BPMP_HEAD):
        return SelectionItem.province_code.in_(unit_provinces(user.unit_id))
    if role == Role.DINAS_PROVINCE:
        return SelectionItem.province_code == user.province_code
    if role == Role.DINAS_REGENCY:
        return SelectionItem.regency_code == user.regency_code
    return false()
