"""Balancing Widyaprada caseloads: "Sarankan" (ranked proposals for one task or school, each explained in
Indonesian) and the data the whole-unit assignment (``spmp.widyaprada.optimal``) works on.

A Widyaprada's **load** is their open task weight (``WidyapradaTask.weight`` of tasks not closed or
cancelled: mapping a regency weighs more than one visit) plus one per school in their caseload (one
school to accompany weighs one visit). Their **work places** are the schools in their caseload and the
targets of their open tasks (a regency mapping counts as the regency's centre). Distance is the
great-circle (haversine) distance from the target to the nearest work place; a school without
coordinates stands at its regency's centre (the mean of that regency's school coordinates); someone with
no work place yet is measured from the centre of the unit's schools.

Proposals are ranked by load, then whether the person already works in the target's regency, then
distance, then name. People with a recorded conflict of interest with a target school, inactive people
and people of other units are never proposed."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import unit_provinces
from spmp.accounts.conflicts import conflicted_user_ids
from spmp.accounts.models import NATIONAL_ROLES, Role, SchoolAssignment, User
from spmp.engine.cases import CaseRecord
from spmp.engine.errors import ActionRefused
from spmp.regions.models import Regency, UnitCoverage
from spmp.schools.models import School
from spmp.widyaprada.models import WidyapradaTask, WidyapradaTaskSchool

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
TASK_TYPE = "widyaprada_task"
SUGGEST_ROLES = (Role.BPMP_STAFF, Role.BPMP_HEAD, *NATIONAL_ROLES)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (numpy arrays or floats, degrees)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def can_suggest(user: User, unit_id: int | None) -> bool:
    """B/BPMP staff and head of the unit (and national roles) may ask for proposals and choose one."""
    if user.role in NATIONAL_ROLES:
        return True
    return user.role in SUGGEST_ROLES and unit_id is not None and user.unit_id == unit_id


@dataclass(frozen=True)
class Target:
    """What is to be assigned: a point, its regency and the schools a conflict would be checked on."""

    lat: float
    lon: float
    regency_code: str | None
    school_ids: tuple[int, ...] = ()


@dataclass
class Person:
    id: int
    name: str
    open_tasks: int = 0
    open_weight: int = 0
    schools: int = 0
    regencies: set[str] = field(default_factory=set)

    @property
    def load(self) -> int:
        return self.open_weight + self.schools


@dataclass
class UnitPicture:
    """Everything a proposal needs about one unit, loaded in a few queries: its active Widyaprada with
    their load, their work places (arrays, grouped by person) and the regency centres."""

    unit_id: int
    people: list[Person]
    point_owner: np.ndarray  # index into ``people`` of each work place
    point_lat: np.ndarray
    point_lon: np.ndarray
    centres: dict[str, tuple[float, float]]  # regency code -> (lat, lon)
    unit_centre: tuple[float, float]
    regency_names: dict[str, str]

    def nearest_km(self, lat: float, lon: float) -> np.ndarray:
        """Per person: km from (lat, lon) to their nearest work place (NaN for someone with none)."""
        out = np.full(len(self.people), np.nan)
        if len(self.point_owner):
            km = haversine_km(lat, lon, self.point_lat, self.point_lon)
            np.fmin.at(out, self.point_owner, km)
        return out


def unit_of_province(session: Session, province_code: str) -> int | None:
    return session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == province_code))


def regency_centres(
    session: Session, unit_id: int
) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """The mean coordinates of the schools of each regency of the unit, and of all the unit's schools."""
    rows = session.execute(
        select(School.regency_code, func.avg(School.latitude), func.avg(School.longitude), func.count())
        .where(School.province_code.in_(unit_provinces(unit_id)), School.latitude.is_not(None))
        .group_by(School.regency_code)
    ).all()
    centres = {code: (float(lat), float(lon)) for code, lat, lon, _ in rows}
    total = sum(n for *_, n in rows)
    if not total:
        return centres, (0.0, 0.0)
    lat = sum(float(la) * n for _, la, _, n in rows) / total
    lon = sum(float(lo) * n for _, _, lo, n in rows) / total
    return centres, (lat, lon)


def _place(centres, lat, lon, regency_code, fallback) -> tuple[float, float]:
    if lat is not None and lon is not None:
        return float(lat), float(lon)
    return centres.get(regency_code, fallback)


