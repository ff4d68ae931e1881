"""Reading saved selection runs: the list of runs, one run's proposals (filtered, a page at a time, in the
user's area), two runs compared, and the XLSX rows. Every statement carries the user's scope."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from spmp.accounts.models import NATIONAL_ROLES, User
from spmp.regions.models import Regency
from spmp.revitalisasi.selection import BILLION, CRITERIA, CRITERION_LABELS, SelectionParams, fmt, rupiah
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun
from spmp.revitalisasi.selection_permissions import item_scope, run_scope

PAGE_SIZE = 50
DECISIONS = {"terpilih": "Terpilih", "tidak": "Tidak terpilih", "beda": "Beda dengan greedy"}
REASON_LABELS = {
    "di_atas_ambang": "Di atas ambang anggaran",
    "minimum_kabupaten": "Memenuhi minimum kabupaten/kota",
    "minimum_provinsi": "Memenuhi minimum provinsi",
    "minimum_jenjang": "Memenuhi minimum jenjang",
    "minimum_anggaran_kabupaten": "Memenuhi anggaran minimum kabupaten/kota",
    "minimum_anggaran_provinsi": "Memenuhi anggaran minimum provinsi",
    "pelengkap_anggaran": "Melengkapi anggaran",
    "di_bawah_ambang": "Di bawah ambang anggaran",
    "kuota_kabupaten": "Kuota kabupaten/kota penuh",
    "kuota_provinsi": "Kuota provinsi penuh",
    "kuota_jenjang": "Kuota jenjang penuh",
    "pagu_kabupaten": "Pagu anggaran kabupaten/kota terpakai",
    "pagu_provinsi": "Pagu anggaran provinsi terpakai",
    "sisa_anggaran": "Sisa anggaran tidak cukup",
    "melebihi_anggaran": "Biaya melebihi anggaran",
    "skor_nol": "Skor kebutuhan 0",
    "lainnya": "Lainnya",
}


def runs(session: Session, user: User, year: int | None = None) -> list[SelectionRun]:
    statement = select(SelectionRun).where(run_scope(user)).order_by(SelectionRun.id.desc())
    if year is not None:
        statement = statement.where(SelectionRun.year == year)
    return list(session.scalars(statement))


def visible_run(session: Session, user: User, run_id: int) -> SelectionRun | None:
    return session.scalars(select(SelectionRun).where(SelectionRun.id == run_id, run_scope(user))).first()


def run_summary(run: SelectionRun) -> dict:
    return json.loads(run.summary)


def run_params(run: SelectionRun) -> SelectionParams:
    return SelectionParams.from_dict(json.loads(run.params))


@dataclass(frozen=True)
class ItemFilter:
    decision: str | None = None  # "terpilih", "tidak", "beda" (optimal and greedy disagree)
    regency: str | None = None
    reason: str | None = None
    search: str | None = None  # NPSN or part of the name

    @property
    def is_npsn(self) -> bool:
        return bool(self.search and re.fullmatch(r"\d{8}", self.search.strip()))

    def clauses(self) -> list:
        out = []
        if self.decision == "terpilih":
            out.append(SelectionItem.selected.is_(True))
        elif self.decision == "tidak":
            out.append(SelectionItem.selected.is_(False))
        elif self.decision == "beda":
            out.append(SelectionItem.selected != SelectionItem.greedy_selected)
        if self.regency:
            out.append(SelectionItem.regency_code == self.regency)
        if self.reason:
            out.append(SelectionItem.reason_code == self.reason)
        if self.search:
            term = self.search.strip()
            if self.is_npsn:  # the (run, NPSN) index
                out.append(SelectionItem.npsn == term)
            else:  # part of a name: a scan of the run's rows
                out.append(SelectionItem.school_name.ilike(f"%{term}%"))
        return out


def items_statement(user: User, run_id: int, wanted: ItemFilter) -> Select:
    """The run's proposals in the user's area matching ``wanted``, in rank order."""
    return (
        select(SelectionItem, Regency.name)
        .join(Regency, Regency.code == SelectionItem.regency_code)
        .where(SelectionItem.run_id == run_id, item_scope(user), *wanted.clauses())
        # An NPSN names one row: ordered by it first, the (run, NPSN) index finds it without a pass in rank order.
        .order_by(*((SelectionItem.npsn,) if wanted.is_npsn else ()), SelectionItem.rank)
    )


def item_page(session: Session, user: User, run_id: int, wanted: ItemFilter, page: int) -> tuple[list, bool]:
    """One page of proposals (with their regency name) and whether a next page exists."""
    rows = session.execute(
        items_statement(user, run_id, wanted).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def scoped_counts(session: Session, user: User, run_id: int) -> dict[str, int] | None:
    """Proposals, selected ones and their cost in the user's area (None for national users: the run's
    summary has the national figures)."""
    if user.role in NATIONAL_ROLES:
        return None
    base = and_(SelectionItem.run_id == run_id, item_scope(user))
    chosen = and_(base, SelectionItem.selected.is_(True))
    return {
        "candidates": session.scalar(select(func.count()).select_from(SelectionItem).where(base)) or 0,
        "selected": session.scalar(select(func.count()).select_from(SelectionItem).where(chosen)) or 0,
        "cost": int(session.scalar(select(func.sum(SelectionItem.cost)).where(chosen)) or 0),
    }


def run_regencies(session: Session, user: User, run_id: int) -> list[tuple[str, str]]:
    """(code, name) of the regencies in the run, in the user's area, for the filter: one probe of the
    (run, regency) index per regency rather than a pass over the run's rows."""
    present = (
        select(SelectionItem.id)
        .where(SelectionItem.run_id == run_id, SelectionItem.regency_code == Regency.code, item_scope(user))
        .exists()
    )
    return list(session.execute(select(Regency.code, Regency.name).where(present).order_by(Regency.name)))


