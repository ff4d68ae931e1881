"""The recommendation list: schools (from the school data, not from proposals) ranked by need for a
programme year, so that a Dinas can propose the schools that need it most and have not been proposed.

Who is on it: every school in the user's area (and the chosen province/regency) that has no proposal for
the year and would pass the funding rule (not rehabilitated in the :data:`FUNDING_GAP_YEARS` before the
year, not selected in those years).

The need score is the selection's own (``spmp.revitalisasi.selection.need_points``, with the year's
parameters, weights included), on what the school data holds:

- **damage**: the school table has no damage field (Dapodik's per-room sarpras condition is not in our
  import). The figure used is the damage of the school's *latest proposal* of any year (the surveyor's
  PUPR form, mean over the requested rooms) with its year shown; a school never proposed has no known
  damage and scores 0 on it (the page says "belum ada data");
- **years since the last rehabilitation**: ``school.last_rehab_year`` (Dapodik); never rehabilitated
  counts as more than *N* years, as in the selection;
- **3T**: the school's regency on the current 3T list; **disaster area**: the school's Dapodik flag;
- **level**: the level factor of the school's form; **pupils affected**: from the latest proposal, if any.

Ranked by score, then NPSN (stable). Everything is read in one scoped query per batch of schools."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.regions.models import Province, Regency
from spmp.regions.reference import current_t3_regencies
from spmp.revitalisasi.eligibility import FUNDED_STATES, FUNDING_GAP_YEARS
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.revitalisasi.selection import CRITERIA, CRITERION_LABELS, Candidate, need_points
from spmp.revitalisasi.selection_runs import get_params, level_of
from spmp.schools.models import BentukPendidikan, School

BATCH = 25_000


@dataclass(frozen=True)
class RecommendationFilters:
    year: int
    province: str | None = None
    regency: str | None = None


@dataclass(slots=True)
class Recommended:
    """One school on the list, with its score and the points per criterion (``CRITERIA`` order)."""

    rank: int
    school_id: int
    npsn: str
    name: str
    level: str
    regency_code: str
    regency_name: str
    province_name: str
    damage_percent: float | None  # None: no proposal ever gave it
    damage_year: int | None  # the year of the proposal the damage comes from
    last_rehab_year: int | None
    is_3t: bool
    is_disaster: bool
    pupils: int | None
    score: float
    points: tuple[float, ...]


def _latest_proposals():
    """Each school's latest proposal (any year): its damage, pupils affected and year."""
    rank = func.row_number().over(
        partition_by=RevitalisasiProposal.school_id,
        order_by=(RevitalisasiProposal.year.desc(), RevitalisasiProposal.id.desc()),
    )
    return select(
        RevitalisasiProposal.school_id, RevitalisasiProposal.year, RevitalisasiProposal.damage_percent,
        RevitalisasiProposal.pupils_affected, rank.label("rank"),
    ).subquery()  # fmt: skip


def statement(user: User | None, filters: RecommendationFilters):
    """The schools in the user's area (``None``: the whole country, for the command line) and the
    filters that may be recommended for ``filters.year``, with what the score needs, by id."""
    year = filters.year
    latest = _latest_proposals()
    proposed = exists().where(RevitalisasiProposal.school_id == School.id, RevitalisasiProposal.year == year)
    funded = exists().where(
        RevitalisasiProposal.school_id == School.id,
        RevitalisasiProposal.year.between(year - FUNDING_GAP_YEARS, year - 1),
        CaseRecord.id == RevitalisasiProposal.case_id,
        CaseRecord.state.in_(FUNDED_STATES),
    )
    query = (
        select(
            School.id, School.npsn, School.name, School.bentuk, BentukPendidikan.jenjang, School.regency_code,
            Regency.name, School.province_code, Province.name, School.last_rehab_year, School.is_disaster_area,
            School.regency_code.in_(current_t3_regencies()), latest.c.damage_percent, latest.c.year,
            latest.c.pupils_affected,
        )
        .join(BentukPendidikan, BentukPendidikan.code == School.bentuk)
        .join(Regency, Regency.code == School.regency_code)
        .join(Province, Province.code == School.province_code)
        .outerjoin(latest, and_(latest.c.school_id == School.id, latest.c.rank == 1))
        .where(
            true() if user is None else school_scope(user), ~proposed, ~funded,
            or_(School.last_rehab_year.is_(None), School.last_rehab_year < year - FUNDING_GAP_YEARS),
        )
        .order_by(School.id)
    )  # fmt: skip
    if filters.province:
        query = query.where(School.province_code == filters.province)
    if filters.regency:
        query = query.where(School.regency_code == filters.regency)
    return query


