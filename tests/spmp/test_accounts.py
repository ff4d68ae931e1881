from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from spmp import clock
from spmp.accounts import operations as accounts
from spmp.accounts.models import SchoolAssignment, User
from tests.audit_support import log_ok
from tests.factories import make_school

PASSWORD = "kata-sandi-uji-123"


def test_create_user_validates_scope(session):
    with pytest.raises(accounts.AccountError, match="NPSN"):
        accounts.create_user(
            session,
            username="op",
            full_name="Op",
            password=PASSWORD,
            role="school_operator",
            scope=accounts.Scope(school_npsn="99999999"),
        )
    with pytest.raises(accounts.AccountError, match="Unit"):
        accounts.create_user(
            session,
            username="wp",
            full_name="Wp",
            password=PASSWORD,
            role="widyaprada",
            scope=accounts.Scope(unit_code="BPMP-ATLANTIS"),
        )
    with pytest.raises(accounts.AccountError, match="tidak dikenal"):
        accounts.create_user(session, username="x", full_name="X", password=PASSWORD, role="raja")
    with pytest.raises(accounts.AccountError, match="minimal 10"):
        accounts.create_user(session, username="y", full_name="Y", password="pendek", role="pusat")


def test_duplicate_username_refused(session):
    accounts.create_user(session, username="Budi", full_name="Budi", password=PASSWORD, role="pusat")
    with pytest.raises(accounts.AccountError, match="sudah dipakai"):
        accounts.create_user(session, username="budi", full_name="Budi 2", password=PASSWORD, role="pusat")


def test_lockout_back_off_grows_and_caps(session):
    user = accounts.create_user(session, username="siti", full_name="Siti", password=PASSWORD, role="pusat")
    start = clock.now()
    try:
        clock.set_clock(lambda: start)
        for _ in range(5):
            assert accounts.authenticate(session, "siti", "salah-salah-1", lockout_threshold=5).user is None
        first_lock = user.locked_until - start
        assert first_lock == timedelta(minutes=1)
        clock.set_clock(lambda: start + timedelta(minutes=2))
        accounts.authenticate(session, "siti", "salah-salah-1", lockout_threshold=5)
        assert user.locked_until - (start + timedelta(minutes=2)) == timedelta(minutes=2)
        for _ in range(20):
            user.locked_until = None
            accounts.authenticate(session, "siti", "salah-salah-1", lockout_threshold=5)
        assert user.locked_until - (start + timedelta(minutes=2)) == timedelta(minutes=60)
    finally:
        clock.set_clock(None)


def test_widyaprada_assignment_limited_to_unit_area(session):
    inside = make_school(session, regency_code="53.01")
    outside = make_school(session, regency_code="35.78")
    admin = accounts.create_user(session, username="adm", full_name="Adm", password=PASSWORD, role="admin")
    wp = accounts.create_user(
        session,
        username="wp",
        full_name="Wp",
        password=PASSWORD,
        role="widyaprada",
        scope=accounts.Scope(unit_code="BPMP-NTT"),
    )
    with pytest.raises(accounts.AccountError, match=outside.npsn):
        accounts.assign_schools(session, admin, wp, [inside.npsn, outside.npsn])
    assert session.scalars(select(SchoolAssignment).where(SchoolAssignment.user_id == wp.id)).all() == []
    assert accounts.assign_schools(session, admin, wp, [inside.npsn]) == 1
    assert accounts.assign_schools(session, admin, wp, [inside.npsn]) == 0  # idempotent
    assert [s.npsn for s in accounts.assigned_schools(session, wp)] == [inside.npsn]
    assert accounts.count_visible_schools(session, wp) == 1


def test_role_change_drops_caseload_and_ends_sessions(session):
    school = make_school(session, regency_code="53.01")
    wp = accounts.create_user(
        session,
        username="wp2",
        full_name="Wp",
        password=PASSWORD,
        role="widyaprada",
        scope=accounts.Scope(unit_code="BPMP-NTT"),
    )
    accounts.assign_schools(session, wp, wp, [school.npsn])
    epoch = wp.session_epoch
    accounts.change_role(session, wp, "bpmp_staff", accounts.Scope(unit_code="BPMP-NTT"))
    assert wp.session_epoch == epoch + 1
    assert accounts.assigned_schools(session, wp) == []


def test_users_create_cli(make_database, monkeypatch, tmp_path):
    from spmp import migrate
    from spmp.cli import cli
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    url = make_database("cli")
    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as session:
        load_reference(session)
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "users",
            "create",
            "--username",
            "dinas.ntt",
            "--name",
            "Dinas NTT",
            "--role",
            "dinas_province",
            "--province",
            "53",
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli,
        [
            "users",
            "create",
            "--username",
            "dinas.x",
            "--name",
            "X",
            "--role",
            "dinas_province",
            "--province",
            "99",
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code != 0 and "Provinsi '99' tidak ditemukan" in result.output
    with database.transaction() as session:
        user = session.scalar(select(User).where(User.username == "dinas.ntt"))
        assert user.province_code == "53" and user.role == "dinas_province"
    database.dispose()


def test_account_administration_is_audited(session):
    from spmp.audit import AuditEvent

    admin = accounts.create_user(session, username="adm2", full_name="Adm", password=PASSWORD, role="admin")
    user = accounts.create_user(
        session, username="budi2", full_name="Budi", password=PASSWORD, role="pusat", actor=admin
    )
    accounts.change_role(session, user, "dinas_province", accounts.Scope(province_code="53"), actor=admin)
    accounts.set_active(session, user, False, actor=admin)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("user.%")).order_by(AuditEvent.id.desc()).limit(3)
    ).all()
    assert [e.action for e in events] == ["user.disable", "user.role", "user.create"]
    assert all(e.actor_id == admin.id for e in events)
    role_change = events[1].changes_dict
    assert role_change["before"]["role"] == "pusat" and role_change["after"]["province_code"] == "53"


def test_logins_and_failed_attempts_are_audited(session):
    """A failed password on a known account (with the lockout it causes), a disabled account and a
    completed login each leave an event in the chain; an unknown username leaves none."""
    from spmp.audit import AuditEvent

    user = accounts.create_user(session, username="rina", full_name="Rina", password=PASSWORD, role="pusat")
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for _ in range(2):
        accounts.authenticate(session, "rina", "salah-salah-1", lockout_threshold=2)
    accounts.authenticate(session, "tidak.ada", "salah-salah-1", lockout_threshold=2)
    user.locked_until = None
    result = accounts.authenticate(session, "rina", PASSWORD, lockout_threshold=2)
    accounts.record_login(session, result.user)
    accounts.set_active(session, user, False, actor=None)
    accounts.authenticate(session, "rina", PASSWORD, lockout_threshold=2)
    events = session.scalars(select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.changes_dict.get("failed_logins")) for e in events] == [
        ("user.login_failed", None, 1),
        ("user.login_failed", None, 2),
        ("user.login", user.id, None),
        ("user.disable", None, None),
        ("user.login_failed", None, None),
    ]
    assert events[0].changes_dict["locked_until"] is None and events[1].changes_dict["locked_until"]
    assert events[-1].changes_dict == {"user_id": user.id, "username": "rina", "reason": "akun nonaktif"}
    assert log_ok(session)
