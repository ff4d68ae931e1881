"""Revitalisasi selection: the need score, the optimal pick under budget and spread rules, and why.

Pure: plain candidate records and parameters in, a :class:`SelectionResult` out; no database.

- **Need score** (:func:`need_score`): a weighted sum of criteria, each in 0..1 (damage severity, the
  > N-year rule since the last rehabilitation, 3T affirmation, disaster flag, level factor, pupils
  affected), with its breakdown (criterion × weight) kept per school.
- **Selection** (:func:`select`): maximise the total need of the chosen schools under the total budget,
  minimum/maximum schools per regency and per province, minimum/maximum budget (rupiah) per regency and per
  province, and quotas by level, as a 0/1 integer programme
  solved by HiGHS. The LP relaxation is solved first: its objective is the bound the pick is measured
  against, and its dual values (shadow prices) give the thresholds the explanations quote.
- **Greedy** (:func:`greedy_pick`): the spreadsheet way with the same budget and limits, for comparison.
- **Explanation** (:func:`explain`): per school, in or out and why, in Bahasa Indonesia; every sentence
  states a fact that holds for the solver's pick (:func:`check_explanations` proves it).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace

import highspy
import numpy as np

BILLION = 1_000_000_000  # "Rp 1 M" (miliar): the unit the per-rupiah threshold is quoted in
MILLION = 1_000_000  # costs enter the model in millions of rupiah, so the budget row is well scaled

CRITERIA = ("damage", "rehab", "affirmation_3t", "disaster", "level", "pupils")
CRITERION_LABELS = {
    "damage": "Tingkat kerusakan",
    "rehab": "Belum direhabilitasi",
    "affirmation_3t": "Afirmasi 3T",
    "disaster": "Daerah bencana",
    "level": "Jenjang",
    "pupils": "Peserta didik terdampak",
}
DEFAULT_LEVEL_FACTORS = {"SD": 1.0, "SMP": 0.9, "SMA": 0.8, "SMK": 0.8, "SLB": 1.0, "PAUD": 0.7}


class SelectionError(ValueError):
    """Parameters or candidates that cannot be solved; the message says why, in Bahasa Indonesia."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One verified proposal as the selection sees it. ``cost`` in rupiah; ``years_since_rehab`` is None
    when the school was never rehabilitated."""

    id: int
    name: str
    regency: str
    regency_name: str
    province: str
    province_name: str
    level: str
    cost: int
    damage_pct: float
    years_since_rehab: int | None
    is_3t: bool
    disaster: bool
    pupils: int
    npsn: str = ""


@dataclass(frozen=True)
class Weights:
    damage: float = 40.0
    rehab: float = 20.0
    affirmation_3t: float = 15.0
    disaster: float = 10.0
    level: float = 5.0
    pupils: float = 10.0


@dataclass(frozen=True)
class Limit:
    """Minimum and maximum of a group: selected schools, or (for the budget limits) rupiah of their cost
    (None: no maximum)."""

    min: int = 0
    max: int | None = None


@dataclass(frozen=True)
class SelectionParams:
    """Everything the selection of one programme year depends on. ``regency_limit`` and
    ``province_limit`` (schools) and ``regency_budget`` and ``province_budget`` (rupiah of the selected
    schools' cost) apply to every regency/province; ``*_overrides`` replace them for named codes."""

    budget: int
    weights: Weights = field(default_factory=Weights)
    rehab_rule_years: int = 5
    pupils_cap: int = 600
    level_factors: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LEVEL_FACTORS))
    regency_limit: Limit = field(default_factory=Limit)
    province_limit: Limit = field(default_factory=Limit)
    regency_overrides: dict[str, Limit] = field(default_factory=dict)
    province_overrides: dict[str, Limit] = field(default_factory=dict)
    level_quotas: dict[str, Limit] = field(default_factory=dict)
    regency_budget: Limit = field(default_factory=Limit)
    province_budget: Limit = field(default_factory=Limit)
    regency_budget_overrides: dict[str, Limit] = field(default_factory=dict)
    province_budget_overrides: dict[str, Limit] = field(default_factory=dict)
    time_limit: float = 25.0
    mip_rel_gap: float = 1e-4

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SelectionParams:
        data = dict(data)
        limits = {k: {c: Limit(**v) for c, v in data.get(k, {}).items()} for k in _LIMIT_MAPS}
        return cls(
            **{k: v for k, v in data.items() if k not in _LIMIT_MAPS and k not in _NESTED},
            weights=Weights(**data.get("weights", {})),
            **{k: Limit(**data.get(k, {})) for k in _NESTED if k != "weights"},
            **limits,
        )

    def validate(self) -> None:
        """Raise :class:`SelectionError` naming the first bad field."""
        if self.budget <= 0:
            raise SelectionError("Anggaran total harus lebih dari 0.")
        for name in CRITERIA:
            if getattr(self.weights, name) < 0:
                raise SelectionError(f"Bobot {CRITERION_LABELS[name]} tidak boleh negatif.")
        if self.rehab_rule_years < 0 or self.pupils_cap <= 0:
            raise SelectionError("Aturan tahun rehabilitasi dan batas peserta didik harus positif.")
        for label, limit in self._all_limits():
            if limit.min < 0 or (limit.max is not None and limit.max < limit.min):
                if label.startswith("pagu"):
                    raise SelectionError(
                        f"Batas {label}: minimum {rupiah(limit.min)} dan maksimum "
                        f"{'-' if limit.max is None else rupiah(limit.max)} tidak sah."
                    )
                raise SelectionError(
                    f"Batas {label}: minimum {limit.min} dan maksimum {limit.max} tidak sah."
                )

    def _all_limits(self):
        yield "per kabupaten/kota", self.regency_limit
        yield "per provinsi", self.province_limit
        for code, limit in self.regency_overrides.items():
            yield f"kabupaten/kota {code}", limit
        for code, limit in self.province_overrides.items():
            yield f"provinsi {code}", limit
        for level, limit in self.level_quotas.items():
            yield f"jenjang {level}", limit
        yield "pagu anggaran per kabupaten/kota", self.regency_budget
        yield "pagu anggaran per provinsi", self.province_budget
        for code, limit in self.regency_budget_overrides.items():
            yield f"pagu anggaran kabupaten/kota {code}", limit
        for code, limit in self.province_budget_overrides.items():
            yield f"pagu anggaran provinsi {code}", limit


