from sqlalchemy import select

from spmp.accounts.models import User
from spmp.regions.models import Unit, UnitCoverage
from tests.factories import make_school
from tests.web.conftest import login, post


def test_admin_creates_user_with_field_errors_then_success(client, world, session):
    login(client, world["users"]["admin"])
    bad = post(
        client,
        "/admin/pengguna/baru",
        {
            "username": "baru",
            "full_name": "Baru",
            "password": "kata-sandi-123",
            "role": "school_operator",
            "school_npsn": "99999999",
        },
        token_from="/admin/pengguna/baru",
    )
    assert bad.status_code == 200
    assert "Sekolah dengan NPSN" in bad.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "baru")) is None
    ok = post(
        client,
        "/admin/pengguna/baru",
        {
            "username": "baru",
            "full_name": "Baru",
            "password": "kata-sandi-123",
            "role": "school_operator",
            "school_npsn": world["inside"].npsn,
        },
        token_from="/admin/pengguna/baru",
    )
    assert ok.status_code == 302
    created = session.scalar(select(User).where(User.username == "baru"))
    assert created.school_id == world["inside"].id


def test_admin_assigns_schools_to_widyaprada(client, world, session):
    extra = make_school(session, regency_code="53.02")
    wp = world["users"]["widyaprada"]
    login(client, world["users"]["admin"])
    response = post(
        client, f"/admin/pengguna/{wp.id}/sekolah", {"npsns": f"{extra.npsn}, {world['outside'].npsn}"}
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert world["outside"].npsn in page and "tidak ditemukan di wilayah" in page  # refused, nothing added
    post(client, f"/admin/pengguna/{wp.id}/sekolah", {"npsns": extra.npsn})
    assert extra.name in client.get(f"/admin/pengguna/{wp.id}").get_data(as_text=True)


def test_admin_moves_province_coverage(client, world, session):
    login(client, world["users"]["admin"])
    response = post(client, "/admin/unit/cakupan/96", {"unit_code": "BPMP-PAPUA"})
    assert response.status_code == 302
    papua = session.scalar(select(Unit).where(Unit.code == "BPMP-PAPUA"))
    session.expire_all()
    assert session.get(UnitCoverage, "96").unit_id == papua.id


def test_admin_disables_account(client, world, session):
    staff = world["users"]["bpmp_staff"]
    login(client, world["users"]["admin"])
    post(client, f"/admin/pengguna/{staff.id}/aktif")
    session.expire_all()
    assert session.get(User, staff.id).is_active is False
    other = client.application.test_client()
    assert "dinonaktifkan" in login(other, "staf_ntt", follow=True).get_data(as_text=True)


def test_audit_page_shows_the_sealed_log_and_an_alarm_when_sealing_stalls(client, world, session):
    from datetime import timedelta

    from spmp import audit, clock
    from tests.audit_support import seal_all

    login(client, world["users"]["admin"])
    audit.append(session, action="uji", actor_id=None)
    seal_all(session)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Kejadian tersegel" in page and "ALARM" not in page
    audit.append(session, action="uji", actor_id=None)  # not sealed: the sequencer is "down"
    later = clock.now() + timedelta(minutes=10)
    clock.set_clock(lambda: later)
    try:
        page = client.get("/admin/audit").get_data(as_text=True)
    finally:
        clock.set_clock(None)
    assert "ALARM" in page and "1 kejadian menunggu disegel" in page
