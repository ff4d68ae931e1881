"""``spmp demo seed``: the demo users (one per role) and a national demo data set, for the run command.
Idempotent: running it again creates nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp.accounts import operations as accounts
from spmp.accounts.models import User
from spmp.regions.reference import load_reference
from spmp.schools.models import School

DEMO_PASSWORD = "demo-spmp-2026"
# Fixed TOTP secrets for the demo admin and Pusat accounts (they must use two-factor login). Demo only:
# `spmp users totp-code USERNAME` prints the current code in development mode.
DEMO_TOTP = {"admin": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "pusat": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    scope: accounts.Scope


DEMO_REGENCIES = ("53.71", "53.71", "53.71", "53.01", "53.01")


def _first_school(session: Session, regency_code: str, bentuk: str = "SD") -> School:
    school = session.scalar(
        select(School)
        .where(School.regency_code == regency_code, School.bentuk == bentuk)
        .order_by(School.name_key, School.id)
    )
    if school is None:
        school = session.scalar(
            select(School).where(School.regency_code == regency_code).order_by(School.name_key, School.id)
        )
    if school is None:
        raise RuntimeError(f"No demo school in regency {regency_code}; generate schools first")
    return school


def demo_users(session: Session) -> list[DemoUser]:
    kupang = _first_school(session, "53.71")
    S = accounts.Scope
    return [
        DemoUser("operator", "Operator SD Kupang", "school_operator", S(school_npsn=kupang.npsn)),
        DemoUser("kepsek", "Kepala Sekolah SD Kupang", "principal", S(school_npsn=kupang.npsn)),
        DemoUser("widyaprada", "Widyaprada BPMP NTT", "widyaprada", S(unit_code="BPMP-NTT")),
        DemoUser("staf", "Staf BPMP NTT", "bpmp_staff", S(unit_code="BPMP-NTT")),
        DemoUser("kepala", "Kepala BPMP NTT", "bpmp_head", S(unit_code="BPMP-NTT")),
        DemoUser("staf.jatim", "Staf BBPMP Jawa Timur", "bpmp_staff", S(unit_code="BBPMP-JATIM")),
        DemoUser("dinas.prov", "Dinas Pendidikan Provinsi NTT", "dinas_province", S(province_code="53")),
        DemoUser("dinas.kota", "Dinas Pendidikan Kota Kupang", "dinas_regency", S(regency_code="53.71")),
        DemoUser(
            "fasilitator", "Fasilitator Universitas Nusa Cendana", "facilitator", S(unit_code="BPMP-NTT")
        ),
        DemoUser("pusat", "Tim Kerja Pusat", "pusat", S()),
        DemoUser("admin", "Administrator SPMP", "admin", S()),
    ]


def seed_demo(
    session: Session, schools: int = 5000, progress=None, evidence_path: Path | None = None
) -> list[tuple[DemoUser, bool]]:
    """Load reference data, generate ``schools`` demo schools if there are none, create the demo users and
    their work (files such as the Revitalisasi photos go to ``evidence_path``, by default the configured
    one). Returns each demo user with whether it was created now."""
    load_reference(session)
    if session.scalar(select(func.count()).select_from(School)) == 0:
        from spmp.schools.demo import generate_into_database

        # Kupang's schools carry the demo users and their work: pinned, so any --schools size has them.
        generate_into_database(session, schools, seed=2026, progress=progress, pinned=DEMO_REGENCIES)
    created = []
    for demo in demo_users(session):
        exists = session.scalar(select(User).where(User.username == demo.username))
        if exists is None:
            user = accounts.create_user(
                session,
                username=demo.username,
                full_name=demo.full_name,
                password=DEMO_PASSWORD,
                role=demo.role,
                scope=demo.scope,
            )
            user.totp_secret = DEMO_TOTP.get(demo.username)
            if demo.role == "widyaprada":  # a facilitator's schools are those of their Revitalisasi cases
                _assign_demo_caseload(session, user)
        created.append((demo, exists is None))
    session.flush()
    _seed_demo_work(session)
    _seed_demo_tasks(session)
    _seed_demo_digitalisasi(session, evidence_path)
    _seed_demo_proposals(session, evidence_path)
    _seed_demo_execution(session, evidence_path)
    _seed_demo_selection(session)
    return created


def _seed_demo_selection(session: Session) -> None:
    """A draft selection run of the demo proposals that passed verval (skipped when a run exists)."""
    from spmp.revitalisasi.selection_runs import seed_demo_run

    seed_demo_run(session, session.scalar(select(User).where(User.username == "pusat")))


def _seed_demo_proposals(session: Session, evidence_path: Path | None) -> None:
    """Revitalisasi proposals in each verval step (spmp.revitalisasi.demo; skipped when proposals exist)."""
    from spmp.config import load_settings
    from spmp.revitalisasi.demo import seed_demo_proposals

    seed_demo_proposals(session, evidence_path or load_settings().evidence_path)


def _seed_demo_execution(session: Session, evidence_path: Path | None) -> None:
    """Selected Revitalisasi schools at different execution stages (skipped when a P2SP exists)."""
    from spmp.config import load_settings
    from spmp.revitalisasi.demo import seed_demo_execution

    seed_demo_execution(session, evidence_path or load_settings().evidence_path)


def _assign_demo_caseload(session: Session, user: User) -> None:
    npsns = session.scalars(
        select(School.npsn)
        .where(School.regency_code.in_(["53.71", "53.01"]))
        .order_by(School.name_key)
        .limit(11)
    ).all()
    accounts.assign_schools(session, user, user, [_first_school(session, "53.71").npsn, *npsns])


DEMO_YEAR = 2026


def _seed_demo_work(session: Session) -> None:
    """Work to look at: this year's SPMI cycles for every NTT school, opened by BPMP NTT, and a supervision
    visit in the Widyaprada's caseload. Only once: skipped when cycles exist."""
    from spmp.spmi.models import SpmiCycle
    from spmp.spmi.operations import open_cycles_bulk
    from spmp.widyaprada.demo import seed_demo_tasks

    if session.scalar(select(func.count()).select_from(SpmiCycle)):
        return
    staff = session.scalar(select(User).where(User.username == "staf"))
    widyaprada = session.scalar(select(User).where(User.username == "widyaprada"))
    open_cycles_bulk(session, staff, DEMO_YEAR, province_code="53")
    school = _first_school(session, "53.71")
    # The supervision visit is now a Widyaprada task (issue 12): tasks of each kind, in several states.
    seed_demo_tasks(session, school)
    _seed_demo_visits(session, widyaprada)
    _seed_demo_obstacles(session, school)