# --- comparing two runs ---------------------------------------------------------------------------------


def differences_statement(user: User, run_a: int, run_b: int) -> Select:
    """Proposals decided differently by the two runs (in the user's area), by their rank in run A."""
    b = aliased(SelectionItem)
    return (
        select(SelectionItem, b, Regency.name)
        .join(b, and_(b.run_id == run_b, b.proposal_id == SelectionItem.proposal_id))
        .join(Regency, Regency.code == SelectionItem.regency_code)
        .where(SelectionItem.run_id == run_a, SelectionItem.selected != b.selected, item_scope(user))
        .order_by(SelectionItem.rank)
    )


def difference_page(session, user, run_a: int, run_b: int, page: int) -> tuple[list, int, bool]:
    statement = differences_statement(user, run_a, run_b)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return rows[:PAGE_SIZE], int(total or 0), len(rows) > PAGE_SIZE


def params_rows(a: SelectionParams, b: SelectionParams | None = None) -> list[tuple[str, str, str | None]]:
    """(label, value in A, value in B) for every parameter, for the parameter tables."""

    def describe(p: SelectionParams) -> list[tuple[str, str]]:
        rows = [("Anggaran total", rupiah(p.budget))]
        rows += [(f"Bobot {CRITERION_LABELS[c]}", _num(getattr(p.weights, c))) for c in CRITERIA]
        rows += [
            ("Aturan belum direhabilitasi", f"> {p.rehab_rule_years} tahun"),
            ("Batas peserta didik (skor penuh)", str(p.pupils_cap)),
            (
                "Faktor jenjang",
                ", ".join(f"{k} {_num(v)}" for k, v in sorted(p.level_factors.items())) or "-",
            ),
            ("Sekolah per kabupaten/kota", _limit(p.regency_limit)),
            ("Sekolah per provinsi", _limit(p.province_limit)),
            ("Batas khusus kabupaten/kota", _limits(p.regency_overrides)),
            ("Batas khusus provinsi", _limits(p.province_overrides)),
            ("Kuota jenjang", _limits(p.level_quotas)),
            ("Anggaran per kabupaten/kota", _budget_limit(p.regency_budget)),
            ("Anggaran per provinsi", _budget_limit(p.province_budget)),
            ("Anggaran khusus kabupaten/kota", _budget_limits(p.regency_budget_overrides)),
            ("Anggaran khusus provinsi", _budget_limits(p.province_budget_overrides)),
        ]
        return rows

    left = describe(a)
    right = describe(b) if b is not None else [(label, None) for label, _ in left]
    return [(label, va, vb) for (label, va), (_l, vb) in zip(left, right, strict=True)]


def _limit(limit) -> str:
    return f"min {limit.min}, maks {'-' if limit.max is None else limit.max}"


def _limits(limits: dict) -> str:
    return "; ".join(f"{code}: {_limit(v)}" for code, v in sorted(limits.items())) or "-"


def _budget_limit(limit) -> str:
    return f"min {rupiah(limit.min)}, maks {'-' if limit.max is None else rupiah(limit.max)}"


def _budget_limits(limits: dict) -> str:
    return "; ".join(f"{code}: {_budget_limit(v)}" for code, v in sorted(limits.items())) or "-"


def _num(x: float) -> str:
    return fmt(x, 2 if x != int(x) else 0)


# --- XLSX -----------------------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Peringkat", "NPSN", "Sekolah", "Kabupaten/Kota", "Kode provinsi", "Jenjang", "Biaya (Rp)",
    "Kerusakan (%)", "Tahun sejak rehabilitasi", "3T", "Daerah bencana", "Peserta didik", "Skor kebutuhan",
    *(f"Poin {CRITERION_LABELS[c]}" for c in CRITERIA), "Skor per Rp 1 M", "Keputusan", "Keputusan greedy",
    "Alasan",
]  # fmt: skip


def export_rows(session: Session, statement: Select):
    from spmp.export import stream_rows

    for item, regency_name in stream_rows(session, statement):
        yield (
            item.rank, item.npsn, item.school_name, regency_name, item.province_code, item.level, item.cost,
            item.damage_percent, item.years_since_rehab, item.is_3t, item.is_disaster, item.pupils, item.score,
            *item.points, round(item.score * BILLION / item.cost, 2) if item.cost else None,
            "Terpilih" if item.selected else "Tidak terpilih",
            "Terpilih" if item.greedy_selected else "Tidak terpilih", item.reason,
        )  # fmt: skip
