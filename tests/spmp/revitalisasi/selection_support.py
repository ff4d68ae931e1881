"""Test helper: a stored selection run over given proposals, without solving (for page and access tests)."""

from __future__ import annotations

import json

from spmp import clock
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun
from spmp.revitalisasi.selection_runs import default_params


def make_run(session, user, year: int, items, *, published: bool = False) -> SelectionRun:
    """A run of ``year`` whose ``items`` are (proposal, selected) pairs; published with SK/PKS numbers."""
    now = clock.now()
    chosen = sum(1 for _p, selected in items if selected)
    summary = {
        "status": "optimal", "candidates": len(items), "selected": chosen, "greedy_selected": chosen,
        "objective": 70.0 * chosen, "lp_bound": 70.0 * chosen, "mip_bound": 70.0 * chosen, "gap_to_lp": 0.0,
        "greedy_objective": 70.0 * chosen, "greedy_feasible": True, "greedy_gain": 0.0,
        "total_cost": 850_000_000 * chosen, "greedy_cost": 850_000_000 * chosen, "budget_threshold": 61.0,
        "bindings": [], "seconds": {"model": 0.0, "lp": 0.0, "mip": 0.0, "total": 0.0},
    }  # fmt: skip
    run = SelectionRun(
        year=year, state="diterbitkan" if published else "draf", params=json.dumps(default_params().to_dict()),
        summary=json.dumps(summary), solver_status="optimal", candidates=len(items), selected=chosen,
        objective=summary["objective"], greedy_objective=summary["greedy_objective"], lp_bound=summary["lp_bound"],
        total_cost=summary["total_cost"], created_by_id=user.id, created_at=now,
        published_by_id=user.id if published else None, published_at=now if published else None,
        sk_number="SK 1/2026" if published else None, pks_number="PKS 1/2026" if published else None,
    )  # fmt: skip
    session.add(run)
    session.flush()
    for rank, (proposal, selected) in enumerate(items, start=1):
        school = proposal.school
        reason = "terpilih: skor per rupiah 82,4 per Rp 1 M, di atas ambang anggaran (61,0 per Rp 1 M)"
        session.add(SelectionItem(
            run_id=run.id, proposal_id=proposal.id, npsn=school.npsn, school_name=school.name,
            regency_code=school.regency_code, province_code=school.province_code, level="SD", cost=850_000_000,
            damage_percent=42.0, years_since_rehab=14, is_3t=False, is_disaster=False, pupils=240, score=70.0,
            points_damage=16.8, points_rehab=20.0, points_3t=0.0, points_disaster=0.0, points_level=5.0,
            points_pupils=4.0, rank=rank, selected=selected, greedy_selected=selected,
            reason_code="di_atas_ambang" if selected else "di_bawah_ambang",
            reason=reason if selected else "tidak terpilih: skor per rupiah di bawah ambang anggaran (61,0 per Rp 1 M)",
        ))  # fmt: skip
    session.flush()
    return run
