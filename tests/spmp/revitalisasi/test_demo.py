"""`spmp demo seed` gives Revitalisasi something to show: proposals in each verval step, the operator's school
waiting in BPMP NTT's queue with six photos (one far from the school); seeding again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from spmp.accounts.models import User
from spmp.demo_seed import seed_demo
from spmp.revitalisasi import queries
from spmp.revitalisasi.models import RevitalisasiProposal


def test_demo_seed_makes_proposals_in_each_step(session, tmp_path):
    seed_demo(session, schools=1500, evidence_path=tmp_path)
    rows = session.execute(select(RevitalisasiProposal)).scalars().all()
    assert sorted(p.case.state for p in rows) == [
        "diterima",
        "draf",
        "pelaksanaan",
        "pelaksanaan_2",
        "persiapan",
        "terpilih",
        "verifikasi_pemda",
        "verifikasi_pemda",
        "verval",
    ]
    staff, operator = (
        session.scalar(select(User).where(User.username == name)) for name in ("staf", "operator")
    )
    ((waiting, _case, school),) = queries.rows(session, queries.queue_query(staff))
    assert school.id == operator.school_id and len(waiting.photos) == 6
    assert sum(p.is_far for p in waiting.photos) == 1 and waiting.is_eligible
    assert any(p.is_3t for p in rows)
    assert (tmp_path / waiting.photos[0].sha256[:2]).is_dir()
    seed_demo(session, schools=1500, evidence_path=tmp_path)
    assert session.scalar(select(func.count()).select_from(RevitalisasiProposal)) == 9


def test_demo_seed_shows_the_execution(session, tmp_path):
    """The principal's school prepares its documents; the facilitator has the running schools, one with a
    school report to verify and one with tranche II disbursed after a verified 75 %."""
    from spmp.revitalisasi import execution_queries as xq

    seed_demo(session, schools=1500, evidence_path=tmp_path)
    facilitator, principal = (
        session.scalar(select(User).where(User.username == name)) for name in ("fasilitator", "kepsek")
    )
    rows = {r.state: r for r in xq.caseload(session, facilitator)}
    assert set(rows) == {"persiapan", "pelaksanaan", "pelaksanaan_2"}
    assert (rows["pelaksanaan"].reported_percent, rows["pelaksanaan"].verified_percent) == (50, None)
    assert rows["pelaksanaan_2"].verified_percent == 75 and rows["pelaksanaan_2"].paid == 900_000_000
    from spmp.kendala.models import Obstacle

    (obstacle,) = session.scalars(select(Obstacle).where(Obstacle.programme == "revitalisasi"))
    assert obstacle.case.closed_at is None and obstacle.about_case_id == rows["pelaksanaan"].case_id
    own = session.scalar(select(RevitalisasiProposal).where(RevitalisasiProposal.school_id == principal.school_id,
                                                             RevitalisasiProposal.year == 2025))  # fmt: skip
    assert own.case.state == "persiapan"
    # The facilitator's schools are those of their Revitalisasi cases, not a Widyaprada's demo caseload.
    from spmp.accounts.operations import assigned_schools

    assert {s.id for s in assigned_schools(session, facilitator)} == {
        p.school_id for p in session.scalars(select(RevitalisasiProposal)) if p.case.assignee_user_id == facilitator.id
    }
