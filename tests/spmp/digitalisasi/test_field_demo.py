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


def test_the_demo_has_verval_to_show(session, tmp_path):
    from spmp.digitalisasi import verval

    seed_demo(session, schools=600, evidence_path=tmp_path)
    staff = session.scalar(select(User).where(User.username == "staf"))
    operator = session.scalar(select(User).where(User.username == "operator"))
    assert len(session.execute(verval.queue_query(staff)).all()) >= 1
    [(_record, case, school, _target)] = session.execute(verval.queue_query(operator)).all()
    assert school.id == operator.school_id and case.state == "perbaikan_sekolah"


def test_the_demo_has_sosialisasi_to_show(session, tmp_path):
    from spmp.digitalisasi import sosialisasi

    seed_demo(session, schools=600, evidence_path=tmp_path)
    dinas = session.scalar(select(User).where(User.username == "dinas.kota"))
    [event] = session.scalars(sosialisasi.events_query(dinas)).all()
    assert event.people >= 6 and len(event.materials) == 1
