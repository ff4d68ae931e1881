"""The daily copy of the latest tree head, mailed to the admins: an anchor the database cannot reach."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import Role, User
from spmp.audit.seals import heads_after
from spmp.fastsql import FastSQL, Statement
from spmp.notifications.models import OutboxMessage

_LAST_SIZE = Statement("SELECT max(size) FROM audit_tree_head")


def mail_latest_head(session: Session, public_key: str) -> int:
    """Queue the latest head for every active admin with an address; returns how many mails."""
    size = FastSQL.of(session).execute(_LAST_SIZE).fetchone()[0]
    if not size:
        return 0
    head = heads_after(session, size - 1)[0]
    admins = session.scalars(
        select(User).where(User.role == Role.ADMIN, User.is_active.is_(True), User.email.is_not(None))
    ).all()
    body = (
        "Kepala pohon log audit SPMP terbaru. Simpan surel ini: `spmp audit verify` dapat mencocokkannya "
        "bila basis data diragukan.\n\n" + json.dumps({**head.as_dict(), "public_key": public_key}, indent=2)
    )
    now = clock.now()
    for admin in admins:
        session.add(OutboxMessage(user_id=admin.id, recipient=admin.email, subject=f"[SPMP] Jangkar log audit (ukuran {size})",
                                  body=body, created_at=now, attempts=0, for_digest=False, is_digest=False))  # fmt: skip
    session.flush()
    return len(admins)