_LIMIT_MAPS = (
    "regency_overrides",
    "province_overrides",
    "level_quotas",
    "regency_budget_overrides",
    "province_budget_overrides",
)
_NESTED = ("weights", "regency_limit", "province_limit", "regency_budget", "province_budget")


# --- need score ----------------------------------------------------------------------------------------


def criterion_values(candidates: Sequence[Candidate], params: SelectionParams) -> np.ndarray:
    """Each criterion of each candidate in 0..1: one row per candidate, columns in :data:`CRITERIA` order."""
    rule, cap = params.rehab_rule_years, params.pupils_cap
    values = np.empty((len(candidates), len(CRITERIA)))
    values[:, 0] = np.clip([c.damage_pct for c in candidates], 0.0, 100.0) / 100.0
    values[:, 1] = [c.years_since_rehab is None or c.years_since_rehab > rule for c in candidates]
    values[:, 2] = [c.is_3t for c in candidates]
    values[:, 3] = [c.disaster for c in candidates]
    values[:, 4] = [params.level_factors.get(c.level, 0.0) for c in candidates]
    values[:, 5] = np.clip([c.pupils for c in candidates], 0, cap) / cap
    return values


def need_points(candidates: Sequence[Candidate], params: SelectionParams) -> tuple[np.ndarray, np.ndarray]:
    """Points per criterion (value × weight, rounded to 4 decimals) and the need scores, for all at once."""
    weights = np.array([getattr(params.weights, name) for name in CRITERIA], dtype=float)
    points = np.round(criterion_values(candidates, params) * weights, 4)
    return points, np.round(points.sum(axis=1), 4)


def need_score(c: Candidate, params: SelectionParams) -> tuple[float, tuple[float, ...]]:
    """The need score of one candidate and its breakdown (points per criterion, value × weight)."""
    points, scores = need_points([c], params)
    return float(scores[0]), tuple(points[0].tolist())


