"""SKP evidence: a Widyaprada's completed activities in a year, by the five kinds of Permendikbud 37/2020,
with their outputs (the approved report, the follow-ups addressed to schools) and evidence (files).

"Completed" means the head approved the report (the task's case is ``ditutup``); the year is that of the
approval, on the Jakarta calendar. The same rows feed the HTML page, the XLSX/CSV download and the PDF
(WeasyPrint renders the page's own HTML), so the three never disagree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from spmp.accounts.models import User
from spmp.engine.calendar import WIB
from spmp.engine.cases import CaseEvidence, CaseRecord
from spmp.widyaprada.models import TASK_KINDS, WidyapradaTask

HEADER = [
    "No",
    "Jenis kegiatan",
    "Kegiatan",
    "Sasaran",
    "Tanggal kunjungan",
    "Disetujui",
    "Keluaran",
    "Bukti",
]


@dataclass(frozen=True)
class Activity:
    kind: str
    kind_label: str
    case_id: int
    title: str
    target: str
    visit_date: date | None
    approved_on: date
    output: str
    evidence: str


@dataclass
class SkpEvidence:
    user: User
    year: int
    activities: list[Activity]

    @property
    def by_kind(self) -> list[tuple[str, int]]:
        counts = Counter(a.kind for a in self.activities)
        return [(label, counts.get(key, 0)) for key, label in TASK_KINDS.items()]

    def rows(self):
        for number, a in enumerate(self.activities, 1):
            yield [number, a.kind_label, a.title, a.target, a.visit_date, a.approved_on, a.output, a.evidence]


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(), WIB).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(), WIB).astimezone(UTC)
    return start, end


def _short(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def skp_evidence(session: Session, user: User, year: int) -> SkpEvidence:
    """The completed activities of the Widyaprada ``user`` in ``year`` (the caller checked access), in the
    order of the five kinds, then by approval date."""
    start, end = _year_bounds(year)
    rows = session.execute(
        select(WidyapradaTask, CaseRecord)
        .join(CaseRecord, CaseRecord.id == WidyapradaTask.case_id)
        .where(
            CaseRecord.assignee_user_id == user.id,
            CaseRecord.state == "ditutup",
            CaseRecord.closed_at >= start,
            CaseRecord.closed_at < end,
        )
        .options(
            selectinload(WidyapradaTask.schools),
            selectinload(WidyapradaTask.target_regency),
            selectinload(WidyapradaTask.follow_ups),
        )
    ).all()
    case_ids = [c.id for _t, c in rows]
    files: dict[int, list[str]] = {i: [] for i in case_ids}
    if case_ids:
        for case_id, filename in session.execute(
            select(CaseEvidence.case_id, CaseEvidence.filename)
            .where(CaseEvidence.case_id.in_(case_ids))
            .order_by(CaseEvidence.case_id, CaseEvidence.id)
        ):
            files[case_id].append(filename)
    order = {key: n for n, key in enumerate(TASK_KINDS)}
    activities = []
    for task, case in sorted(rows, key=lambda r: (order.get(r[0].kind, 9), r[1].closed_at, r[1].id)):
        if task.scope == "regency" and task.target_regency:
            target = task.target_regency.name
        else:
            target = ", ".join(s.name for s in task.schools)
        follow_ups = len(task.follow_ups)
        done = sum(1 for f in task.follow_ups if f.status == "done")
        output = f"Temuan: {_short(task.findings, 200)} | Rekomendasi: {_short(task.recommendations, 200)}"
        if follow_ups:
            output += f" | Tindak lanjut: {follow_ups} ({done} selesai)"
        evidence_files = files[case.id] + [
            f.evidence_filename for f in task.follow_ups if f.evidence_filename
        ]
        evidence = f"Laporan versi {task.report_version}; kasus #{case.id}"
        if evidence_files:
            evidence += "; berkas: " + ", ".join(evidence_files)
        activities.append(
            Activity(
                kind=task.kind,
                kind_label=task.kind_label,
                case_id=case.id,
                title=f"{task.purpose} ({case.title})",
                target=target,
                visit_date=task.visit_date,
                approved_on=case.closed_at.astimezone(WIB).date(),
                output=output,
                evidence=evidence,
            )
        )
    return SkpEvidence(user, year, activities)
