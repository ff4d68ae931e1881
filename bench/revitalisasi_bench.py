"""Revitalisasi proposals: bulk import speed, and the list and queue queries on the result.

    .venv/bin/python bench/revitalisasi_bench.py                          # 2,000 proposals x 3 rooms, SQLite
    .venv/bin/python bench/revitalisasi_bench.py --proposals 500 --backend postgresql   # or both

Builds a throw-away database with reference data and demo schools, writes two import files of the same
shape for two different sets of schools (one row per room, three rooms per proposal, the damage drawn at
random) and imports them as an administrator, each in its own committed transaction:

- **before**: the file checked whole, then one ``create_proposal`` per proposal (the engine's ``open_case``
  and the ORM for the proposal, rooms and damage; the import's write path until the Core batches);
- **after**: ``import_proposals`` as it is now: the same check, then ``create_proposals`` (the engine's
  bulk ``open_cases``, and every row written by ``spmp.bulk_insert``, binary COPY on PostgreSQL, in
  batches of 1,000 proposals).

Times checking and writing apart, then the scoped proposal list (first 500 rows) and the verifier's queue
of a B/BPMP unit. Figures, not a pass/fail timer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import add_backend_option, load_average, on_each_backend, schools_database  # noqa: E402
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
    parser.add_argument("--proposals", type=int, default=2000, help="in all: half before, half after")
    parser.add_argument("--schools", type=int, default=20000)
    add_backend_option(parser, default="sqlite")
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.proposals, args.schools))


def _bench(backend: str, url: str, count: int, schools: int) -> None:
    from sqlalchemy import select

    from spmp.accounts import operations as accounts
    from spmp.engine import get_definition
    from spmp.revitalisasi import queries
    from spmp.revitalisasi.importer import check_proposals
    from spmp.revitalisasi.operations import create_proposal, create_proposals
    from spmp.schools.models import School

    db = schools_database(url, schools, seed=13)
    try:
        with db.transaction() as session:
            admin = accounts.create_user(session, username="admin.bench", full_name="Admin", password="x" * 12,
                                         role="admin", scope=accounts.Scope())  # fmt: skip
            staff = accounts.create_user(session, username="staf.bench", full_name="Staf", password="x" * 12,
                                         role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
            npsns = list(session.scalars(select(School.npsn).order_by(School.id).limit(count)))
        half = len(npsns) // 2
        before_file = build_file(npsns[:half], random.Random(7))
        after_file = build_file(npsns[half:], random.Random(8))
        print(f"{backend}: {half:,} + {len(npsns) - half:,} proposals, 3 rooms each, "
              f"{len(after_file) / 1e6:.1f} MB per file; {load_average()}")  # fmt: skip
        get_definition("revitalisasi")  # the workflow definitions, loaded once per process (both runs alike)
        for label, data in (("before (one create_proposal each)", before_file),
                            ("after (create_proposals, bulk_insert)", after_file)):  # fmt: skip
            started = time.perf_counter()
            with db.transaction() as session:
                user = session.merge(admin)
                report, proposals = check_proposals(session, user, data, year=2026, filename="usulan.csv")
                checked = time.perf_counter()
                if label.startswith("before"):
                    for item in proposals:
                        create_proposal(session, user, item, source="import")
                else:
                    create_proposals(session, user, proposals, source="import")
                written = time.perf_counter()
            done = time.perf_counter()
            rows, write = report.rows, written - checked
            print(f"{label}: {len(proposals):,} proposals, {rows:,} rows in {done - started:.2f} s = "
                  f"{rows / (done - started):,.0f} rows/s ({len(proposals) / (done - started):,.0f} proposals/s); "
                  f"check {checked - started:.2f} s, write {write:.2f} s ({rows / write:,.0f} rows/s), "
                  f"commit {done - written:.2f} s")  # fmt: skip
        with db.session() as session:
            for label, query in (
                ("proposal list, admin, first 500", queries.proposal_query(session.merge(admin))),
                ("verifier's queue, BPMP NTT (drafts: empty)", queries.queue_query(session.merge(staff))),
                ("proposal list, BPMP NTT, first 500", queries.proposal_query(session.merge(staff))),
            ):
                started = time.perf_counter()
                rows = queries.rows(session, query)
                print(f"{label}: {len(rows)} rows in {(time.perf_counter() - started) * 1000:.0f} ms")
        print(f"{backend}: {load_average()}")
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