# --- result records ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Decision:
    """One school's place: score, breakdown, the optimal and the greedy pick, and the reason in words."""

    candidate: Candidate
    score: float
    breakdown: tuple[float, ...]
    rank: int
    selected: bool = False
    greedy_selected: bool = False
    reason_code: str = ""
    reason: str = ""

    @property
    def per_billion(self) -> float:
        """Need score per Rp 1 M of cost."""
        return self.score * BILLION / self.candidate.cost if self.candidate.cost > 0 else math.inf


@dataclass(frozen=True)
class Group:
    """A constraint row of the programme: a regency/province/level limit on the number of selected schools
    (``measure`` "sekolah") or on their cost in rupiah (``measure`` "anggaran", regency and province)."""

    kind: str  # "kabupaten", "provinsi", "jenjang"
    code: str
    name: str
    min: int
    max: int | None
    measure: str = "sekolah"

    @property
    def is_budget(self) -> bool:
        return self.measure == "anggaran"


@dataclass
class Binding:
    """A limit the pick touches, with its LP shadow price (need points per school, or per Rp 1 M)."""

    group: Group
    count: int
    at: str  # "maksimum" or "minimum"
    shadow_price: float


@dataclass
class SelectionResult:
    decisions: list[Decision]
    status: str  # "optimal" or "batas waktu"
    objective: float
    lp_bound: float
    mip_bound: float
    greedy_objective: float
    greedy_feasible: bool
    total_cost: int
    greedy_cost: int
    budget_threshold: float  # need per Rp 1 M below which the budget keeps a school out
    bindings: list[Binding]
    seconds: dict[str, float]

    @property
    def gap_to_lp(self) -> float:
        """Relative distance of the pick from the LP relaxation's bound."""
        return (self.lp_bound - self.objective) / self.lp_bound if self.lp_bound > 0 else 0.0

    @property
    def selected(self) -> list[Decision]:
        return [d for d in self.decisions if d.selected]

    @property
    def greedy_gain(self) -> float:
        """How much more need the optimal pick covers than the greedy one, relative to the greedy."""
        return (
            (self.objective - self.greedy_objective) / self.greedy_objective if self.greedy_objective else 0.0
        )

    def summary(self) -> dict:
        return {
            "status": self.status,
            "candidates": len(self.decisions),
            "selected": sum(d.selected for d in self.decisions),
            "greedy_selected": sum(d.greedy_selected for d in self.decisions),
            "objective": self.objective,
            "lp_bound": self.lp_bound,
            "mip_bound": self.mip_bound,
            "gap_to_lp": self.gap_to_lp,
            "greedy_objective": self.greedy_objective,
            "greedy_feasible": self.greedy_feasible,
            "greedy_gain": self.greedy_gain,
            "total_cost": self.total_cost,
            "greedy_cost": self.greedy_cost,
            "budget_threshold": self.budget_threshold,
            "bindings": [
                {
                    "kind": b.group.kind,
                    "measure": b.group.measure,
                    "code": b.group.code,
                    "name": b.group.name,
                    "count": b.count,
                    "at": b.at,
                    "shadow_price": b.shadow_price,
                }
                for b in self.bindings
            ],
            "seconds": self.seconds,
        }


# --- the groups (constraint rows) ----------------------------------------------------------------------


@dataclass
class Rows:
    """The limits that can bind (one constraint row each, after the budget row) and, per candidate, the
    indices of the rows it counts in. A school counts 1 in a row of schools and its cost in a row of
    rupiah; ``counts`` are the rows' totals (schools or rupiah) for a pick."""

    groups: list[Group]
    of: list[tuple[int, ...]]
    costs: np.ndarray

    def load(self, i: int, r: int) -> int:
        return int(self.costs[i]) if self.groups[r].is_budget else 1

    def counts(self, picked: np.ndarray) -> list[int]:
        counts = [0] * len(self.groups)
        for i in np.flatnonzero(picked).tolist():
            for r in self.of[i]:
                counts[r] += self.load(i, r)
        return counts

    def full(self, i: int, counts: list[int]) -> Group | None:
        """The first group of candidate ``i`` whose maximum candidate ``i`` would pass, if any."""
        for r in self.of[i]:
            g = self.groups[r]
            if g.max is not None and counts[r] + self.load(i, r) > g.max:
                return g
        return None


