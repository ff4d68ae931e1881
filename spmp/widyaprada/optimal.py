"""The whole unit at once: every school of a B/BPMP unit not yet in a Widyaprada's caseload goes to one of
the unit's active Widyaprada, solved **optimally** as a min-cost flow (OR-Tools ``SimpleMinCostFlow``).

The objective, in this order: the most even spread of load (the least sum of squared final loads; loads
are open task weight + caseload schools, see ``spmp.widyaprada.balancing``), then the least total distance
(haversine from each school to its Widyaprada's nearest work place before the plan, in tenths of a km).
Pairs with a recorded conflict of interest have no arc.

The network: one unit of supply per school, an arc school -> Widyaprada per allowed pair costing the
distance. Without conflicts in the way the most even spreads are known (water-filling: everyone below the
level T reaches T - 1, some reach T), so each Widyaprada node demands its T - 1 share and may pass one more
unit to the sink: a plain transportation problem on distances. When conflicts make that infeasible, the
Widyaprada -> sink arcs are one per additional school, the k-th costing ``balance * (load + k)`` with
``balance`` above any total distance: convex costs, so the flow finds the most even spread the conflicts
allow and the shortest travel among those. ``tests/spmp/widyaprada/test_optimal.py`` checks both against
brute force.

Two greedy assignments are computed beside it for comparison: "terdekat" (each school to its nearest
Widyaprada, load ignored) and "Sarankan satu per satu" (schools in NPSN order, each to the top proposal given
the loads so far, distances as before the plan)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import unit_provinces
from spmp.accounts.models import ConflictOfInterest, Role, SchoolAssignment, User
from spmp.engine.errors import ActionRefused
from spmp.schools.models import School
from spmp.widyaprada.balancing import UnitPicture, _place, haversine_km, load_unit

KM_UNITS = 10  # costs in tenths of a km
CHUNK_CELLS = 4_000_000  # schools x work places computed at once (memory stays under ~100 MB)

Progress = Callable[[str], None]


@dataclass
class Assignment:
    """One way of spreading the planned schools: ``chosen[s]`` is the index (into ``people``) of school
    ``s``'s Widyaprada."""

    label: str
    chosen: np.ndarray
    km: np.ndarray  # per school, the distance to the chosen Widyaprada

    def loads(self, base: np.ndarray) -> np.ndarray:
        return base + np.bincount(self.chosen, minlength=len(base))

    def figures(self, base: np.ndarray) -> dict:
        loads = self.loads(base)
        return {"label": self.label, "max_load": int(loads.max()) if len(loads) else 0,
                "min_load": int(loads.min()) if len(loads) else 0, "total_km": float(self.km.sum()),
                "sum_squares": int((loads.astype(np.int64) ** 2).sum())}  # fmt: skip


@dataclass
class Plan:
    unit_id: int
    picture: UnitPicture
    school_ids: np.ndarray
    npsns: list[str]
    names: list[str]
    regencies: list[str]
    base: np.ndarray  # load of each person before the plan
    optimal: Assignment
    greedy: list[Assignment] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def people(self):
        return self.picture.people

    def comparison(self) -> list[dict]:
        return [a.figures(self.base) for a in (self.optimal, *self.greedy)]

    def rows(self):
        """(NPSN, school, regency, Widyaprada, km) of the optimal plan, by Widyaprada then NPSN."""
        order = sorted(
            range(len(self.school_ids)),
            key=lambda s: (self.people[self.optimal.chosen[s]].name, self.npsns[s]),
        )
        for s in order:
            person = self.people[self.optimal.chosen[s]]
            yield (self.npsns[s], self.names[s], self.picture.regency_names.get(self.regencies[s], self.regencies[s]),
                   person.name, round(float(self.optimal.km[s]), 1))  # fmt: skip

    def per_person(self) -> list[tuple[str, int, int, int, float]]:
        """(name, load before, schools added, load after, km of the added schools) per Widyaprada."""
        added = np.bincount(self.optimal.chosen, minlength=len(self.people))
        km = np.bincount(self.optimal.chosen, weights=self.optimal.km, minlength=len(self.people))
        return [(p.name, int(self.base[k]), int(added[k]), int(self.base[k] + added[k]), float(km[k]))
                for k, p in enumerate(self.people)]  # fmt: skip


