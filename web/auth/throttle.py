"""The web side of login throttling: which address a request comes from and which pending login it
belongs to. The counting itself (per account, per account and address, per pending login; back-off
with a cap; notices to the owner and admins) is in ``spmp.accounts.throttle`` and ``accounts.operations``,
in the database, so every worker shares it.

The address is ``request.remote_addr``: the peer, or, with ``SPMP_TRUSTED_PROXIES`` = N, the address the
N trusted reverse proxies put in ``X-Forwarded-For`` (Werkzeug's ProxyFix, applied in ``create_app``).
Flask-Limiter's per-address limit uses the same address.
"""

from __future__ import annotations

import secrets

from flask import request


def client_address() -> str:
    return (request.remote_addr or "-")[:45]


def new_pending_nonce() -> str:
    """Names one password step waiting for its second factor (kept in the session, counted server-side)."""
    return secrets.token_urlsafe(16)


def pending_key(pending: dict) -> str:
    return f"pending:{pending['nonce']}"