def _rows(candidates: Sequence[Candidate], params: SelectionParams) -> Rows:
    """Every regency/province/level limit that can bind. A minimum above what the group's candidates can
    give is lowered to that (a regency with 2 proposals cannot give 3 schools, nor more rupiah than the 2
    cost together); a maximum they cannot reach is dropped."""
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    names: dict[tuple[str, str], str] = {}
    for i, c in enumerate(candidates):
        for key, name in zip(_keys(c), (c.regency_name, c.province_name, c.level), strict=True):
            members[key].append(i)
            names[key] = name
    groups: list[Group] = []
    of: list[list[int]] = [[] for _ in candidates]
    for (kind, code), idx in members.items():
        total = sum(candidates[i].cost for i in idx)
        limits = [("sekolah", _limit_for(params, kind, code), len(idx))]
        budget = _budget_for(params, kind, code)
        if budget is not None:
            limits.append(("anggaran", budget, total))
        for measure, limit, most in limits:
            lo = min(limit.min, most)
            hi = limit.max if limit.max is not None and limit.max < most else None
            if lo > 0 or hi is not None:
                for i in idx:
                    of[i].append(len(groups))
                groups.append(Group(kind, code, names[(kind, code)], lo, hi, measure))
    costs = np.array([c.cost for c in candidates], dtype=np.int64)
    return Rows(groups, [tuple(r) for r in of], costs)


def _limit_for(params: SelectionParams, kind: str, code: str) -> Limit:
    if kind == "kabupaten":
        return params.regency_overrides.get(code, params.regency_limit)
    if kind == "provinsi":
        return params.province_overrides.get(code, params.province_limit)
    return params.level_quotas.get(code, Limit())


def _budget_for(params: SelectionParams, kind: str, code: str) -> Limit | None:
    """The budget limit (rupiah) of a regency or province; levels have none."""
    if kind == "kabupaten":
        return params.regency_budget_overrides.get(code, params.regency_budget)
    if kind == "provinsi":
        return params.province_budget_overrides.get(code, params.province_budget)
    return None


# --- the integer programme ------------------------------------------------------------------------------


def _build_lp(scores: np.ndarray, costs: np.ndarray, budget: int, rows: Rows) -> highspy.HighsLp:
    """Columns: one 0/1 variable per candidate. Rows: the budget (in millions), then one per group (a
    count of schools, or their cost in millions for a budget limit)."""
    n = len(scores)
    lengths = np.fromiter((1 + len(r) for r in rows.of), dtype=np.int64, count=n)
    index = (
        np.fromiter((r for rs in rows.of for r in (-1, *rs)), dtype=np.int32, count=int(lengths.sum())) + 1
    )
    starts = np.concatenate(([0], np.cumsum(lengths)))
    # Rupiah rows (the budget, each budget limit) take the cost in millions; rows of schools take 1.
    in_rupiah = np.concatenate(([True], [g.is_budget for g in rows.groups]))[index]
    value = np.where(in_rupiah, np.repeat(costs / MILLION, lengths), 1.0)
    scale = np.array([MILLION if g.is_budget else 1 for g in rows.groups], dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = 1 + len(rows.groups)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = scores
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lower = np.array([g.min for g in rows.groups], dtype=float) / scale
    upper = np.array([np.inf if g.max is None else g.max for g in rows.groups], dtype=float) / scale
    lp.row_lower_ = np.concatenate(([-highspy.kHighsInf], lower))
    lp.row_upper_ = np.concatenate(([budget / MILLION], np.where(np.isinf(upper), highspy.kHighsInf, upper)))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    return lp


def _solver(params: SelectionParams) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(params.time_limit))
    h.setOptionValue("mip_rel_gap", float(params.mip_rel_gap))
    h.setOptionValue("random_seed", 1)
    h.setOptionValue("threads", 1)
    return h


@dataclass
class _Relaxation:
    objective: float
    x: np.ndarray
    row_duals: np.ndarray
    reduced_costs: np.ndarray