EXPORT_HEADER = ("NPSN", "Sekolah", "Kabupaten/kota", "Widyaprada", "Jarak (km)")


# --- inputs --------------------------------------------------------------------------------------------------
def _unplanned_schools(session: Session, unit_id: int):
    """The unit's schools that no active Widyaprada of the unit holds: (id, npsn, name, lat, lon, regency)."""
    held = (
        select(SchoolAssignment.school_id)
        .join(User, User.id == SchoolAssignment.user_id)
        .where(User.unit_id == unit_id, User.role == Role.WIDYAPRADA.value, User.is_active.is_(True))
    )
    query = (
        select(School.id, School.npsn, School.name, School.latitude, School.longitude, School.regency_code)
        .where(School.province_code.in_(unit_provinces(unit_id)), School.id.not_in(held))
        .order_by(School.npsn)
    )
    return session.execute(query).all()


def distance_matrix(picture: UnitPicture, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """km from each school to each person's nearest work place (from the unit's centre for someone with
    none), shape (schools, people). Computed in chunks of schools, the work places sorted by person."""
    people = len(picture.people)
    out = np.empty((len(lat), people))
    from_unit = haversine_km(lat, lon, *picture.unit_centre)
    order = np.argsort(picture.point_owner, kind="stable")
    owners, plat, plon = picture.point_owner[order], picture.point_lat[order], picture.point_lon[order]
    has_place = np.zeros(people, dtype=bool)
    has_place[owners] = True
    starts = np.searchsorted(owners, np.arange(people))
    step = max(1, CHUNK_CELLS // max(1, len(owners)))
    for first in range(0, len(lat), step):
        last = min(len(lat), first + step)
        block = np.repeat(from_unit[first:last, None], people, axis=1)
        if len(owners):
            km = haversine_km(lat[first:last, None], lon[first:last, None], plat[None, :], plon[None, :])
            nearest = np.minimum.reduceat(km, starts[has_place], axis=1)
            block[:, has_place] = nearest
        out[first:last] = block
    return out


def _forbidden(session: Session, picture: UnitPicture, school_ids: np.ndarray) -> list[tuple[int, int]]:
    """(school index, person index) pairs with a recorded conflict of interest."""
    person_index = {p.id: k for k, p in enumerate(picture.people)}
    school_index = {int(s): k for k, s in enumerate(school_ids)}
    rows = session.execute(
        select(ConflictOfInterest.school_id, ConflictOfInterest.user_id).where(
            ConflictOfInterest.user_id.in_(list(person_index))
        )
    )
    return [(school_index[s], person_index[u]) for s, u in rows if s in school_index]


# --- the solver ------------------------------------------------------------------------------------------------
def _water_level(base: np.ndarray, count: int) -> int:
    """The smallest level T with sum(max(0, T - base)) >= count."""
    level = int(base.min()) if len(base) else 0
    while np.maximum(0, level - base).sum() < count:
        level += 1
    return level


def _convex_flow(schools, people, s_idx, p_idx, cost, base, extra, balance):
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    _school_arcs(flow, schools, s_idx, p_idx, cost)
    sink = schools + people
    # The k-th additional school of a person costs ``balance * (base + k)``: convex in the load.
    tails = np.repeat(np.arange(schools, sink), extra)
    k = np.concatenate([np.arange(1, n + 1) for n in extra]).astype(np.int64)
    costs = balance * (np.repeat(base.astype(np.int64), extra) + k)
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), np.full(len(tails), sink, dtype=np.int32),
                                              np.ones(len(tails), dtype=np.int64), costs)  # fmt: skip
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:schools] = 1
    supplies[sink] = -schools
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    return flow