def _seed_demo_obstacles(session: Session, school: School) -> None:
    """Two field obstacles on the demo school: one the school reported about its SPMI cycle, being handled
    by BPMP staff; one the Kota Kupang Dinas reported, waiting for triage."""
    from spmp.engine import fire
    from spmp.engine.cases import CaseRecord
    from spmp.engine.operations import assign_case
    from spmp.kendala.operations import ObstacleInput, report_obstacle

    def user(name):
        return session.scalar(select(User).where(User.username == name))

    cycle = session.scalar(
        select(CaseRecord.id).where(CaseRecord.type_key == "spmi_cycle", CaseRecord.school_id == school.id)
    )
    handled = report_obstacle(session, user("operator"), ObstacleInput(
        school.id, "internet", "Sinyal hilang setiap sore; unggah bukti SPMI gagal berulang kali.",
        about_case_id=cycle))  # fmt: skip
    case = handled.case
    assign_case(session, user("kepala"), case.id, case.version, assignee_user_id=user("staf").id)
    fire(session, case.id, "triage", user("kepala"), case.version, inputs={"priority": "sedang"})
    report_obstacle(session, user("dinas.kota"), ObstacleInput(
        school.id, "listrik", "Daya listrik sekolah 900 W, belum cukup untuk panel interaktif (perlu 2.200 W).",
        programme="digitalisasi"))  # fmt: skip