def _solve_lp(h: highspy.Highs, lp: highspy.HighsLp) -> _Relaxation:
    """The LP relaxation: interior point then crossover (measured ~6× faster than simplex on 100,000
    columns), so the solution is basic and its duals are the shadow prices."""
    h.setOptionValue("solver", "ipm")
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    h.setOptionValue("solver", "choose")
    if status == highspy.HighsModelStatus.kInfeasible:
        raise SelectionError(
            "Batasan tidak dapat dipenuhi: minimum per kabupaten/kota, provinsi atau jenjang (sekolah atau "
            "anggaran) melebihi anggaran atau pagu. Turunkan minimum atau naikkan anggaran."
        )
    if status != highspy.HighsModelStatus.kOptimal:
        raise SelectionError(f"Relaksasi LP tidak selesai: {h.modelStatusToString(status)}.")
    solution = h.getSolution()
    return _Relaxation(
        h.getInfo().objective_function_value,
        np.asarray(solution.col_value),
        np.asarray(solution.row_dual),
        np.asarray(solution.col_dual),
    )


def _solve_mip(
    h: highspy.Highs, lp: highspy.HighsLp, start: np.ndarray | None
) -> tuple[np.ndarray, str, float]:
    lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    h.setOptionValue("mip_lp_solver", "ipm")  # the root LP, as for the relaxation (~25 % less CPU measured)
    h.passModel(lp)
    if start is not None:
        known = highspy.HighsSolution()
        known.col_value = start.astype(float).tolist()
        known.value_valid = True
        h.setSolution(known)
    h.run()
    status = h.getModelStatus()
    solution = h.getSolution()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise SelectionError(
            "Batasan tidak dapat dipenuhi dengan bilangan bulat sekolah: turunkan minimum atau naikkan anggaran."
        )
    if not solution.value_valid:
        raise SelectionError(f"Solver tidak menemukan pilihan: {h.modelStatusToString(status)}.")
    label = "optimal" if status == highspy.HighsModelStatus.kOptimal else "batas waktu"
    return np.asarray(solution.col_value) > 0.5, label, h.getInfo().mip_dual_bound


def _fix_by_reduced_cost(lp: highspy.HighsLp, relaxation: _Relaxation, incumbent: float) -> None:
    """Reduced-cost fixing (exact): a school out of the LP optimum whose reduced cost exceeds the distance
    between the LP bound and a known feasible pick cannot be in any better pick, so it is fixed out (and
    likewise in). On the national data set this leaves about a third of the columns to branch on."""
    slack = relaxation.objective - incumbent + 1e-6 * max(1.0, abs(incumbent))
    x, d = relaxation.x, relaxation.reduced_costs
    lower, upper = np.zeros(len(x)), np.ones(len(x))
    upper[(x < 1e-9) & (d < -slack)] = 0.0
    lower[(x > 1 - 1e-9) & (d > slack)] = 1.0
    lp.col_lower_, lp.col_upper_ = lower, upper


def _rounded(relaxation: _Relaxation, scores, costs, budget: int, rows: Rows) -> np.ndarray | None:
    """The LP optimum rounded down and filled up; None when rounding down leaves a minimum unmet."""
    picked = _fill_up(relaxation.x > 1 - 1e-9, scores, costs, budget, rows)
    counts = rows.counts(picked)
    return picked if all(counts[r] >= g.min for r, g in enumerate(rows.groups)) else None


# --- selection ------------------------------------------------------------------------------------------


def select(candidates: Sequence[Candidate], params: SelectionParams) -> SelectionResult:
    """Score every candidate, pick the set of maximum total need under ``params``, compare with the
    greedy pick, and explain every school's place."""
    params.validate()
    if not candidates:
        raise SelectionError("Tidak ada usulan terverifikasi untuk diseleksi.")
    started = time.perf_counter()
    decisions = _score_all(candidates, params)
    scores = np.array([d.score for d in decisions])
    costs = np.array([c.cost for c in candidates], dtype=np.int64)
    rows = _rows(candidates, params)
    lp = _build_lp(scores, costs, params.budget, rows)
    built = time.perf_counter()
    h = _solver(params)
    relaxation = _solve_lp(h, lp)
    lp_done = time.perf_counter()
    start = _rounded(relaxation, scores, costs, params.budget, rows)
    if start is not None:
        _fix_by_reduced_cost(lp, relaxation, float(scores[start].sum()))
    picked, status, mip_bound = _solve_mip(h, lp, start)
    mip_done = time.perf_counter()
    picked = _fill_up(picked, scores, costs, params.budget, rows)
    for d, chosen in zip(decisions, picked.tolist(), strict=True):
        d.selected = chosen
    greedy = greedy_pick(decisions, params.budget, rows)
    for d, chosen in zip(decisions, greedy.picked.tolist(), strict=True):
        d.greedy_selected = chosen
    # The budget row's dual: need gained per extra million rupiah, quoted per Rp 1 M.
    threshold = abs(float(relaxation.row_duals[0])) * BILLION / MILLION
    counts = rows.counts(picked)
    explain(decisions, params.budget, rows, counts, threshold)
    return SelectionResult(
        decisions=decisions,
        status=status,
        objective=round(float(scores[picked].sum()), 4),
        lp_bound=round(relaxation.objective, 4),
        mip_bound=round(min(mip_bound, relaxation.objective), 4),
        greedy_objective=round(greedy.objective, 4),
        greedy_feasible=greedy.feasible,
        total_cost=int(costs[picked].sum()),
        greedy_cost=greedy.cost,
        budget_threshold=threshold,
        bindings=_bindings(rows, counts, relaxation.row_duals, picked),
        seconds={
            "model": round(built - started, 3),
            "lp": round(lp_done - built, 3),
            "mip": round(mip_done - lp_done, 3),
            "total": round(time.perf_counter() - started, 3),
        },
    )


