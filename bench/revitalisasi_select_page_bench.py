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
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402

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


def _say(started: float, message: str) -> None:
    print(f"  [{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def _load(url: str, count: int, started: float) -> None:
    from sqlalchemy import select

    from spmp import clock, migrate
    from spmp.db import Database
    from spmp.engine.cases import CaseRecord
    from spmp.regions.models import UnitCoverage
    from spmp.regions.reference import load_reference
    from spmp.schools.demo import generate_into_database
    from spmp.schools.importer import refresh_statistics
    from spmp.schools.models import School

    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        generate_into_database(session, count, seed=1)
    refresh_statistics(db)
    _say(started, f"{count:,} schools generated")
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


def _write(db, cases, proposals, pusat_id: int) -> None:
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


def _pusat(db):
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
    from spmp.config import load_settings
    from spmp.revitalisasi import selection_runs
    from spmp.revitalisasi.selection import Limit, SelectionParams
    from spmp.revitalisasi.selection_models import SelectionItem
    from web import create_app

    use_cheapest_hashing()
    started = time.perf_counter()
    print(f"{backend}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    db, cases, proposals = _load(url, count, started)
    pusat_id = _pusat(db)
    _write(db, cases, proposals, pusat_id)
    _say(started, f"{count:,} verified proposals written")
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
            _say(started, f"run {outcome.run.id}: {time.perf_counter() - t0:.1f} s (solve {s['seconds']['total']} s), "
                 f"{s['status']}, gap to LP {s['gap_to_lp'] * 100:.4f} %, {s['selected']:,} selected, "
                 f"optimal need {s['objective']:,.0f} vs greedy {s['greedy_objective']:,.0f} "
                 f"(+{s['greedy_gain'] * 100:.1f} %)")  # fmt: skip
            run_ids.append(outcome.run.id)
        params = dataclasses.replace(params, regency_limit=Limit(5, 50))
    with db.session() as session:
        npsn = session.scalar(select(SelectionItem.npsn).where(SelectionItem.run_id == run_ids[0]).limit(1))
    with tempfile.TemporaryDirectory(prefix="spmp_bench_instance_") as instance:
        os.environ["SPMP_INSTANCE_PATH"] = instance
        settings = dataclasses.replace(load_settings(), database_url=url, login_rate_limit="1000 per minute")
        client = create_app(settings, database=db).test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = client.post(
            "/login", data={"username": "bench.pusat", "password": PASSWORD, "csrf_token": token}
        )
        if response.location and response.location.endswith("/login/totp"):  # Pusat signs in with TOTP
            import pyotp

            with db.session() as session:
                secret = session.get(User, pusat_id).totp_secret
            html = client.get("/login/totp").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
        for label, path in PAGES:
            target = path.format(run=run_ids[0], other=run_ids[1], npsn=npsn)
            timings = []
            for _ in range(runs):
                t0 = time.perf_counter()
                response = client.get(target)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (target, response.status_code)
            print(f"  {label:28s} median {statistics.median(timings):7.1f} ms  (min {min(timings):.1f}, "
                  f"{len(response.data) // 1024} KiB)", flush=True)  # fmt: skip
        t0 = time.perf_counter()
        data = client.get(f"/revitalisasi/seleksi/{run_ids[0]}?format=xlsx").data
        print(f"  XLSX of the run: {len(data) / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"{backend}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        url, drop = create_database(backend)
        try:
            _bench(backend, url, args.proposals, args.runs)
        finally:
            drop()


if __name__ == "__main__":
    main()