def _seed_demo_visits(session: Session, widyaprada: User) -> None:
    """The coming weeks' visit calendar: a three-day trip (travel included), a one-day visit a week later,
    and the province's end-of-year school holiday."""
    from datetime import date, timedelta

    from spmp import clock
    from spmp.visits.operations import add_school_holiday, plan_visit

    admin = session.scalar(select(User).where(User.username == "admin"))
    today = clock.now().date()
    add_school_holiday(session, admin, province_code="53", name="Libur semester ganjil",
                       start=date(today.year, 12, 21), end=date(today.year + 1, 1, 2),
                       source="Contoh: kalender pendidikan Provinsi NTT")  # fmt: skip
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    from spmp.accounts.models import SchoolAssignment

    caseload = session.scalars(select(School).join(SchoolAssignment, SchoolAssignment.school_id == School.id)
                               .where(SchoolAssignment.user_id == widyaprada.id)
                               .order_by(School.regency_code.desc(), School.name_key).limit(2)).all()  # fmt: skip
    trips = [(caseload[0], monday + timedelta(days=1), 2), (caseload[-1], monday + timedelta(days=8), 0)]
    for school, start, extra_days in trips:
        plan_visit(session, widyaprada, widyaprada=widyaprada, school_id=school.id, start=start,
                   end=start + timedelta(days=extra_days), purpose="Pendampingan SPMI dan supervisi pembelajaran",
                   override_reason="Contoh data: jadwal disepakati dengan sekolah")  # fmt: skip


def _seed_demo_digitalisasi(session: Session, evidence_path: Path | None = None) -> None:
    from spmp.digitalisasi.demo import seed_demo_digitalisasi

    seed_demo_digitalisasi(session, _first_school(session, "53.71"), evidence_path)


def _seed_demo_tasks(session: Session) -> None:
    """Widyaprada tasks for "Pekerjaan saya" and "Beban kerja": a supervision this week and a regency
    mapping whose report is late, assigned by the head. Only once: skipped when the Widyaprada has tasks."""
    from datetime import timedelta

    from spmp import clock
    from spmp.engine.cases import CaseRecord
    from spmp.widyaprada import operations as tasks
    from spmp.widyaprada.demo import DEMO_OVERRIDE

    head = session.scalar(select(User).where(User.username == "kepala"))
    widyaprada = session.scalar(select(User).where(User.username == "widyaprada"))
    if head is None or widyaprada is None:
        return
    # Its own marker (the seed of spmp.widyaprada.demo also gives this Widyaprada tasks).
    has_tasks = select(CaseRecord.id).where(
        CaseRecord.type_key == "widyaprada_task",
        CaseRecord.assignee_user_id == widyaprada.id,
        CaseRecord.title.like("Pemetaan Mutu — Kota Kupang%"),
    )
    if session.scalar(has_tasks.limit(1)) is not None:
        return
    today = clock.now().date()
    school = _first_school(session, "53.71")
    visit = tasks.create_task(session, head, tasks.TaskInput(
        kind="supervisi", scope="school", purpose="Supervisi pembelajaran kelas awal",
        planned_start=today, planned_end=today + timedelta(days=14), due_date=today + timedelta(days=21),
        school_ids=(school.id,), assignee_user_id=widyaprada.id))  # fmt: skip
    visit_day = (today + timedelta(days=1)).isoformat()
    tasks.act(session, widyaprada, visit.id, "schedule", visit.case.version,
              inputs={"visit_date": visit_day, "override_reason": DEMO_OVERRIDE})  # fmt: skip
    tasks.create_task(session, head, tasks.TaskInput(
        kind="pemetaan_mutu", scope="regency", purpose="Pemetaan mutu Kota Kupang dari Rapor Pendidikan",
        planned_start=today - timedelta(days=30), planned_end=today - timedelta(days=5),
        due_date=today - timedelta(days=3), regency_code="53.71", assignee_user_id=widyaprada.id))  # fmt: skip