def solve_optimal(cost_km: np.ndarray, base: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The optimal assignment (person index per school) for the km matrix, base loads and allowed pairs."""
    schools, people = cost_km.shape
    cost = np.rint(cost_km * KM_UNITS).astype(np.int64)
    s_idx, p_idx = np.nonzero(allowed)
    chosen = _solve_level(schools, people, s_idx, p_idx, cost, base)
    if chosen is not None:
        return chosen
    # Conflicts keep the water level out of reach: the convex network finds the most even spread they
    # allow. Enough unit arcs per person to reach the level plus one; if the solution fills someone's arcs,
    # solve again with an arc for every school (a person with an unused, cheaper arc left cannot gain from
    # more arcs: the costs are convex, so the solution is optimal).
    balance = int(cost.max(initial=0)) * max(schools, 1) + 1  # any change of balance outweighs all travel
    extra = np.maximum(0, _water_level(base, schools) - base) + 1
    chosen = _solve(
        _convex_flow(schools, people, s_idx, p_idx, cost, base, extra, balance), schools, s_idx, p_idx
    )
    if chosen is None or (np.bincount(chosen, minlength=people) >= extra).any():
        every = np.full(people, schools)
        chosen = _solve(
            _convex_flow(schools, people, s_idx, p_idx, cost, base, every, balance), schools, s_idx, p_idx
        )
    if chosen is None:
        raise ActionRefused(
            "Penugasan optimal tidak ditemukan: ada sekolah yang tidak dapat dibina siapa pun"
        )
    return chosen


def _solve_level(schools, people, s_idx, p_idx, cost, base) -> np.ndarray | None:
    """The fast case: fill everyone below the water level T to T - 1 (a demand of their node) and let as
    many as needed take one more (an arc of capacity 1 to the sink). Every such spread has the least sum of
    squared loads there is, so the min-cost flow over distances alone is optimal. None when conflicts make
    it infeasible."""
    from ortools.graph.python import min_cost_flow

    level = _water_level(base, schools)
    below = base < level
    must = np.where(below, level - 1 - base, 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    _school_arcs(flow, schools, s_idx, p_idx, cost)
    sink = schools + people
    movers = np.flatnonzero(below)
    flow.add_arcs_with_capacity_and_unit_cost((schools + movers).astype(np.int32),
                                              np.full(len(movers), sink, dtype=np.int32),
                                              np.ones(len(movers), dtype=np.int64), np.zeros(len(movers), dtype=np.int64))  # fmt: skip
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:schools] = 1
    supplies[schools:sink] = -must
    supplies[sink] = -(schools - int(must.sum()))
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    return _solve(flow, schools, s_idx, p_idx)


def _school_arcs(flow, schools, s_idx, p_idx, cost) -> None:
    flow.add_arcs_with_capacity_and_unit_cost(
        s_idx.astype(np.int32), (schools + p_idx).astype(np.int32), np.ones(len(s_idx), dtype=np.int64),
        cost[s_idx, p_idx],
    )  # fmt: skip


def _solve(flow, schools, s_idx, p_idx) -> np.ndarray | None:
    if flow.solve() != flow.OPTIMAL:
        return None
    arcs = np.arange(len(s_idx))
    used = arcs[np.asarray(flow.flows(arcs)) > 0]
    chosen = np.empty(schools, dtype=np.int64)
    chosen[s_idx[used]] = p_idx[used]
    return chosen


def greedy_nearest(cost_km: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    return np.where(allowed, cost_km, np.inf).argmin(axis=1)


def greedy_suggest(
    cost_km: np.ndarray, base: np.ndarray, allowed: np.ndarray, in_regency: np.ndarray
) -> np.ndarray:
    """One school at a time, each to the "Sarankan" top (lowest load, already in the regency, nearest)."""
    loads = base.astype(np.int64).copy()
    chosen = np.empty(len(cost_km), dtype=np.int64)
    big = np.iinfo(np.int64).max // 4
    for s in range(len(cost_km)):
        key = np.where(allowed[s], loads, big)
        best = np.flatnonzero(key == key.min())
        if len(best) > 1:
            regency_first = best[in_regency[s, best]] if in_regency[s, best].any() else best
            best = regency_first[cost_km[s, regency_first].argmin()]
        else:
            best = best[0]
        chosen[s] = best
        loads[best] += 1
    return chosen


def _works_in(picture: UnitPicture, regencies: list[str]) -> np.ndarray:
    """(schools, people): whether each person already works in each school's regency."""
    codes = sorted(set(regencies))
    index = {code: k for k, code in enumerate(codes)}
    table = np.array([[code in p.regencies for p in picture.people] for code in codes], dtype=bool)
    return table.reshape(len(codes), len(picture.people))[[index[c] for c in regencies]]


def plan_unit(session: Session, unit_id: int, progress: Progress | None = None) -> Plan:
    """Compute the optimal plan and the greedy comparisons for the unit (nothing is written)."""
    import time

    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    say("Memuat Widyaprada, beban dan tempat tugas unit")
    picture = load_unit(session, unit_id)
    if not picture.people:
        raise ActionRefused("Unit ini belum punya Widyaprada aktif")
    rows = _unplanned_schools(session, unit_id)
    school_ids = np.array([r[0] for r in rows], dtype=np.int64)
    places = [_place(picture.centres, r[3], r[4], r[5], picture.unit_centre) for r in rows]
    lat = np.array([p[0] for p in places])
    lon = np.array([p[1] for p in places])
    base = np.array([p.load for p in picture.people], dtype=np.int64)
    timings["memuat"] = time.perf_counter() - started
    say(f"Menghitung jarak {len(rows)} sekolah x {len(picture.people)} Widyaprada")
    cost_km = distance_matrix(picture, lat, lon)
    allowed = np.ones(cost_km.shape, dtype=bool)
    for s, p in _forbidden(session, picture, school_ids):
        allowed[s, p] = False
    timings["jarak"] = time.perf_counter() - started - timings["memuat"]
    say("Menyelesaikan min-cost flow (OR-Tools)")
    mark = time.perf_counter()
    chosen = solve_optimal(cost_km, base, allowed) if len(rows) else np.empty(0, dtype=np.int64)
    timings["optimal"] = time.perf_counter() - mark
    pick = np.arange(len(rows))
    optimal = Assignment("Optimal (min-cost flow)", chosen, cost_km[pick, chosen])
    say("Membandingkan dengan penugasan serakah")
    mark = time.perf_counter()
    regencies = [r[5] for r in rows]
    in_regency = _works_in(picture, regencies)
    nearest = greedy_nearest(cost_km, allowed) if len(rows) else chosen
    suggest = greedy_suggest(cost_km, base, allowed, in_regency) if len(rows) else chosen
    greedy = [Assignment("Serakah: terdekat", nearest, cost_km[pick, nearest]),
              Assignment("Serakah: Sarankan satu per satu", suggest, cost_km[pick, suggest])]  # fmt: skip
    timings["serakah"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return Plan(unit_id, picture, school_ids, [r[1] for r in rows], [r[2] for r in rows], regencies, base, optimal,
                greedy, timings)  # fmt: skip


def apply_plan(session: Session, actor: User, plan: Plan, progress: Progress | None = None) -> int:
    """Add each planned school to its Widyaprada's caseload (one audited change per Widyaprada, conflicts
    checked again) and tell each of them; returns the number of schools assigned."""
    from spmp.accounts.operations import assign_schools
    from spmp.notifications.operations import notify
    from spmp.widyaprada.balancing import can_suggest

    if not can_suggest(actor, plan.unit_id):
        raise ActionRefused("Peran Anda tidak dapat menugaskan sekolah binaan unit ini")
    now, total = clock.now(), 0
    for k, person in enumerate(plan.people):
        npsns = [plan.npsns[s] for s in np.flatnonzero(plan.optimal.chosen == k)]
        if not npsns:
            continue
        user = session.get(User, person.id)
        total += assign_schools(session, actor, user, npsns)
        km = float(plan.optimal.km[plan.optimal.chosen == k].sum())
        notify(session, user, "info", f"{len(npsns)} sekolah binaan baru", f"{actor.full_name} menerapkan "
               f"penugasan optimal unit: {len(npsns)} sekolah ditambahkan ke sekolah binaan Anda (jumlah jarak "
               f"{km:.0f} km). Lihat daftarnya di Pekerjaan Saya.", now)  # fmt: skip
        if progress:
            progress(f"{person.name}: {len(npsns)} sekolah")
    return total
