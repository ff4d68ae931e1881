import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.accounts.models import Role, User
from spmp.accounts.operations import assigned_schools
from spmp.demo_seed import seed_demo
from spmp.engine.cases import CaseRecord
from spmp.schools.models import School


def test_demo_seed_makes_one_user_per_role_and_work_to_do(session):
    created = seed_demo(session, schools=5000)
    assert all(is_new for _, is_new in created)
    roles = set(session.scalars(select(User.role).where(User.username.in_([d.username for d, _ in created]))))
    assert roles == {r.value for r in Role}
    assert session.scalar(select(func.count()).select_from(School)) == 5000
    operator = session.scalar(select(User).where(User.username == "operator"))
    widyaprada = session.scalar(select(User).where(User.username == "widyaprada"))
    assert operator.school_id in {s.id for s in assigned_schools(session, widyaprada)}
    cycles = session.scalar(select(func.count()).where(CaseRecord.type_key == "spmi_cycle"))
    ntt_schools = session.scalar(select(func.count()).where(School.province_code == "53"))
    assert cycles == ntt_schools > 0
    again = seed_demo(session, schools=5000)
    assert not any(is_new for _, is_new in again)
    assert session.scalar(select(func.count()).where(CaseRecord.type_key == "spmi_cycle")) == cycles
    from spmp.widyaprada.caseload import caseload

    mine = caseload(session, widyaprada, clock.now().date())  # "Pekerjaan saya" has work, one task late
    overdue = [late for _t, _c, late in mine.tasks]  # the late mapping first; the demo tasks of every kind after
    assert overdue[0] is True and overdue.count(True) == 1 and len(overdue) >= 2
    assert len(mine.visits_this_week) <= 3  # with the scheduled demo tasks (spmp.widyaprada.demo)


@pytest.mark.parametrize("schools", [1, 2000])
def test_demo_seed_works_at_any_size(session, schools):
    """Issue 9 §4: `spmp demo seed --schools 2000` ended in "No demo school in regency 53.71"."""
    seed_demo(session, schools=schools)
    assert session.scalar(select(func.count()).select_from(School)) == schools
    operator = session.scalar(select(User).where(User.username == "operator"))
    assert session.get(School, operator.school_id).regency_code == "53.71"
