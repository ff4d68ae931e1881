"""Benchmark ``spmp schools import`` on SQLite and PostgreSQL (prints figures; not a pass/fail test).

    .venv/bin/python bench/import_bench.py                      # 440,000 schools, both backends
    .venv/bin/python bench/import_bench.py --schools 50000 --backend sqlite
    .venv/bin/python bench/import_bench.py --listing DIR        # the real public listing (see below)

Steps: generate a synthetic national CSV (``spmp.schools.demo``), then per backend create an EMPTY
database (a temporary SQLite file, or a throw-away PostgreSQL database on the server of
``SPMP_TEST_PG_URL``, dropped afterwards), migrate it, load the reference data, and run three imports,
each in its own child process (so ``ru_maxrss`` is the peak of that one import): the CSV into the empty
table, a re-import of the same file (every row unchanged), and a file in which every school changed
(every row an UPDATE). Reported: rows/s for import + commit (wall clock), the child's CPU time (on SQLite
that is all the work; on a busy machine wall clock grows, CPU time much less), and the child's peak RSS.
Targets: >= 20,000 rows/s SQLite, >= 15,000 rows/s PostgreSQL, peak RSS < 400 MB.

``--listing DIR``: instead of synthetic data, import the real public listing in its own layout: every
``DIR/result/*.json`` of ``suryavip/daftar-sekolah-indonesia`` (514 files, 215,372 schools, Dapodik codes,
status N/S) as one import with --skip-invalid, into an empty database per backend, then once more (a
re-import); prints rows/s and the rejected and warned counts by reason.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import with_pg_database as _with_pg_database  # noqa: E402


def _child(url: str, csv_path: str) -> None:
    """Runs in a subprocess: one import in one transaction, figures as JSON on stdout. ``csv_path`` is a
    file, or a directory of listing JSON files (imported together, skipping invalid rows)."""
    from spmp.db import Database
    from spmp.schools.importer import import_schools

    db = Database(url)
    source = Path(csv_path)
    listing = sorted((source / "result").glob("*.json")) if source.is_dir() else None
    started = time.perf_counter()
    with db.transaction() as session:
        if listing:
            report = import_schools(session, listing, skip_invalid=True)
        else:
            report = import_schools(session, source)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}
    reasons = {
        "rejected": dict(report.rejected_by_reason.most_common()),
        "warned": dict(report.warned_by_reason.most_common()),
        "ignored_columns": report.ignored_columns,
    }
    print(json.dumps(figures | {"summary": report.summary(), "rows": report.rows, "reasons": reasons}))


def _prepare(url: str) -> None:
    from spmp import migrate
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
    db.dispose()


def _run_import(url: str, csv_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(csv_path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(backend: str, label: str, result: dict) -> None:
    rate = result["rows"] / result["seconds"]
    print(
        f"{backend:<11} {label:<10} {result['rows']:>8} rows  {result['seconds']:7.2f} s  "
        f"{rate:>9,.0f} rows/s  (client CPU {result['cpu']:5.1f} s)  peak RSS {result['peak_mb']:6.1f} MB"
        f"   ({result['summary']})"
    )


def _bench_backend(backend: str, url: str, csv_path: Path) -> None:
    _prepare(url)
    print(f"{backend}: importing into an empty database ...", file=sys.stderr)
    _report(backend, "first", _run_import(url, csv_path))
    print(f"{backend}: re-importing the same file ...", file=sys.stderr)
    _report(backend, "re-import", _run_import(url, csv_path))
    print(f"{backend}: importing a file where every school changed ...", file=sys.stderr)
    _report(backend, "all changed", _run_import(url, _changed_copy(csv_path)))


def _bench_listing(backend: str, url: str, listing: Path) -> None:
    _prepare(url)
    print(f"{backend}: importing the listing into an empty database ...", file=sys.stderr)
    result = _run_import(url, listing)
    _report(backend, "listing", result)
    reasons = result["reasons"]
    print(f"  ignored columns: {', '.join(reasons['ignored_columns'])}")
    for kind in ("rejected", "warned"):
        total = sum(reasons[kind].values())
        print(f"  {kind} ({total} {'rows' if kind == 'rejected' else 'warnings'}) by reason:")
        for reason, count in reasons[kind].items():
            print(f"    {count:>7}  {reason}")
    print(f"{backend}: re-importing the listing ...", file=sys.stderr)
    _report(backend, "re-import", _run_import(url, listing))


def _changed_copy(csv_path: Path) -> Path:
    """The same schools with a new electricity figure each (so every row is an UPDATE)."""
    changed = csv_path.with_name("changed.csv")
    if changed.exists():
        return changed
    with (
        open(csv_path, newline="", encoding="utf-8") as src,
        open(changed, "w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            row["daya_listrik"] = str(int(row["daya_listrik"] or 0) + 100)
            writer.writerow(row)
    return changed


def _generate(csv_path: Path, count: int, seed: int) -> None:
    from spmp.schools.demo import write_csv

    started = time.perf_counter()
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 50_000 < n:
            print(f"  generated {done:,}", file=sys.stderr)

    with open(csv_path, "w", newline="", encoding="utf-8") as out:
        write_csv(out, count, seed, progress=progress)
    seconds = time.perf_counter() - started
    size_mb = csv_path.stat().st_size / 1e6
    print(
        f"generated  {count} schools in {seconds:.1f} s ({count / seconds:,.0f} rows/s), {size_mb:.1f} MB CSV"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=440_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--child", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--listing", type=Path, help="directory holding result/*.json of the public listing")
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.listing:
        with tempfile.TemporaryDirectory(prefix="spmp_bench_") as tmp:
            if args.backend in ("sqlite", "both"):
                _bench_listing("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args.listing)
            if args.backend in ("postgresql", "both"):
                _with_pg_database(lambda url: _bench_listing("postgresql", url, args.listing))
        return
    with tempfile.TemporaryDirectory(prefix="spmp_bench_") as tmp:
        csv_path = Path(tmp) / "schools.csv"
        _generate(csv_path, args.schools, args.seed)
        if args.backend in ("sqlite", "both"):
            _bench_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", csv_path)
        if args.backend in ("postgresql", "both"):
            _with_pg_database(lambda url: _bench_backend("postgresql", url, csv_path))


if __name__ == "__main__":
    main()
