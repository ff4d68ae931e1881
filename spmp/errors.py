"""The one family of domain refusals.

An operation that may not go on raises a ``Refusal`` (or a subclass) whose ``str()`` is a message for the
user, in Indonesian. The edges handle it once: the web request wrapper (web/db.py) rolls the request's
transaction back, flashes the message and redirects back, so no view has to remember to discard what
the operation wrote before refusing; CLI commands and scheduler jobs roll back too.
"""

from __future__ import annotations


class Refusal(Exception):
    """The user may not do this now; ``str(exc)`` says why.

    ``category`` is the flash category the web shows it with; ``http_status`` set (e.g. 404) makes the web
    answer that status instead of a flash and a redirect (a case the user may not see is "not found")."""

    category = "danger"
    http_status: int | None = None