def _score_all(candidates: Sequence[Candidate], params: SelectionParams) -> list[Decision]:
    points, scores = need_points(candidates, params)
    decisions = [
        Decision(c, score, tuple(p), rank=0)
        for c, score, p in zip(candidates, scores.tolist(), points.tolist(), strict=True)
    ]
    for rank, d in enumerate(sorted(decisions, key=_list_order), start=1):
        d.rank = rank
    return decisions


def _list_order(d: Decision):
    """The score list: highest need first; ties by lower cost, then by id (stable and explainable)."""
    return (-d.score, d.candidate.cost, d.candidate.id)


def _fill_up(picked: np.ndarray, scores, costs, budget: int, rows: Rows) -> np.ndarray:
    """Add any school with positive need that still fits (budget left, no maximum reached): a pick within
    the solver's gap may leave one, and an explanation could not then say why it is out."""
    picked = picked.copy()
    counts = rows.counts(picked)
    left = budget - int(costs[picked].sum())
    for i in np.argsort(-scores, kind="stable").tolist():
        if picked[i] or scores[i] <= 0 or costs[i] > left or rows.full(i, counts):
            continue
        picked[i] = True
        left -= int(costs[i])
        for r in rows.of[i]:
            counts[r] += rows.load(i, r)
    return picked


def _bindings(rows: Rows, counts: list[int], duals, picked: np.ndarray) -> list[Binding]:
    """The limits the pick touches: a maximum no further school of the group fits under (a count at its
    maximum; a budget whose rest is less than the cheapest school left out), a minimum no school of the
    group could leave without breaking it. The shadow price is per school, or per Rp 1 M of a budget."""
    cheapest_out: dict[int, int] = {}
    cheapest_in: dict[int, int] = {}
    for i, rs in enumerate(rows.of):
        side = cheapest_in if picked[i] else cheapest_out
        for r in rs:
            side[r] = min(side.get(r, rows.load(i, r)), rows.load(i, r))
    out = []
    for r, g in enumerate(rows.groups):
        price = abs(float(duals[r + 1])) * (BILLION / MILLION if g.is_budget else 1.0)
        if g.max is not None and counts[r] + cheapest_out.get(r, math.inf) > g.max:
            out.append(Binding(g, counts[r], "maksimum", round(price, 4)))
        elif g.min > 0 and counts[r] - cheapest_in.get(r, 0) < g.min:
            out.append(Binding(g, counts[r], "minimum", round(price, 4)))
    return out


# --- greedy ---------------------------------------------------------------------------------------------


@dataclass
class GreedyPick:
    picked: np.ndarray
    objective: float
    cost: int
    feasible: bool