def load_unit(session: Session, unit_id: int) -> UnitPicture:
    """The unit's active Widyaprada, their load and work places. Core queries and numpy: a unit whose 20,000
    schools are all in caseloads loads in a few tens of milliseconds."""
    conn = session.connection()  # plain rows, no ORM objects
    people = [
        Person(id=i, name=n)
        for i, n in conn.execute(
            select(User.id, User.full_name)
            .where(User.unit_id == unit_id, User.role == Role.WIDYAPRADA.value, User.is_active.is_(True))
            .order_by(User.full_name, User.id)
        )
    ]
    index = {p.id: k for k, p in enumerate(people)}
    ids = list(index)
    centres, unit_centre = regency_centres(session, unit_id)
    caseload = conn.execute(
        select(SchoolAssignment.user_id, School.latitude, School.longitude, School.regency_code)
        .join(School, School.id == SchoolAssignment.school_id)
        .where(SchoolAssignment.user_id.in_(ids))
    ).all()
    is_open = (
        CaseRecord.type_key == TASK_TYPE,
        CaseRecord.closed_at.is_(None),
        CaseRecord.assignee_user_id.in_(ids),
    )
    tasks = conn.execute(
        select(CaseRecord.assignee_user_id, WidyapradaTask.weight, WidyapradaTask.target_regency_code)
        .join(WidyapradaTask, WidyapradaTask.case_id == CaseRecord.id)
        .where(*is_open)
    ).all()
    targets = conn.execute(
        select(CaseRecord.assignee_user_id, School.latitude, School.longitude, School.regency_code)
        .join(WidyapradaTask, WidyapradaTask.case_id == CaseRecord.id)
        .join(WidyapradaTaskSchool, WidyapradaTaskSchool.task_id == WidyapradaTask.id)
        .join(School, School.id == WidyapradaTaskSchool.school_id)
        .where(*is_open)
    ).all()
    for user_id, weight, _regency in tasks:
        person = people[index[user_id]]
        person.open_tasks += 1
        person.open_weight += weight
    places = [*caseload, *((u, None, None, r) for u, _w, r in tasks if r), *targets]
    owners = np.fromiter((index[p[0]] for p in places), dtype=np.int64, count=len(places))
    for k, count in enumerate(np.bincount(owners[: len(caseload)], minlength=len(people))):
        people[k].schools = int(count)
    for k, regency in set(zip(owners.tolist(), (p[3] for p in places), strict=True)):
        if regency:
            people[k].regencies.add(regency)
    lats = np.fromiter((np.nan if p[1] is None else p[1] for p in places), dtype=float, count=len(places))
    lons = np.fromiter((np.nan if p[2] is None else p[2] for p in places), dtype=float, count=len(places))
    for i in np.flatnonzero(np.isnan(lats) | np.isnan(lons)):  # no coordinates: the regency's centre
        lats[i], lons[i] = centres.get(places[i][3], unit_centre)
    names = dict(
        conn.execute(
            select(Regency.code, Regency.name).where(Regency.province_code.in_(unit_provinces(unit_id)))
        ).all()
    )
    return UnitPicture(unit_id, people, owners, lats, lons, centres, unit_centre, names)


# --- targets -----------------------------------------------------------------------------------------------
def school_target(session: Session, school: School, picture: UnitPicture | None = None) -> Target:
    if picture is None:
        centres = regency_centres(session, unit_of_province(session, school.province_code))[0]
    else:
        centres = picture.centres
    lat, lon = _place(centres, school.latitude, school.longitude, school.regency_code, (0.0, 0.0))
    return Target(lat, lon, school.regency_code, (school.id,))


def task_target(session: Session, task: WidyapradaTask, picture: UnitPicture) -> Target:
    """A school task: its school; a group: the centre of its schools (regency: the most frequent one); a
    regency mapping: the regency's centre."""
    if task.scope == "regency":
        lat, lon = picture.centres.get(task.target_regency_code, picture.unit_centre)
        return Target(lat, lon, task.target_regency_code, ())
    places = [
        _place(picture.centres, s.latitude, s.longitude, s.regency_code, picture.unit_centre)
        for s in task.schools
    ]
    regencies = [s.regency_code for s in task.schools]
    regency = max(sorted(set(regencies)), key=regencies.count) if regencies else None
    lat = sum(p[0] for p in places) / len(places)
    lon = sum(p[1] for p in places) / len(places)
    return Target(lat, lon, regency, tuple(s.id for s in task.schools))


# --- proposals ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Proposal:
    user_id: int
    name: str
    open_tasks: int
    open_weight: int
    schools: int
    load: int
    in_regency: bool
    km: float | None  # None: no work place yet (then ``km_from_unit`` is used for ranking)
    km_from_unit: float
    explanation: str


def _explain(
    person: Person, in_regency: bool, regency_name: str | None, km: float | None, km_unit: float
) -> str:
    parts = [f"{person.open_tasks} tugas terbuka, bobot {person.open_weight}"]
    parts.append(f"{person.schools} sekolah binaan (beban {person.load})")
    if in_regency:
        parts.append(f"sudah bertugas di {regency_name}")
    elif regency_name:
        parts.append(f"belum bertugas di {regency_name}")
    if km is None:
        parts.append(f"belum punya tempat tugas; {km_unit:.0f} km dari pusat wilayah unit")
    else:
        parts.append(f"{km:.0f} km dari tempat tugas terdekat")
    return "; ".join(parts)


