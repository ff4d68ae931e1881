"""The workflow engine: declared, versioned case workflows (workflows/*.yaml), running cases with
role-checked and explained actions, deadlines, and the audit trail.

Public API (each operation takes the session and the acting user, flushes, never commits; ``fire_many``
takes the Database and fires each item with ``fire`` in a transaction of its own)::

    from spmp.engine import available_actions, fire, fire_many, open_case, open_cases, pause_case, resume_case, assign_case
    from spmp.engine import add_comment, store_evidence, evidence_file, case_scope, get_case, mermaid
    from spmp.engine import StaleCaseError, ActionRefused, CaseNotFound, get_definition

Guards and actions are registered by name in ``spmp.engine.registry``.
"""

from spmp.engine.definitions import DefinitionError, get_definition, workflows
from spmp.engine.diagram import mermaid
from spmp.engine.errors import ActionRefused, CaseNotFound, EngineError, StaleCaseError
from spmp.engine.evidence import EvidencePolicy, evidence_file, list_evidence, store_evidence
from spmp.engine.fire import ActionOption, FireItem, FireResult, available_actions, fire, fire_many
from spmp.engine.operations import (
    CaseToOpen,
    add_comment,
    assign_case,
    get_case,
    list_comments,
    open_case,
    open_cases,
    pause_case,
    resume_case,
)
from spmp.engine.permissions import can_see_case, case_scope, visible_cases

__all__ = [
    "ActionOption",
    "ActionRefused",
    "CaseToOpen",
    "CaseNotFound",
    "DefinitionError",
    "EngineError",
    "EvidencePolicy",
    "FireItem",
    "FireResult",
    "StaleCaseError",
    "add_comment",
    "assign_case",
    "available_actions",
    "can_see_case",
    "case_scope",
    "evidence_file",
    "fire",
    "fire_many",
    "get_case",
    "get_definition",
    "list_comments",
    "list_evidence",
    "mermaid",
    "open_case",
    "open_cases",
    "pause_case",
    "resume_case",
    "store_evidence",
    "visible_cases",
    "workflows",
]
