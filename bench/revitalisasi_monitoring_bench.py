"""Benchmark the Revitalisasi monitoring page (``/revitalisasi/pemantauan``) on a national-size data set.

    .venv/bin/python bench/revitalisasi_monitoring_bench.py                          # SQLite and PostgreSQL
    .venv/bin/python bench/revitalisasi_monitoring_bench.py --proposals 20000 --backend sqlite

Data: ``--proposals`` schools over the 514 regencies (the school import's bulk path), one proposal each
(written as in ``bench/revitalisasi_select_page_bench.py``), their cases spread over the workflow's
stages; every open case has its due row (a fifth of them past due: late); a published selection run with
the proposals in *terpilih* and after as selected; for each selected school tranche I (and tranche II for
the later stages) and one to three progress reports, most verified; open obstacles at 3 % of the schools.
Then, logged in as Pusat and as a B/BPMP head, through the app (Flask's test client): the national table
(per unit), a unit's provinces, a province's regencies, a regency's schools and the XLSX of the national
table; prints the median of ``--runs`` loads in milliseconds. Figures, not a pass/fail timer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_backend_option,
    analyze,
    load_average,
    logged_in,
    on_each_backend,
    say,
    time_page,
    web_app,
)
from bench.revitalisasi_select_page_bench import PASSWORD, create_pusat, load_schools, write_proposals  # noqa: E402

# (state, share of the proposals, type_version): stages before the selection on version 1, after on 2.
STAGES = [("draf", 0.10, 1), ("verifikasi_pemda", 0.08, 1), ("verval", 0.10, 1), ("perbaikan", 0.03, 1),
          ("diterima", 0.05, 1), ("ditolak", 0.04, 1), ("tidak_terpilih", 0.25, 2), ("terpilih", 0.05, 2),
          ("persiapan", 0.08, 2), ("pelaksanaan", 0.15, 2), ("pemeriksaan_akhir", 0.03, 2), ("lpj", 0.02, 2),
          ("selesai", 0.02, 2)]  # fmt: skip
SELECTED = {"terpilih", "persiapan", "pelaksanaan", "pemeriksaan_akhir", "lpj", "selesai"}
CLOSED = {"ditolak", "tidak_terpilih", "selesai"}


def _spread(db, pusat_id: int, started: float) -> None:
    """States, due rows, the published run, tranches, progress reports and obstacles, with Core inserts."""
    from sqlalchemy import insert, select, update

    from spmp import clock
    from spmp.engine.cases import CaseDeadline, CaseRecord
    from spmp.kendala.models import Obstacle
    from spmp.revitalisasi.execution import ProgressReport, Tranche
    from spmp.revitalisasi.models import RevitalisasiProposal
    from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun

    rng, now = random.Random(3), clock.now()
    states, weights = [s for s, _w, _v in STAGES], [w for _s, w, _v in STAGES]
    version = {s: v for s, _w, v in STAGES}
    with db.transaction() as session:
        rows = session.execute(
            select(RevitalisasiProposal.id, RevitalisasiProposal.case_id, RevitalisasiProposal.school_id,
                   RevitalisasiProposal.requested_budget, CaseRecord.province_code, CaseRecord.regency_code,
                   CaseRecord.unit_id)
            .join(CaseRecord, CaseRecord.id == RevitalisasiProposal.case_id)
        ).all()  # fmt: skip
        chosen = rng.choices(states, weights, k=len(rows))
        by_state: dict[str, list[int]] = {}
        for (_pid, case_id, *_rest), state in zip(rows, chosen, strict=True):
            by_state.setdefault(state, []).append(case_id)
        for state, ids in by_state.items():
            for start in range(0, len(ids), 5000):
                session.execute(
                    update(CaseRecord).where(CaseRecord.id.in_(ids[start : start + 5000]))
                    .values(state=state, type_version=version[state], closed_at=now if state in CLOSED else None)
                )  # fmt: skip
        due = [
            {"case_id": case_id, "slot": 0, "state": state, "kind": "due", "is_working_days": False,
             "fire_at": (at := now + timedelta(days=rng.randint(-20, 80))), "due_at": at, "status": "pending"}
            for (_pid, case_id, *_rest), state in zip(rows, chosen, strict=True)
            if state not in CLOSED and state != "diterima"
        ]  # fmt: skip
        for start in range(0, len(due), 5000):
            session.execute(insert(CaseDeadline), due[start : start + 5000])
        run = SelectionRun(year=2026, state="diterbitkan", params="{}", summary="{}", solver_status="optimal",
                           candidates=len(rows), selected=0, objective=0.0, greedy_objective=0.0, lp_bound=0.0,
                           total_cost=0, created_by_id=pusat_id, created_at=now, published_by_id=pusat_id,
                           published_at=now, sk_number="SK bench", pks_number="PKS bench")  # fmt: skip
        session.add(run)
        session.flush()
        items, tranches, reports, obstacles = [], [], [], []
        for rank, ((pid, case_id, school_id, cost, province, regency, unit), state) in enumerate(
            zip(rows, chosen, strict=True), start=1
        ):
            if state not in ("tidak_terpilih", *SELECTED):
                continue
            picked = state in SELECTED
            items.append({
                "run_id": run.id, "proposal_id": pid, "npsn": "00000000", "school_name": "-", "regency_code": regency,
                "province_code": province, "level": "SD", "cost": cost, "damage_percent": 50.0,
                "years_since_rehab": None, "is_3t": False, "is_disaster": False, "pupils": 100, "score": 50.0,
                "points_damage": 20.0, "points_rehab": 20.0, "points_3t": 0.0, "points_disaster": 0.0,
                "points_level": 5.0, "points_pupils": 5.0, "rank": rank, "selected": picked,
                "greedy_selected": picked, "reason_code": "di_atas_ambang", "reason": "-",
            })  # fmt: skip
            if state in SELECTED and state not in ("terpilih", "persiapan"):
                tranches.append({"proposal_id": pid, "number": 1, "percent": 70, "amount": cost * 7 // 10,
                                 "disbursed_at": now, "disbursed_by_id": pusat_id})  # fmt: skip
                if state in ("pemeriksaan_akhir", "lpj", "selesai"):
                    tranches.append({"proposal_id": pid, "number": 2, "percent": 30, "amount": cost - cost * 7 // 10,
                                     "disbursed_at": now, "disbursed_by_id": pusat_id})  # fmt: skip
                for n in range(rng.randint(1, 3)):
                    verified = rng.random() < 0.8
                    reports.append({"proposal_id": pid, "percent": min(100, 25 * n + rng.randint(0, 30)),
                                    "source": "fasilitator", "reported_by_id": pusat_id,
                                    "reported_at": now - timedelta(days=10 - n),
                                    "verified_by_id": pusat_id if verified else None,
                                    "verified_at": now - timedelta(days=10 - n) if verified else None})  # fmt: skip
            if rng.random() < 0.03:
                obstacles.append((school_id, province, regency, unit, case_id))
        for table, data in ((SelectionItem, items), (Tranche, tranches), (ProgressReport, reports)):
            for start in range(0, len(data), 5000):
                session.execute(insert(table), data[start : start + 5000])
        first = (session.scalar(select(CaseRecord.id).order_by(CaseRecord.id.desc())) or 0) + 1
        kendala_cases = [
            {"id": first + n, "type_key": "kendala", "type_version": 1, "title": "Kendala konstruksi",
             "school_id": school_id, "unit_id": unit, "province_code": province, "regency_code": regency,
             "state": "dilaporkan", "state_entered_at": now, "opened_at": now, "updated_at": now, "version": 1,
             "is_paused": False, "opened_by_id": pusat_id}
            for n, (school_id, province, regency, unit, _about) in enumerate(obstacles)
        ]  # fmt: skip
        if kendala_cases:
            session.execute(insert(CaseRecord), kendala_cases)
            session.execute(insert(Obstacle), [
                {"case_id": first + n, "programme": "revitalisasi", "category": "konstruksi",
                 "description": "Material belum tiba", "about_case_id": about}
                for n, (*_rest, about) in enumerate(obstacles)
            ])  # fmt: skip
    say(started, f"stages spread; {len(due):,} due rows, {len(items):,} run items, {len(tranches):,} tranches, "
                  f"{len(reports):,} progress reports, {len(obstacles):,} obstacles")  # fmt: skip


def _bench(backend: str, url: str, count: int, runs: int) -> None:
    from sqlalchemy import select

    from spmp.accounts import operations as accounts
    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.regions.models import Unit

    use_cheapest_hashing()
    started = time.perf_counter()
    print(f"{backend}: {load_average()}", flush=True)
    db, cases, proposals = load_schools(url, count, started)
    pusat_id = create_pusat(db)
    write_proposals(db, cases, proposals, pusat_id)
    say(started, f"{count:,} proposals written")
    _spread(db, pusat_id, started)
    # Measured on SQLite: without fresh statistics the planner starts every regency's query from the year
    # index, 50-100 ms instead of about 1 ms.
    analyze(db)
    say(started, "planner statistics refreshed (ANALYZE), as autovacuum / PRAGMA optimize would")
    with db.transaction() as session:
        accounts.create_user(session, username="bench.kepala", full_name="Kepala", password=PASSWORD,
                             role="bpmp_head", scope=accounts.Scope(unit_code="BBPMP-JATIM"))  # fmt: skip
        jatim = session.scalar(select(Unit.id).where(Unit.code == "BBPMP-JATIM"))
    with web_app(db, url) as app:
        pusat = logged_in(app, db, "bench.pusat", PASSWORD)
        for label, path in (
            ("Pusat: national, per unit", "/revitalisasi/pemantauan?tahun=2026"),
            ("Pusat: BBPMP Jawa Timur, per province", f"/revitalisasi/pemantauan?tahun=2026&unit={jatim}"),
            ("Pusat: Jawa Timur, per regency", "/revitalisasi/pemantauan?tahun=2026&provinsi=35"),
            ("Pusat: Kab. Malang, per school", "/revitalisasi/pemantauan?tahun=2026&kabupaten=35.07"),
            ("Pusat: national XLSX", "/revitalisasi/pemantauan?tahun=2026&format=xlsx"),
        ):
            time_page(pusat, label, path, runs)
        head = logged_in(app, db, "bench.kepala", PASSWORD)
        time_page(head, "BBPMP Jawa Timur head: its provinces", "/revitalisasi/pemantauan?tahun=2026", runs)
    print(f"{backend}: {load_average()}", flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    add_backend_option(parser)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.proposals, args.runs))


if __name__ == "__main__":
    main()
