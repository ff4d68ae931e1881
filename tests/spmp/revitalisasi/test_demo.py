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
    assert session.scalar(select(func.count()).select_from(RevitalisasiProposal)) == 5