def count(session: Session, user: User | None, filters: RecommendationFilters) -> int:
    return (
        session.scalar(select(func.count()).select_from(statement(user, filters).order_by(None).subquery()))
        or 0
    )


def recommend(
    session: Session,
    user: User | None,
    filters: RecommendationFilters,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[Recommended]:
    """Every school that may be recommended, ranked by need (highest first); ``progress(schools read)``
    after each batch of :data:`BATCH`. ``user`` None: the whole country (the command line)."""
    params, _setting = get_params(session, filters.year)
    levels: dict[tuple[str, str], str] = {}  # (form, jenjang) -> level, computed once per form
    scored: list[tuple] = []
    result = session.execute(statement(user, filters).execution_options(yield_per=BATCH))
    for batch in result.partitions(BATCH):
        for row in batch:
            if (row[3], row[4]) not in levels:
                levels[(row[3], row[4])] = level_of(row[3], row[4])
        candidates = [_candidate(row, filters.year, levels[(row[3], row[4])]) for row in batch]
        points, scores = need_points(candidates, params)
        for row, p, score in zip(batch, points.tolist(), scores.tolist(), strict=True):
            scored.append((row, score, tuple(p)))
        if progress:
            progress(len(scored))
    scored.sort(key=lambda item: (-item[1], item[0][1]))
    return [
        _recommended(rank, row, score, points, levels[(row[3], row[4])])
        for rank, (row, score, points) in enumerate(scored, start=1)
    ]


def _candidate(row, year: int, level: str) -> Candidate:
    (school_id, npsn, name, bentuk, jenjang, regency, regency_name, province, province_name, last_rehab,
     disaster, is_3t, damage, _damage_year, pupils) = row  # fmt: skip
    return Candidate(
        id=school_id, name=name, regency=regency, regency_name=regency_name, province=province,
        province_name=province_name, level=level, cost=0, damage_pct=float(damage or 0.0),
        years_since_rehab=None if last_rehab is None else max(year - last_rehab, 0), is_3t=bool(is_3t),
        disaster=bool(disaster), pupils=int(pupils or 0), npsn=npsn,
    )  # fmt: skip


def _recommended(rank: int, row, score: float, points: tuple, level: str) -> Recommended:
    (school_id, npsn, name, bentuk, jenjang, regency, regency_name, _province, province_name, last_rehab,
     disaster, is_3t, damage, damage_year, pupils) = row  # fmt: skip
    return Recommended(
        rank=rank, school_id=school_id, npsn=npsn, name=name, level=level,
        regency_code=regency, regency_name=regency_name, province_name=province_name,
        damage_percent=None if damage is None else float(damage), damage_year=damage_year,
        last_rehab_year=last_rehab, is_3t=bool(is_3t), is_disaster=bool(disaster), pupils=pupils, score=score,
        points=points,
    )  # fmt: skip


# --- the download ----------------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Peringkat", "NPSN", "Sekolah", "Jenjang", "Kabupaten/Kota", "Provinsi", "Kerusakan (%)",
    "Tahun data kerusakan", "Rehabilitasi terakhir", "3T", "Daerah bencana", "Peserta didik terdampak",
    "Skor kebutuhan", *(f"Poin {CRITERION_LABELS[c]}" for c in CRITERIA),
]  # fmt: skip


def export_rows(rows: list[Recommended]):
    for r in rows:
        yield (r.rank, r.npsn, r.name, r.level, r.regency_name, r.province_name, r.damage_percent, r.damage_year,
               r.last_rehab_year, r.is_3t, r.is_disaster, r.pupils, r.score, *r.points)  # fmt: skip
