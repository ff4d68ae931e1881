"""Named guards, actions, notice fields and programme-year lookups that workflow definitions refer to.

A guard answers "may this transition fire now?" with ``None`` (yes) or a reason in Indonesian that the UI
shows next to the disabled action. An action runs inside the firing transaction, after the case row was
updated, and returns the fields it changed (they go into the audit event).

Features register theirs with the decorators below in ``spmp/<feature>/workflow.py``: every such module
(and any listed in ``PLUGIN_MODULES``) is imported before a definition is validated, so an unknown name in
a YAML file is caught at load time::

    @guard("has_assignee")
    def has_assignee(ctx: GuardContext) -> str | None: ...
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from spmp.accounts.models import User
    from spmp.engine.definitions import TransitionDef, WorkflowDefinition
    from spmp.fastsql import FastSQL

# Modules that register guards and actions; later features append theirs here.
PLUGIN_MODULES: list[str] = ["spmp.engine.builtin"]


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the case (an ORM object or a row snapshot with the same attributes)."""

    session: Session
    case: Any
    user: User
    workflow: WorkflowDefinition
    transition: TransitionDef
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionContext(GuardContext):
    """An action additionally knows the time of the transition."""

    now: datetime | None = None


Guard = Callable[[GuardContext], "str | None"]
Action = Callable[[ActionContext], "dict[str, Any] | None"]

GUARDS: dict[str, Guard] = {}
ACTIONS: dict[str, Action] = {}


@dataclass(frozen=True)
class NoticeContext:
    """What a notice field may look at (``spmp.engine.notify``): the case after the change, who made it."""

    session: Session | None
    case_id: int
    actor: User
    workflow: WorkflowDefinition
    from_state: str | None
    to_state: str | None


NoticeField = Callable[[NoticeContext], "str | None"]
# Extra template fields for ``notify:`` messages (e.g. the notes of a returned SPMI phase).
NOTICE_FIELDS: dict[str, NoticeField] = {}


def _register(table: dict[str, Callable], what: str, name: str) -> Callable[[Callable], Callable]:
    """The decorator that files a function in ``table`` under ``name``; a name is registered once."""

    def register(fn: Callable) -> Callable:
        if name in table and table[name] is not fn:
            raise ValueError(f"{what} {name!r} registered twice")
        table[name] = fn
        return fn

    return register


def guard(name: str) -> Callable[[Guard], Guard]:
    """Register a guard under ``name`` (a name may be registered once)."""
    return _register(GUARDS, "guard", name)


def action(name: str) -> Callable[[Action], Action]:
    """Register an action under ``name`` (a name may be registered once)."""
    return _register(ACTIONS, "action", name)


def notice_field(name: str) -> Callable[[NoticeField], NoticeField]:
    """Register a template field ``{name}`` for notice messages (a name may be registered once)."""
    return _register(NOTICE_FIELDS, "notice field", name)


def plugin_modules() -> list[str]:
    """``PLUGIN_MODULES`` plus every ``spmp.<feature>.workflow`` module."""
    import spmp

    found = [
        f"spmp.{info.name}.workflow"
        for info in pkgutil.iter_modules(spmp.__path__)
        if info.ispkg and importlib.util.find_spec(f"spmp.{info.name}.workflow") is not None
    ]
    return list(dict.fromkeys([*PLUGIN_MODULES, *sorted(found)]))


def load_plugins() -> None:
    """Import every plugin module so that its guards and actions are registered."""
    for module in plugin_modules():
        importlib.import_module(module)


CaseSchools = Callable[[Session, Any], "list[int]"]
# The schools a case is about beyond its subject school (e.g. the target schools of a group task): the
# conflict-of-interest check on assignment looks at all of them.
CASE_SCHOOLS: dict[str, CaseSchools] = {}


def case_schools(type_key: str) -> Callable[[CaseSchools], CaseSchools]:
    """Register the function listing the extra schools of cases of ``type_key``."""

    def register(fn: CaseSchools) -> CaseSchools:
        CASE_SCHOOLS[type_key] = fn
        return fn

    return register


ProgrammeYear = Callable[["FastSQL", int], "int | None"]
# How a case type finds a case's programme year (tahun anggaran), named by ``programme_year:`` in its workflow:
# a ``due.until`` day then counts in that year (spmp.engine.calendar.due_time). Called on the hot path with
# the transition's cursor and the case id: one plain statement.
PROGRAMME_YEARS: dict[str, ProgrammeYear] = {}


def programme_year(name: str) -> Callable[[ProgrammeYear], ProgrammeYear]:
    """Register the function giving a case's programme year (or None) under ``name``."""
    return _register(PROGRAMME_YEARS, "programme year", name)
