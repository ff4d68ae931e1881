"""Revitalisasi selection: the need score, the optimal pick (checked against brute force on small inputs),
the greedy comparison, and explanations that agree with the pick."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from spmp.revitalisasi.selection import (
    CRITERIA,
    Candidate,
    Limit,
    SelectionError,
    SelectionParams,
    Weights,
    check_explanations,
    need_score,
    select,
)

M = 1_000_000_000  # Rp 1 M (miliar)

REGENCIES = {
    "53.05": ("Kabupaten Alor", "53", "Nusa Tenggara Timur"),
    "53.71": ("Kota Kupang", "53", "Nusa Tenggara Timur"),
    "35.78": ("Kota Surabaya", "35", "Jawa Timur"),
}


def school(
    i, regency="53.05", *, cost=1.0, damage=50.0, years=None, t3=False, disaster=False, level="SD", pupils=300
) -> Candidate:
    name, province, province_name = REGENCIES[regency]
    return Candidate(
        i,
        f"Sekolah {i}",
        regency,
        name,
        province,
        province_name,
        level,
        int(cost * M),
        damage,
        years,
        t3,
        disaster,
        pupils,
    )


def brute_force(candidates, params: SelectionParams) -> float:
    """The best total need over every subset that keeps the budget and every limit (a minimum above the
    group's size is that size, as in the module)."""

    def limit(kind, code):
        if kind == "regency":
            return params.regency_overrides.get(code, params.regency_limit)
        if kind == "province":
            return params.province_overrides.get(code, params.province_limit)
        return params.level_quotas.get(code, Limit())

    def budget_limit(kind, code):
        if kind == "regency":
            return params.regency_budget_overrides.get(code, params.regency_budget)
        if kind == "province":
            return params.province_budget_overrides.get(code, params.province_budget)
        return Limit()

    def keys_of(c):
        return (("regency", c.regency), ("province", c.province), ("level", c.level))

    sizes = Counter(k for c in candidates for k in keys_of(c))
    totals = Counter()
    for c in candidates:
        for k in keys_of(c):
            totals[k] += c.cost
    scores = [need_score(c, params)[0] for c in candidates]
    best = None
    for picks in itertools.product((0, 1), repeat=len(candidates)):
        chosen = [c for c, p in zip(candidates, picks, strict=True) if p]
        if sum(c.cost for c in chosen) > params.budget:
            continue
        counts = Counter(k for c in chosen for k in keys_of(c))
        spent = Counter()
        for c in chosen:
            for k in keys_of(c):
                spent[k] += c.cost
        if all(
            min(limit(*k).min, n) <= counts[k] <= (limit(*k).max if limit(*k).max is not None else n)
            and min(budget_limit(*k).min, totals[k]) <= spent[k]
            and (budget_limit(*k).max is None or spent[k] <= budget_limit(*k).max)
            for k, n in sizes.items()
        ):
            total = sum(s for s, p in zip(scores, picks, strict=True) if p)
            best = total if best is None else max(best, total)
    return best


def run(candidates, params):
    result = select(candidates, params)
    assert result.objective == pytest.approx(brute_force(candidates, params), abs=1e-6)
    assert result.status == "optimal"
    assert check_explanations(result, params) == []
    assert all(d.reason_code != "lainnya" for d in result.decisions)
    return result


def by_id(result):
    return {d.candidate.id: d for d in result.decisions}


def test_need_score_breakdown_is_criterion_times_weight():
    params = SelectionParams(budget=M, weights=Weights(40, 20, 15, 10, 5, 10), pupils_cap=600)
    score, points = need_score(school(1, damage=60, years=8, t3=True, level="SMP", pupils=300), params)
    # damage 0.6×40, >5 years 1×20, 3T 1×15, no disaster, SMP factor 0.9×5, 300/600 pupils ×10
    assert points == (24.0, 20.0, 15.0, 0.0, 4.5, 5.0)
    assert score == 68.5
    assert len(points) == len(CRITERIA)


def test_rehab_rule_counts_only_more_than_five_years():
    params = SelectionParams(budget=M)
    assert need_score(school(1, years=5), params)[1][1] == 0.0
    assert need_score(school(1, years=6), params)[1][1] == 20.0
    assert need_score(school(1, years=None), params)[1][1] == 20.0  # never rehabilitated


def test_budget_optimal_beats_greedy_and_explains_the_threshold():
    # Greedy takes the best school (40 for Rp 2 M), then only the Rp 0,5 M one fits: 52. The optimum is the
    # three cheaper ones: 38 + 36 + 12 = 86. The LP takes a tenth of school 1 with the last Rp 0,1 M, so the
    # budget's shadow price is school 1's 20 per Rp 1 M.
    candidates = [
        school(1, cost=2, damage=100),
        school(2, cost=1, damage=95),
        school(3, cost=1, damage=90),
        school(4, cost=0.5, damage=30),
        school(5, cost=1, damage=25),
    ]
    params = SelectionParams(budget=int(2.6 * M), weights=Weights(40, 0, 0, 0, 0, 0), level_factors={})
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {2, 3, 4}
    assert {d.candidate.id for d in result.decisions if d.greedy_selected} == {1, 4}
    assert (result.objective, result.greedy_objective) == (86.0, 52.0)
    assert result.greedy_gain == pytest.approx(86 / 52 - 1)
    assert result.budget_threshold == pytest.approx(20.0)
    assert by_id(result)[5].reason == (
        "tidak terpilih: skor per rupiah di bawah ambang anggaran (20,0 per Rp 1 M); sekolah ini 10,0 per Rp 1 M"
    )
    assert (
        by_id(result)[1].reason == "tidak terpilih: sisa anggaran Rp 100 jt tidak cukup untuk biaya Rp 2,00 M"
    )
    assert by_id(result)[2].reason.startswith("terpilih: skor per rupiah 38,0 per Rp 1 M, di atas ambang")


def test_regency_quota_full_is_the_reason():
    candidates = [school(i, damage=90 - i) for i in range(1, 5)] + [school(9, "53.71", damage=20)]
    params = SelectionParams(budget=10 * M, regency_limit=Limit(0, 2))
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {1, 2, 9}
    assert by_id(result)[3].reason == "tidak terpilih: kuota Kab. Alor (2 sekolah) sudah penuh"
    assert by_id(result)[4].reason_code == "kuota_kabupaten"


def test_regency_minimum_spreads_the_pick():
    # Surabaya's schools need less, but every regency must get at least one.
    candidates = [school(i, damage=95) for i in range(1, 4)] + [
        school(7, "35.78", damage=30),
        school(8, "35.78", damage=35),
    ]
    params = SelectionParams(budget=3 * M, regency_limit=Limit(1, None))
    result = run(candidates, params)
    chosen = {d.candidate.id for d in result.selected}
    assert 8 in chosen and 7 not in chosen and len(chosen) == 3
    assert by_id(result)[8].reason == "terpilih: memenuhi minimum Kota Surabaya (1 sekolah)"


def test_province_limits():
    candidates = [school(1, damage=90), school(2, "53.71", damage=85), school(3, "35.78", damage=20)]
    params = SelectionParams(budget=10 * M, province_limit=Limit(1, 1))
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {1, 3}
    assert "kuota Provinsi Nusa Tenggara Timur (1 sekolah) sudah penuh" in by_id(result)[2].reason


def test_level_quotas():
    candidates = [
        school(1, level="SMA", damage=90),
        school(2, level="SMA", damage=85),
        school(3, level="SD", damage=40),
        school(4, level="SLB", damage=10),
    ]
    params = SelectionParams(budget=3 * M, level_quotas={"SMA": Limit(0, 1), "SLB": Limit(1, None)})
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {1, 3, 4}
    assert by_id(result)[2].reason == "tidak terpilih: kuota jenjang SMA (1 sekolah) sudah penuh"


def test_3t_weight_moves_a_3t_school_in():
    candidates = [school(1, "35.78", damage=80), school(2, damage=60, t3=True)]
    low = SelectionParams(budget=M, weights=Weights(affirmation_3t=5))
    high = SelectionParams(budget=M, weights=Weights(affirmation_3t=30))
    assert [d.candidate.id for d in run(candidates, low).selected] == [1]
    assert [d.candidate.id for d in run(candidates, high).selected] == [2]


def test_ties_are_broken_by_cost_then_id_and_the_pick_is_stable():
    candidates = [school(i, cost=1.0 if i != 2 else 0.8) for i in range(1, 6)]  # equal scores
    params = SelectionParams(budget=2 * M)
    first, second = run(candidates, params), run(candidates, params)
    assert [d.rank for d in first.decisions] == [2, 1, 3, 4, 5]
    assert [d.selected for d in first.decisions] == [d.selected for d in second.decisions]
    assert {d.candidate.id for d in first.decisions if d.greedy_selected} == {2, 1}
    assert len(first.selected) == 2


@pytest.mark.parametrize("seed", range(25))
def test_random_small_cases_match_brute_force(seed):
    rng = random.Random(seed)
    regencies = list(REGENCIES)
    candidates = [
        school(
            i,
            rng.choice(regencies),
            cost=rng.choice([0.3, 0.5, 0.8, 1.0, 1.2, 2.0]),
            damage=rng.uniform(20, 100),
            years=rng.choice([None, 2, 4, 7, 12]),
            t3=rng.random() < 0.3,
            disaster=rng.random() < 0.2,
            level=rng.choice(["SD", "SMP", "SMA"]),
            pupils=rng.randint(30, 900),
        )
        for i in range(1, rng.randint(6, 11))
    ]
    params = SelectionParams(
        budget=int(rng.uniform(1.5, 5) * M),
        regency_limit=Limit(rng.choice([0, 0, 1]), rng.choice([None, 2, 3])),
        province_limit=Limit(0, rng.choice([None, 3, 4])),
        level_quotas={"SMA": Limit(0, rng.choice([1, 2]))} if rng.random() < 0.5 else {},
    )
    try:
        result = run(candidates, params)
    except SelectionError:
        assert brute_force(candidates, params) is None  # infeasible both ways
        return
    if result.greedy_feasible:
        assert result.objective >= result.greedy_objective - 1e-9
    assert result.total_cost <= params.budget
    assert result.objective <= result.lp_bound + 1e-6


def test_regency_budget_cap_is_the_reason():
    # Alor may take at most Rp 2,5 M: its two best schools (Rp 1 M each) fit, the third would pass the cap.
    candidates = [school(i, damage=90 - i) for i in range(1, 5)] + [school(9, "53.71", damage=20)]
    params = SelectionParams(budget=10 * M, regency_budget=Limit(0, int(2.5 * M)))
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {1, 2, 9}
    assert by_id(result)[3].reason == (
        "tidak terpilih: pagu anggaran Kab. Alor (Rp 2,50 M) sudah terpakai Rp 2,00 M; sisa Rp 500 jt tidak "
        "cukup untuk biaya Rp 1,00 M"
    )
    assert by_id(result)[4].reason_code == "pagu_kabupaten"
    assert {d.candidate.id for d in result.decisions if d.greedy_selected} == {1, 2, 9}
    assert [(b.group.code, b.group.measure, b.at) for b in result.bindings] == [
        ("53.05", "anggaran", "maksimum")
    ]


def test_budget_cap_lets_cheaper_schools_in_where_a_count_limit_would_not():
    # Rp 2 M for Alor: one Rp 2 M school (score 40) or two Rp 1 M schools (36 + 34); the optimum takes two.
    candidates = [school(1, cost=2, damage=100), school(2, damage=90), school(3, damage=85)]
    params = SelectionParams(budget=10 * M, weights=Weights(40, 0, 0, 0, 0, 0), level_factors={},
                             regency_budget_overrides={"53.05": Limit(0, 2 * M)})  # fmt: skip
    result = run(candidates, params)
    assert {d.candidate.id for d in result.selected} == {2, 3}
    assert {d.candidate.id for d in result.decisions if d.greedy_selected} == {1}
    assert by_id(result)[1].reason_code == "pagu_kabupaten"
    assert "sudah terpakai Rp 2,00 M; sisa Rp 0 tidak cukup" in by_id(result)[1].reason


def test_province_budget_minimum_spreads_the_money():
    # Jawa Timur must receive at least Rp 1,5 M although its schools need less: two of them are taken.
    candidates = [school(i, damage=95) for i in range(1, 4)] + [
        school(7, "35.78", damage=30, cost=1),
        school(8, "35.78", damage=35, cost=0.6),
        school(6, "35.78", damage=20, cost=0.5),
    ]
    params = SelectionParams(budget=3 * M, province_budget_overrides={"35": Limit(int(1.5 * M), None)})
    result = run(candidates, params)
    chosen = {d.candidate.id for d in result.selected}
    assert {7, 8} <= chosen
    assert by_id(result)[7].reason == "terpilih: memenuhi anggaran minimum Provinsi Jawa Timur (Rp 1,50 M)"
    assert sum(d.candidate.cost for d in result.selected if d.candidate.province == "35") >= 1.5 * M


@pytest.mark.parametrize("seed", range(40))
def test_random_budget_limits_match_brute_force(seed):
    rng = random.Random(1000 + seed)
    regencies = list(REGENCIES)
    candidates = [
        school(
            i,
            rng.choice(regencies),
            cost=rng.choice([0.3, 0.5, 0.8, 1.0, 1.2, 2.0]),
            damage=rng.uniform(20, 100),
            years=rng.choice([None, 2, 7]),
            t3=rng.random() < 0.3,
            level=rng.choice(["SD", "SMP", "SMA"]),
            pupils=rng.randint(30, 900),
        )
        for i in range(1, rng.randint(6, 11))
    ]
    params = SelectionParams(
        budget=int(rng.uniform(2, 6) * M),
        regency_limit=Limit(0, rng.choice([None, 3])),
        regency_budget=Limit(int(rng.choice([0, 0, 0.5]) * M), rng.choice([None, int(1.5 * M), 2 * M])),
        province_budget=Limit(int(rng.choice([0, 1]) * M), rng.choice([None, 3 * M, int(4.5 * M)])),
        regency_budget_overrides={"35.78": Limit(0, int(rng.choice([1, 2.5]) * M))}
        if rng.random() < 0.4
        else {},
    )
    try:
        result = run(candidates, params)
    except SelectionError:
        assert brute_force(candidates, params) is None
        return
    spent = Counter()
    for d in result.selected:
        spent[d.candidate.regency] += d.candidate.cost
    for code, amount in spent.items():
        cap = params.regency_budget_overrides.get(code, params.regency_budget).max
        assert cap is None or amount <= cap
    if result.greedy_feasible:
        assert result.objective >= result.greedy_objective - 1e-9


def test_budget_limits_name_the_field_and_round_trip():
    with pytest.raises(SelectionError, match="pagu anggaran per kabupaten/kota: minimum Rp 2,00 M"):
        select([school(1)], SelectionParams(budget=M, regency_budget=Limit(2 * M, M)))
    params = SelectionParams(budget=7 * M, regency_budget=Limit(0, 3 * M),
                             province_budget_overrides={"53": Limit(M, 5 * M)})  # fmt: skip
    assert SelectionParams.from_dict(params.to_dict()) == params
    old = params.to_dict()
    for key in ("regency_budget", "province_budget", "regency_budget_overrides", "province_budget_overrides"):
        old.pop(key)  # a run saved before the budget limits existed
    assert SelectionParams.from_dict(old).regency_budget == Limit()


def test_infeasible_minimum_is_refused_in_indonesian():
    candidates = [school(1), school(2, "53.71"), school(3, "35.78")]
    params = SelectionParams(budget=2 * M, regency_limit=Limit(1, None))
    with pytest.raises(SelectionError, match="Batasan tidak dapat dipenuhi"):
        select(candidates, params)


def test_bad_parameters_name_the_field():
    with pytest.raises(SelectionError, match="Anggaran total"):
        select([school(1)], SelectionParams(budget=0))
    with pytest.raises(SelectionError, match="jenjang SMA"):
        select([school(1)], SelectionParams(budget=M, level_quotas={"SMA": Limit(3, 1)}))
    with pytest.raises(SelectionError, match="Bobot Afirmasi 3T"):
        select([school(1)], SelectionParams(budget=M, weights=Weights(affirmation_3t=-1)))


def test_parameters_round_trip_through_a_dict():
    params = SelectionParams(
        budget=7 * M,
        weights=Weights(damage=50),
        regency_limit=Limit(1, 12),
        regency_overrides={"53.05": Limit(2, 20)},
        level_quotas={"SMA": Limit(0, 5)},
    )
    assert SelectionParams.from_dict(params.to_dict()) == params


def test_summary_reports_gap_and_greedy():
    candidates = [school(i, cost=0.5 + (i % 3) * 0.4, damage=30 + i * 5) for i in range(1, 9)]
    result = run(candidates, SelectionParams(budget=3 * M))
    summary = result.summary()
    assert summary["status"] == "optimal" and summary["gap_to_lp"] >= 0
    assert summary["objective"] >= summary["greedy_objective"]
    assert set(summary["seconds"]) == {"model", "lp", "mip", "total"}