def greedy_pick(decisions: Sequence[Decision], budget: int, rows: Rows) -> GreedyPick:
    """The spreadsheet way: first the top-scoring schools of each group with a minimum until it is met,
    then down the score list taking every school that still fits the budget and the maxima."""
    n = len(decisions)
    by_rank = sorted(range(n), key=lambda i: decisions[i].rank)
    picked = np.zeros(n, dtype=bool)
    counts = [0] * len(rows.groups)
    left = budget

    def take(i: int) -> None:
        nonlocal left
        cost = decisions[i].candidate.cost
        if picked[i] or cost > left or rows.full(i, counts):
            return
        picked[i] = True
        left -= cost
        for r in rows.of[i]:
            counts[r] += rows.load(i, r)

    members: dict[int, list[int]] = defaultdict(list)  # each group with a minimum, its schools by rank
    for i in by_rank:
        for r in rows.of[i]:
            if rows.groups[r].min > 0:
                members[r].append(i)
    for r, schools in members.items():
        for i in schools:
            if counts[r] >= rows.groups[r].min:
                break
            take(i)
    for i in by_rank:
        take(i)
    return GreedyPick(
        picked=picked,
        objective=sum(decisions[i].score for i in np.flatnonzero(picked).tolist()),
        cost=budget - left,
        feasible=all(counts[r] >= g.min for r, g in enumerate(rows.groups)),
    )


# --- explanations ---------------------------------------------------------------------------------------


def explain(
    decisions: Sequence[Decision], budget: int, rows: Rows, counts: list[int], threshold: float
) -> None:
    """Set every decision's ``reason_code`` and ``reason``. ``threshold`` is the budget's shadow price in
    need per Rp 1 M: a school whose need per rupiah is below it costs more need than it brings."""
    left = budget - sum(d.candidate.cost for d in decisions if d.selected)
    for i, d in enumerate(decisions):
        groups = [(r, rows.groups[r]) for r in rows.of[i]]
        code, text = (_why_in if d.selected else _why_out)(d, groups, counts, threshold, left, budget)
        d.reason_code, d.reason = code, text


def _why_in(d: Decision, rows, counts, threshold, _left, _budget) -> tuple[str, str]:
    if d.per_billion >= threshold:
        return "di_atas_ambang", (
            f"terpilih: skor per rupiah {fmt(d.per_billion)} per Rp 1 M, di atas ambang anggaran "
            f"({fmt(threshold)} per Rp 1 M)"
        )
    for r, g in rows:
        if g.min > 0 and g.is_budget and counts[r] - d.candidate.cost < g.min:
            return (
                f"minimum_anggaran_{g.kind}",
                f"terpilih: memenuhi anggaran minimum {group_label(g)} ({rupiah(g.min)})",
            )
        if g.min > 0 and not g.is_budget and counts[r] <= g.min:
            return (
                f"minimum_{g.kind}",
                f"terpilih: memenuhi minimum {group_label(g)} ({fmt(g.min, 0)} sekolah)",
            )
    return "pelengkap_anggaran", (
        f"terpilih: melengkapi anggaran; skor per rupiah {fmt(d.per_billion)} di bawah ambang "
        f"({fmt(threshold)} per Rp 1 M), tetapi kombinasi ini memberi total kebutuhan tertinggi"
    )


def _why_out(d: Decision, rows, counts, threshold, left, budget) -> tuple[str, str]:
    if d.score <= 0:
        return "skor_nol", "tidak terpilih: skor kebutuhan 0"
    if d.candidate.cost > budget:
        return (
            "melebihi_anggaran",
            f"tidak terpilih: biaya {rupiah(d.candidate.cost)} melebihi total anggaran",
        )
    if d.per_billion < threshold:
        return "di_bawah_ambang", (
            f"tidak terpilih: skor per rupiah di bawah ambang anggaran ({fmt(threshold)} per Rp 1 M); "
            f"sekolah ini {fmt(d.per_billion)} per Rp 1 M"
        )
    for r, g in rows:
        if g.max is not None and not g.is_budget and counts[r] >= g.max:
            return (
                f"kuota_{g.kind}",
                f"tidak terpilih: kuota {group_label(g)} ({fmt(g.max, 0)} sekolah) sudah penuh",
            )
    for r, g in rows:
        if g.max is not None and g.is_budget and counts[r] + d.candidate.cost > g.max:
            return f"pagu_{g.kind}", (
                f"tidak terpilih: pagu anggaran {group_label(g)} ({rupiah(g.max)}) sudah terpakai "
                f"{rupiah(counts[r])}; sisa {rupiah(g.max - counts[r])} tidak cukup untuk biaya "
                f"{rupiah(d.candidate.cost)}"
            )
    if d.candidate.cost > left:
        return "sisa_anggaran", (
            f"tidak terpilih: sisa anggaran {rupiah(left)} tidak cukup untuk biaya {rupiah(d.candidate.cost)}"
        )
    return "lainnya", "tidak terpilih: dalam batas toleransi solver"


