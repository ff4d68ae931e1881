"""Benchmark the stored Revitalisasi selection end to end: 100,000 verified proposals in a database, a run
through ``spmp.revitalisasi.selection_runs.run_selection`` (load, solve, save every decision), then the
result page as the server answers it (GET through Flask's test client, logged in as Pusat).

    .venv/bin/python bench/revitalisasi_select_page_bench.py                        # SQLite and PostgreSQL
    .venv/bin/python bench/revitalisasi_select_page_bench.py --proposals 20000 --backend sqlite

The schools are generated through the school import's bulk path (``spmp.schools.demo``); their cases and
proposals are written with Core inserts in batches, in the state ``diterima`` (passed verval). Costs and
damage are drawn as in ``bench/revitalisasi_select_bench.py``. Prints the time of each step and the median
of ``--runs`` page loads in milliseconds. Target: the result page under 300 ms. Figures, not a timer.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_backend_option,
    load_average,
    logged_in,
    on_each_backend,
    say,
    schools_database,
    time_page,
    web_app,
)

PASSWORD = "bench-password-123"
PAGES = [
    ("result page, first 50", "/revitalisasi/seleksi/{run}"),
    ("page 200 (offset 9,950)", "/revitalisasi/seleksi/{run}?halaman=200"),
    ("selected only", "/revitalisasi/seleksi/{run}?keputusan=terpilih"),
    ("one regency", "/revitalisasi/seleksi/{run}?kabupaten=53.05"),
    ("regency quota full", "/revitalisasi/seleksi/{run}?alasan=kuota_kabupaten"),
    ("NPSN search", "/revitalisasi/seleksi/{run}?q={npsn}"),
    ("name search (scan)", "/revitalisasi/seleksi/{run}?q=Negeri+12"),
    ("runs of the year", "/revitalisasi/seleksi?tahun=2026"),
    ("compare two runs", "/revitalisasi/seleksi/banding?a={run}&b={other}"),
]


def load_schools(url: str, count: int, started: float):
    """The database with ``count`` schools, and the rows of one verified proposal (and its case) per school,
    to be written by :func:`write_proposals` once their creator exists."""
    from sqlalchemy import select

    from spmp import clock
    from spmp.engine.cases import CaseRecord
    from spmp.regions.models import UnitCoverage
    from spmp.schools.models import School

    db = schools_database(url, count, seed=1, statistics=True)
    say(started, f"{count:,} schools generated")
    rng = random.Random(1)
    now = clock.now()
    with db.transaction() as session:
        unit_of = dict(session.execute(select(UnitCoverage.province_code, UnitCoverage.unit_id)).all())
        schools = session.execute(
            select(School.id, School.province_code, School.regency_code, School.bentuk)
        ).all()
        first_case = (session.scalar(select(CaseRecord.id).order_by(CaseRecord.id.desc())) or 0) + 1
        cases, proposals = [], []
        for n, (school_id, province, regency, bentuk) in enumerate(schools):
            lo, hi = (150, 500) if bentuk in ("TK", "KB", "TPA", "SPS") else (350, 2500)
            cases.append({
                "id": first_case + n, "type_key": "revitalisasi", "type_version": 1, "title": "Revitalisasi 2026",
                "school_id": school_id, "unit_id": unit_of[province], "province_code": province,
                "regency_code": regency, "state": "diterima", "state_entered_at": now, "opened_at": now,
                "updated_at": now, "version": 4, "is_paused": False,
            })  # fmt: skip
            proposals.append({
                "case_id": first_case + n, "school_id": school_id, "year": 2026, "source": "import",
                "damage_percent": round(rng.triangular(30, 100, 50), 1), "band": "berat", "rooms_requested": 2,
                "requested_budget": int(rng.triangular(lo, hi, lo + (hi - lo) * 0.3)) * 1_000_000,
                "pupils_affected": int(rng.triangular(20, 1200, 150)),
                "last_rehab_year": rng.choice([None, None, 2000, 2005, 2010, 2014, 2018, 2020]),
                "dapodik_since_year": 2015, "is_3t": rng.random() < 0.09, "land_ready": True,
                "damage_form_signed": True, "is_eligible": True, "created_by_id": None, "created_at": now,
                "updated_at": now,
            })  # fmt: skip
        return db, cases, proposals


def write_proposals(db, cases, proposals, pusat_id: int) -> None:
    from sqlalchemy import insert

    from spmp.engine.cases import CaseRecord
    from spmp.revitalisasi.models import RevitalisasiProposal

    with db.transaction() as session:
        for start in range(0, len(cases), 5000):
            session.execute(
                insert(CaseRecord), [{**c, "opened_by_id": pusat_id} for c in cases[start : start + 5000]]
            )
            session.execute(
                insert(RevitalisasiProposal),
                [{**p, "created_by_id": pusat_id} for p in proposals[start : start + 5000]],
            )


def create_pusat(db) -> int:
    import pyotp

    from spmp.accounts import operations as accounts

    with db.transaction() as session:
        user = accounts.create_user(session, username="bench.pusat", full_name="Bench Pusat", password=PASSWORD,
                                    role="pusat", scope=accounts.Scope())  # fmt: skip
        user.totp_secret = pyotp.random_base32()  # Pusat must sign in with a second factor
        return user.id


def _bench(backend: str, url: str, count: int, runs: int) -> None:
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.revitalisasi import selection_runs
    from spmp.revitalisasi.selection import Limit, SelectionParams
    from spmp.revitalisasi.selection_models import SelectionItem

    use_cheapest_hashing()
    started = time.perf_counter()
    print(f"{backend}: {load_average()}", flush=True)
    db, cases, proposals = load_schools(url, count, started)
    pusat_id = create_pusat(db)
    write_proposals(db, cases, proposals, pusat_id)
    say(started, f"{count:,} verified proposals written")
    params = SelectionParams(budget=12_000_000_000_000, regency_limit=Limit(5, 60),
                             level_quotas={"SMA": Limit(0, 1200), "SMK": Limit(0, 1000), "PAUD": Limit(0, 1500)})  # fmt: skip
    run_ids = []
    for note in ("bobot awal", "bobot awal, ulang"):
        with db.transaction() as session:
            pusat = session.get(User, pusat_id)
            selection_runs.save_params(session, pusat, 2026, params)
            t0 = time.perf_counter()
            outcome = selection_runs.run_selection(session, pusat, 2026, note=note)
            s = outcome.result.summary()
            say(started, f"run {outcome.run.id}: {time.perf_counter() - t0:.1f} s (solve {s['seconds']['total']} s), "
                 f"{s['status']}, gap to LP {s['gap_to_lp'] * 100:.4f} %, {s['selected']:,} selected, "
                 f"optimal need {s['objective']:,.0f} vs greedy {s['greedy_objective']:,.0f} "
                 f"(+{s['greedy_gain'] * 100:.1f} %)")  # fmt: skip
            run_ids.append(outcome.run.id)
        params = dataclasses.replace(params, regency_limit=Limit(5, 50))
    with db.session() as session:
        npsn = session.scalar(select(SelectionItem.npsn).where(SelectionItem.run_id == run_ids[0]).limit(1))
    with web_app(db, url) as app:
        client = logged_in(app, db, "bench.pusat", PASSWORD)  # Pusat signs in with TOTP
        for label, path in PAGES:
            time_page(client, label, path.format(run=run_ids[0], other=run_ids[1], npsn=npsn), runs, width=28)
        t0 = time.perf_counter()
        data = client.get(f"/revitalisasi/seleksi/{run_ids[0]}?format=xlsx").data
        print(f"  XLSX of the run: {len(data) / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"{backend}: {load_average()}", flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    add_backend_option(parser)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.proposals, args.runs))


if __name__ == "__main__":
    main()
