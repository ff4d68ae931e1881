"""Demo Widyaprada tasks for ``spmp demo seed`` (BPMP NTT): one of each kind, in several states, so that
``make run`` shows the task list, a task to schedule, a report awaiting review and follow-ups a school sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import SchoolAssignment, User
from spmp.engine.cases import CaseRecord
from spmp.schools.models import School
from spmp.widyaprada import operations as ops

# Demo dates are relative to today: a calendar warning (a holiday, another demo visit) is overridden.
DEMO_OVERRIDE = "Contoh data: jadwal disepakati dengan sekolah"


def _user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _version(session: Session, task) -> int:
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))


def seed_demo_tasks(session: Session, school: School) -> list:
    """Tasks on ``school`` (the demo operator's school) and around it; returns them, the first being the
    Widyaprada's task still to schedule (the mobile crawl opens its case page)."""
    head, wp = _user(session, "kepala"), _user(session, "widyaprada")
    today = clock.now().date()
    cycle_case = session.scalar(
        select(CaseRecord.id).where(CaseRecord.type_key == "spmi_cycle", CaseRecord.school_id == school.id)
    )
    caseload = list(
        session.scalars(select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == wp.id))
    )
    others = [s for s in caseload if s != school.id] or [school.id]  # a tiny demo has one school

    def task(kind, scope, purpose, schools=(), regency=None, start=0, due=21, linked=None, by=head):
        data = ops.TaskInput(kind, scope, purpose, today + timedelta(days=start), today + timedelta(days=start + 30),
                             today + timedelta(days=start + due), tuple(schools), regency,
                             wp.id if by is head else None, linked)  # fmt: skip
        return ops.create_task(session, by, data)

    tasks = [
        task(
            "supervisi",
            "school",
            "Supervisi pembelajaran: RPP berdiferensiasi dan asesmen awal",
            [school.id],
            linked=cycle_case,
        ),
        task(
            "pemetaan_mutu",
            "regency",
            "Pemetaan mutu Kabupaten Kupang dari Rapor Pendidikan 2026",
            regency="53.01",
            by=wp,
        ),
        task("pembimbingan", "group", "Pembimbingan TPMPS menyusun RKT berbasis data", others[:3]),
    ]
    done = task("pendampingan", "school", "Pendampingan PBD: refleksi akar masalah literasi", [school.id],
                linked=cycle_case)  # fmt: skip
    ops.act(session, wp, done.id, "schedule", _version(session, done),
            inputs={"visit_date": (today + timedelta(days=1)).isoformat(), "override_reason": DEMO_OVERRIDE})  # fmt: skip
    report = ops.ReportInput(
        "Sekolah sudah memilih indikator literasi; akar masalah belum didukung data asesmen kelas.",
        "Gunakan hasil asesmen diagnostik kelas 1-3 untuk refleksi; libatkan guru kelas awal.",
        (ops.FollowUpInput(school.id, "Lakukan asesmen diagnostik membaca kelas 1-3", today + timedelta(days=30)),
         ops.FollowUpInput(school.id, "Rapat TPMPS membahas hasil asesmen dan memperbarui akar masalah")),
    )  # fmt: skip
    ops.save_report(session, wp, done.id, 0, report)
    ops.act(session, wp, done.id, "submit_report", _version(session, done))
    ops.act(session, head, done.id, "approve", _version(session, done))
    review = task("supervisi", "school", "Supervisi manajerial: pengelolaan BOSP", [others[-1]])
    ops.act(session, wp, review.id, "schedule", _version(session, review),
            inputs={"visit_date": today.isoformat(), "override_reason": DEMO_OVERRIDE})  # fmt: skip
    ops.save_report(session, wp, review.id, 0, ops.ReportInput("RKAS belum memuat kegiatan PBD.",
                    "Selaraskan RKAS dengan kegiatan Benahi.",
                    (ops.FollowUpInput(others[-1], "Revisi RKAS sesuai kegiatan PBD"),)))  # fmt: skip
    ops.act(session, wp, review.id, "submit_report", _version(session, review))
    return [*tasks, done, review]