def rank(
    picture: UnitPicture, target: Target, excluded: set[int] = frozenset(), limit: int | None = None
) -> list[Proposal]:
    """The unit's Widyaprada for ``target`` (minus ``excluded``), best first, the first ``limit`` explained."""
    nearest = picture.nearest_km(target.lat, target.lon)
    from_unit = float(haversine_km(target.lat, target.lon, *picture.unit_centre))
    regency_name = picture.regency_names.get(target.regency_code) if target.regency_code else None
    keyed = []
    for k, person in enumerate(picture.people):
        if person.id in excluded:
            continue
        km = None if np.isnan(nearest[k]) else float(nearest[k])
        in_regency = target.regency_code in person.regencies
        keyed.append(((person.load, not in_regency, from_unit if km is None else km, person.name, person.id),
                      person, in_regency, km))  # fmt: skip
    keyed.sort(key=lambda item: item[0])
    return [
        Proposal(
            person.id,
            person.name,
            person.open_tasks,
            person.open_weight,
            person.schools,
            person.load,
            in_regency,
            km,
            from_unit,
            _explain(person, in_regency, regency_name, km, from_unit),
        )  # fmt: skip
        for _key, person, in_regency, km in keyed[:limit]
    ]


def suggest_for_school(session: Session, school: School, limit: int | None = None) -> list[Proposal]:
    """Who should take ``school`` into their caseload: the owning unit's Widyaprada, ranked, minus those
    with a recorded conflict with it and those who hold it already."""
    unit_id = unit_of_province(session, school.province_code)
    if unit_id is None:
        return []
    picture = load_unit(session, unit_id)
    holders = set(
        session.scalars(select(SchoolAssignment.user_id).where(SchoolAssignment.school_id == school.id))
    )
    excluded = conflicted_user_ids(session, [school.id]) | holders
    return rank(picture, school_target(session, school, picture), excluded, limit)


def suggest_for_task(session: Session, task: WidyapradaTask, limit: int | None = None) -> list[Proposal]:
    """Who should do ``task``: the Widyaprada of the unit that owns its case, ranked, minus those with a
    recorded conflict with one of its schools and its current assignee."""
    case = task.case
    picture = load_unit(session, case.unit_id)
    target = task_target(session, task, picture)
    excluded = conflicted_user_ids(session, target.school_ids)
    if case.assignee_user_id:
        excluded.add(case.assignee_user_id)
    return rank(picture, target, excluded, limit)


# --- choosing a proposal -------------------------------------------------------------------------------------
def _chosen(proposals: list[Proposal], user_id: int, what: str) -> Proposal:
    for proposal in proposals:
        if proposal.user_id == user_id:
            return proposal
    raise ActionRefused(
        f"Widyaprada ini tidak dapat dipilih untuk {what}: bukan Widyaprada aktif unit ini, sudah memegangnya, "
        "atau memiliki konflik kepentingan yang tercatat"
    )


def choose_for_task(
    session: Session, actor: User, task: WidyapradaTask, user_id: int, seen_version: int
) -> Proposal:
    """Make a proposed Widyaprada the task's assignee through the engine (audited, with the proposal's
    explanation as the reason; the workflow's ``assign`` notice tells them)."""
    from spmp.engine.operations import assign_case

    if not can_suggest(actor, task.case.unit_id):
        raise ActionRefused("Peran Anda tidak dapat memilih penanggung jawab tugas ini")
    chosen = _chosen(suggest_for_task(session, task), user_id, "tugas ini")
    assign_case(session, actor, task.case_id, seen_version, assignee_user_id=user_id,
                reason=f"Dipilih dari saran: {chosen.explanation}")  # fmt: skip
    return chosen


def choose_for_school(session: Session, actor: User, school: School, user_id: int) -> Proposal:
    """Add ``school`` to a proposed Widyaprada's caseload (audited) and tell them."""
    from spmp.accounts.operations import assign_schools
    from spmp.notifications.operations import notify

    if not can_suggest(actor, unit_of_province(session, school.province_code)):
        raise ActionRefused("Peran Anda tidak dapat menambah sekolah binaan di wilayah ini")
    chosen = _chosen(suggest_for_school(session, school), user_id, "sekolah ini")
    person = session.get(User, user_id)
    assign_schools(session, actor, person, [school.npsn])
    notify(session, person, "info", f"Sekolah binaan baru: {school.name}"[:200],
           f"{actor.full_name} menambahkan {school.name} (NPSN {school.npsn}) ke sekolah binaan Anda.\n"
           f"Pertimbangan: {chosen.explanation}", clock.now())  # fmt: skip
    return chosen
