"""Benchmark the Revitalisasi recommendation list (``spmp.revitalisasi.recommendation.recommend``).

    .venv/bin/python bench/revitalisasi_recommend_bench.py                       # 100,000 schools, both backends
    .venv/bin/python bench/revitalisasi_recommend_bench.py --schools 20000 --backend sqlite

Generates ``--schools`` schools over the 514 regencies (the school import's bulk path: levels, 3T
regencies, last rehabilitation years as the demo data has them) and a 2025 proposal (with its damage)
for every tenth school, then times the list: the whole country (``spmp revitalisasi recommend``), a
B/BPMP head's area (BBPMP Jawa Timur), one province as Pusat, one regency's Dinas. Figures, not a timer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import add_backend_option, analyze, load_average, on_each_backend, schools_database  # noqa: E402


def _data(url: str, count: int):
    """The database with its schools, users and proposals, and the users' ids."""
    from sqlalchemy import insert, select

    from spmp import clock
    from spmp.accounts import operations as accounts
    from spmp.engine.cases import CaseRecord
    from spmp.regions.models import UnitCoverage
    from spmp.revitalisasi.models import RevitalisasiProposal
    from spmp.schools.models import School

    db = schools_database(url, count, seed=5, statistics=True)
    rng, now = random.Random(5), clock.now()
    with db.transaction() as session:
        users = {
            "pusat": accounts.create_user(session, username="b.pusat", full_name="P", password="x" * 12,
                                          role="pusat", scope=accounts.Scope()),
            "head": accounts.create_user(session, username="b.kepala", full_name="K", password="x" * 12,
                                         role="bpmp_head", scope=accounts.Scope(unit_code="BBPMP-JATIM")),
            "dinas": accounts.create_user(session, username="b.dinas", full_name="D", password="x" * 12,
                                          role="dinas_regency", scope=accounts.Scope(regency_code="35.07")),
        }  # fmt: skip
        unit_of = dict(session.execute(select(UnitCoverage.province_code, UnitCoverage.unit_id)).all())
        schools = session.execute(select(School.id, School.province_code, School.regency_code)).all()[::10]
        first = (session.scalar(select(CaseRecord.id).order_by(CaseRecord.id.desc())) or 0) + 1
        cases = [
            {"id": first + n, "type_key": "revitalisasi", "type_version": 1, "title": "Revitalisasi 2025",
             "school_id": sid, "unit_id": unit_of[prov], "province_code": prov, "regency_code": reg, "state": "ditolak",
             "state_entered_at": now, "opened_at": now, "updated_at": now, "version": 3, "is_paused": False}
            for n, (sid, prov, reg) in enumerate(schools)
        ]  # fmt: skip
        proposals = [
            {"case_id": first + n, "school_id": sid, "year": 2025, "source": "import",
             "damage_percent": round(rng.uniform(30, 95), 1), "band": "berat", "rooms_requested": 1,
             "requested_budget": 900_000_000, "pupils_affected": rng.randint(40, 900), "is_3t": False,
             "land_ready": True, "damage_form_signed": True, "is_eligible": True, "created_by_id": users["pusat"].id,
             "created_at": now, "updated_at": now}
            for n, (sid, _prov, _reg) in enumerate(schools)
        ]  # fmt: skip
        for start in range(0, len(cases), 5000):
            session.execute(insert(CaseRecord), cases[start : start + 5000])
            session.execute(insert(RevitalisasiProposal), proposals[start : start + 5000])
        ids = {key: user.id for key, user in users.items()}
    analyze(db)
    return db, ids


def _bench(backend: str, url: str, count: int) -> None:
    from spmp.accounts.models import User
    from spmp.export import stream
    from spmp.revitalisasi import recommendation as rec

    print(f"{backend}: {count:,} schools; {load_average()}", flush=True)
    started = time.perf_counter()
    db, ids = _data(url, count)
    print(f"  data written in {time.perf_counter() - started:.1f} s", flush=True)
    with db.session() as session:
        for label, user_key, filters in (
            ("national (the CLI)", None, rec.RecommendationFilters(2026)),
            ("BBPMP Jawa Timur head", "head", rec.RecommendationFilters(2026)),
            ("Pusat, one province (Jawa Tengah)", "pusat", rec.RecommendationFilters(2026, province="33")),
            ("Dinas Kab. Malang", "dinas", rec.RecommendationFilters(2026)),
        ):
            user = session.get(User, ids[user_key]) if user_key else None
            t0 = time.perf_counter()
            rows = rec.recommend(session, user, filters)
            listed = time.perf_counter() - t0
            t0 = time.perf_counter()
            size = sum(len(chunk) for chunk in stream("xlsx", rec.EXPORT_HEADER, rec.export_rows(rows)))
            print(f"  {label:36s} {len(rows):>7,} schools in {listed * 1000:7.0f} ms; XLSX {size / 1e6:.1f} MB in "
                  f"{(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)  # fmt: skip
    print(f"{backend}: {load_average()}", flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=100_000)
    add_backend_option(parser)
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.schools))


if __name__ == "__main__":
    main()
