"""The demo shows Digitalisasi in the field: the demo school received laptops (BAST), reported a problem
the month before last and is flagged for last month; BPMP NTT's list shows both."""

from __future__ import annotations

from sqlalchemy import select

from spmp.accounts.models import User
from spmp.demo_seed import seed_demo
from spmp.digitalisasi import usage


def test_the_demo_has_usage_to_show(session, tmp_path):
    seed_demo(session, schools=600, evidence_path=tmp_path)
    staff = session.scalar(select(User).where(User.username == "staf"))
    last = usage.last_period()
    rows = session.execute(usage.schools_query(staff, usage.UsageFilters(last, "belum"))).all()
    assert [school.id for school, _r, _c in rows] == [
        session.scalar(select(User.school_id).where(User.username == "operator"))
    ]
    rows = session.execute(
        usage.schools_query(staff, usage.UsageFilters(usage.previous_month(last), "masalah"))
    ).all()
    assert len(rows) == 1 and rows[0][1].problem == "internet"
