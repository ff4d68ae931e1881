"""Loading the logged-in user from the session cookie, with the session epoch check."""

from __future__ import annotations

from spmp.accounts.models import User
from web.db import get_session


def load_user(user_key: str) -> User | None:
    """``user_key`` is ``"<id>:<epoch>"``; a stale epoch (logout, password/role change, disable) loads nobody."""
    try:
        user_id, epoch = (int(part) for part in user_key.split(":"))
    except ValueError:
        return None
    user = get_session().get(User, user_id)
    if user is None or not user.is_active or user.session_epoch != epoch:
        return None
    return user
