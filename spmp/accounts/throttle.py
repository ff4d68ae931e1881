"""Counting failed sign-in steps per key, with a lock that backs off and is capped.

The counts live in the database (table ``login_throttle``), so every web worker sees the same ones and
nothing needs Redis. A key is a plain string naming what is counted (see ``LoginThrottle``). A failure
counted more than a day after the previous one starts again from 1.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from spmp.accounts.models import LoginThrottle

BASE_MINUTES = 1
MAX_MINUTES = 15  # the cap: nobody can keep an account locked for longer by typing wrong passwords
FORGET_AFTER = timedelta(days=1)
PRUNE_CHANCE = 0.01


def lock_minutes(failures: int, threshold: int) -> int:
    """Back-off once the threshold is reached: 1, 2, 4, 8, then 15 minutes at most."""
    return min(BASE_MINUTES * 2 ** max(failures - threshold, 0), MAX_MINUTES)


def locked_until(session: Session, keys: list[str], now: datetime) -> datetime | None:
    """The latest lock among ``keys`` still running at ``now``, or None."""
    query = select(LoginThrottle.locked_until).where(
        LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
    )
    return max(session.scalars(query), default=None)


def fail(session: Session, key: str, threshold: int, now: datetime) -> tuple[int, datetime | None]:
    """Count one failure for ``key`` (one statement, safe with concurrent workers). Returns the count and,
    when it reaches ``threshold``, the end of the lock it starts (back-off per further failure)."""
    key = key[:200]
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(LoginThrottle)
        .values(key=key, failures=1, last_failure_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case(
                    (LoginThrottle.last_failure_at < now - FORGET_AFTER, 1), else_=LoginThrottle.failures + 1
                ),
                "last_failure_at": now,
            },
        )
        .returning(LoginThrottle.failures)
    )
    failures = session.execute(statement).scalar_one()
    if failures == 1 and random.random() < PRUNE_CHANCE:
        prune(session, now)
    if failures < threshold:
        return failures, None
    until = now + timedelta(minutes=lock_minutes(failures, threshold))
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return failures, until


def prune(session: Session, now: datetime) -> int:
    """Delete counts older than FORGET_AFTER whose lock is over (they would start again from 1 anyway).
    Run now and then by ``fail`` when it starts a new count, so guessed usernames cannot grow the table
    without bound."""
    stale = delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < now - FORGET_AFTER,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
    )
    return session.execute(stale.execution_options(synchronize_session=False)).rowcount


def clear(session: Session, keys: list[str]) -> None:
    """Forget the counts of ``keys`` (a completed step)."""
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_(keys)).execution_options(synchronize_session=False)
    )


def clear_account(session: Session, username: str, user_id: int) -> None:
    """Lift every lock of an account (an administrator's new password or re-enable): its password counts
    from every address and its second-factor counts."""
    session.execute(
        delete(LoginThrottle)
        .where(
            or_(
                LoginThrottle.key.in_([f"pw:{username}", f"totp:{user_id}"]),
                LoginThrottle.key.startswith(f"pw:{username}|", autoescape=True),
                LoginThrottle.key.startswith(f"totp:{user_id}|", autoescape=True),
            )
        )
        .execution_options(synchronize_session=False)
    )


def first_time_since(session: Session, key: str, now: datetime, quiet: timedelta) -> bool:
    """True (and noted) unless ``key`` was noted within ``quiet`` before ``now``: for messages that must not
    flood (one lockout notice per account per quarter of an hour)."""
    row = session.get(LoginThrottle, key)
    if row is not None and row.last_failure_at > now - quiet:
        return False
    if row is None:
        session.add(LoginThrottle(key=key, failures=0, last_failure_at=now))
    else:
        row.last_failure_at = now
    session.flush()
    return True
