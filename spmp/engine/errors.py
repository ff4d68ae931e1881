"""Exceptions raised by engine operations; their messages are shown to users as they are (Indonesian)."""

from __future__ import annotations

from spmp.errors import Refusal

STALE_MESSAGE = "Kasus ini telah berubah, muat ulang halaman"


class EngineError(Refusal):
    """Base class: ``str(exc)`` is a user-facing message (a Refusal: the web rolls back and says why)."""


class CaseNotFound(EngineError):
    """No such case, or the user may not see it (the same answer, so nothing leaks)."""

    http_status = 404

    def __init__(self, message: str = "Kasus tidak ditemukan") -> None:
        super().__init__(message)


class StaleCaseError(EngineError):
    """The case changed since the user loaded it (optimistic lock): reload and try again."""

    category = "warning"

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


class ActionRefused(EngineError):
    """The user may not do this now; the message says why."""

    @property
    def reason(self) -> str:
        return str(self)
