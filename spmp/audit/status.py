"""The sealing status at a glance (the admin page): cheap queries only; the full check is ``audit verify``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from spmp import clock
from spmp.fastsql import FastSQL, Statement

_HEAD = Statement("SELECT size, root_hash, sealed_at FROM audit_tree_head ORDER BY size DESC LIMIT 1")
_PENDING = Statement(
    "SELECT count(*), min(e.occurred_at) FROM audit_pending p JOIN audit_event e ON e.id = p.event_id"
)


@dataclass(frozen=True)
class SealStatus:
    sealed: int
    root_hash: str | None
    sealed_at: datetime | None
    pending: int
    oldest_pending: datetime | None
    alarm_after: timedelta

    @property
    def alarm(self) -> bool:
        """Events have waited longer than allowed: the sequencer is down or stuck."""
        return self.oldest_pending is not None and clock.now() - self.oldest_pending > self.alarm_after


def seal_status(session: Session, alarm_after: timedelta) -> SealStatus:
    sql = FastSQL.of(session)
    head = sql.execute(_HEAD).fetchone()
    pending, oldest = sql.execute(_PENDING).fetchone()
    return SealStatus(
        sealed=head[0] if head else 0,
        root_hash=head[1] if head else None,
        sealed_at=sql.from_ts(head[2]) if head else None,
        pending=pending or 0,
        oldest_pending=sql.from_ts(oldest),
        alarm_after=alarm_after,
    )