def check_explanations(result: SelectionResult, params: SelectionParams) -> list[str]:
    """Each explanation's claim, checked against the pick; returns the ones that do not hold (none
    expected). Used by the tests and by the benchmark."""
    decisions = result.decisions
    counts: dict[tuple[str, str], int] = defaultdict(int)
    spent: dict[tuple[str, str], int] = defaultdict(int)
    for d in decisions:
        if d.selected:
            for kind, code in _keys(d.candidate):
                counts[(kind, code)] += 1
                spent[(kind, code)] += d.candidate.cost
    left = params.budget - result.total_cost
    wrong = []
    for d in decisions:
        code = d.reason_code
        ok = {
            "di_atas_ambang": d.selected and d.per_billion >= result.budget_threshold,
            "pelengkap_anggaran": d.selected and d.per_billion < result.budget_threshold,
            "di_bawah_ambang": not d.selected and d.per_billion < result.budget_threshold,
            "skor_nol": not d.selected and d.score <= 0,
            "melebihi_anggaran": not d.selected and d.candidate.cost > params.budget,
            "sisa_anggaran": not d.selected and d.candidate.cost > left,
        }.get(code)
        if ok is None and code.startswith(("pagu_", "minimum_anggaran_")):
            ok = _budget_claim_holds(d, code, params, spent)
        elif ok is None and code.startswith(("minimum_", "kuota_")):
            kind = code.split("_", 1)[1]
            key = next(k for k in _keys(d.candidate) if k[0] == kind)
            limit = _limit_for(params, kind, key[1])
            ok = d.selected == code.startswith("minimum_") and (
                counts[key] <= limit.min if code.startswith("minimum_") else counts[key] >= (limit.max or 0)
            )
        if not ok:
            wrong.append(f"{d.candidate.id}: {d.reason}")
    return wrong


def _budget_claim_holds(d: Decision, code: str, params: SelectionParams, spent) -> bool:
    """ "pagu": out, and its cost on top of what its regency/province already spends passes the maximum;
    "minimum anggaran": in, and the group would fall below its minimum without it."""
    kind = code.rsplit("_", 1)[1]
    key = next(k for k in _keys(d.candidate) if k[0] == kind)
    limit = _budget_for(params, kind, key[1])
    if limit is None:
        return False
    if code.startswith("pagu_"):
        return not d.selected and limit.max is not None and spent[key] + d.candidate.cost > limit.max
    return d.selected and spent[key] - d.candidate.cost < limit.min


def _keys(c: Candidate) -> Iterable[tuple[str, str]]:
    return (("kabupaten", c.regency), ("provinsi", c.province), ("jenjang", c.level))


# --- words and numbers ----------------------------------------------------------------------------------


def group_label(g: Group) -> str:
    if g.kind == "kabupaten":
        return _short_regency(g.name)
    if g.kind == "provinsi":
        return f"Provinsi {g.name}"
    return f"jenjang {g.name}"


def _short_regency(name: str) -> str:
    for long, short in (("Kabupaten ", "Kab. "), ("Kota ", "Kota ")):
        if name.startswith(long):
            return short + name[len(long) :]
    return name


def fmt(x: float, digits: int = 1) -> str:
    """Indonesian number: 1.234,5."""
    if math.isinf(x):
        return "∞"
    text = f"{x:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def rupiah(amount: float) -> str:
    """Rp 12,5 T / Rp 1,25 M / Rp 850 jt / Rp 12.000."""
    if abs(amount) >= 1000 * BILLION:
        return f"Rp {fmt(amount / BILLION / 1000, 2)} T"
    if abs(amount) >= BILLION:
        return f"Rp {fmt(amount / BILLION, 2)} M"
    if abs(amount) >= MILLION:
        return f"Rp {fmt(amount / MILLION, 0)} jt"
    return f"Rp {fmt(amount, 0)}"


def with_params(params: SelectionParams, **changes) -> SelectionParams:
    """A copy of ``params`` with some fields changed (tests and the comparison of runs)."""
    return replace(params, **changes)
