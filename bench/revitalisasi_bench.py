"""Revitalisasi proposals: bulk import speed, and the list and queue queries on the result.

    .venv/bin/python bench/revitalisasi_bench.py                          # 2,000 proposals x 3 rooms, SQLite
    .venv/bin/python bench/revitalisasi_bench.py --proposals 500 --backend postgresql

Builds a throw-away database with reference data and demo schools, writes an import file (one row per room,
three rooms per proposal, the damage drawn at random), imports it as an administrator (one case per
proposal through the engine, eligibility stored) and times: reading and checking the file, writing the
proposals, then the scoped proposal list (first 500 rows) and the verifier's queue of a B/BPMP unit.
Figures, not a pass/fail timer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402
from spmp.revitalisasi.models import COMPONENTS  # noqa: E402

HEADER = ["npsn", "nama_ruang", "jenis_ruang", *COMPONENTS, "diusulkan", "anggaran", "lahan_siap", "bukti_lahan",
          "surveyor", "formulir_ditandatangani", "dapodik_sejak", "tahun_rehabilitasi_terakhir", "jumlah_siswa"]  # fmt: skip


def build_file(npsns: list[str], rng: random.Random) -> bytes:
    from spmp.revitalisasi.models import damage_band, damage_percent

    lines = [",".join(HEADER)]
    for npsn in npsns:
        for room in range(3):
            damages = {key: rng.choice((0, 0, 20, 50, 80, 100)) for key in COMPONENTS}
            requested = damage_band(damage_percent(damages)) != "ringan"
            extra = ([str(rng.randrange(300, 2000) * 1_000_000), "ya", "SHM 1/2019", "Ir. Surveyor", "ya",
                      str(rng.randrange(2005, 2024)), str(rng.randrange(2000, 2024)), str(rng.randrange(40, 600))]
                     if room == 0 else [""] * 8)  # fmt: skip
            lines.append(",".join([npsn, f"Ruang {room + 1}", "ruang_kelas", *map(str, damages.values()),
                                   "ya" if requested else "tidak", *extra]))  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--schools", type=int, default=20000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from sqlalchemy import select

    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from spmp.revitalisasi import queries
    from spmp.revitalisasi.importer import import_proposals
    from spmp.schools.demo import generate_into_database
    from spmp.schools.models import School

    url, drop = create_database(args.backend)
    db = Database(url)
    try:
        migrate.upgrade(db)
        with db.transaction() as session:
            load_reference(session)
            generate_into_database(session, args.schools, seed=13)
            admin = accounts.create_user(session, username="admin.bench", full_name="Admin", password="x" * 12,
                                         role="admin", scope=accounts.Scope())  # fmt: skip
            staff = accounts.create_user(session, username="staf.bench", full_name="Staf", password="x" * 12,
                                         role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
            npsns = list(session.scalars(select(School.npsn).order_by(School.id).limit(args.proposals)))
        data = build_file(npsns, random.Random(7))
        print(f"{args.backend}: {len(npsns):,} proposals, {len(npsns) * 3:,} rows, {len(data) / 1e6:.1f} MB")
        started = time.perf_counter()
        with db.transaction() as session:
            report = import_proposals(session, session.merge(admin), data, year=2026, filename="usulan.csv")
        seconds = time.perf_counter() - started
        print(f"import (check the file, then one case per proposal, committed): {seconds:.1f} s = "
              f"{report.written / seconds:,.0f} proposals/s ({report.rows / seconds:,.0f} rows/s); "
              f"{report.written:,} written, {len(report.errors)} errors")  # fmt: skip
        with db.session() as session:
            for label, query in (
                ("proposal list, admin, first 500", queries.proposal_query(session.merge(admin))),
                ("verifier's queue, BPMP NTT (drafts: empty)", queries.queue_query(session.merge(staff))),
                ("proposal list, BPMP NTT, first 500", queries.proposal_query(session.merge(staff))),
            ):
                started = time.perf_counter()
                rows = queries.rows(session, query)
                print(f"{label}: {len(rows)} rows in {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        db.dispose()
        drop()


if __name__ == "__main__":
    main()
