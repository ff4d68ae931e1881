"""Benchmark the school directory download (GET /sekolah?format=csv|xlsx) at national scale.

    .venv/bin/python bench/export_bench.py                         # 440,000 schools, both backends
    .venv/bin/python bench/export_bench.py --schools 50000 --backend sqlite
    .venv/bin/python bench/export_bench.py --sqlite-url sqlite:////tmp/x.db   # reuse a loaded database

Without a URL the script builds a throw-away database per backend as ``bench/directory_bench.py`` does
(migrate, reference data, ``--schools`` synthetic schools through the import path, statistics refreshed).
Each download then runs in a fresh child process: it creates the Flask app, logs in a Pusat user (password
and second factor) through Flask's test client and reads the streamed response of the whole national
directory chunk by chunk, as a browser would. Printed per format: total time, time to the first byte,
size, rows (CSV), the child's resident memory (RSS) before the download (the app and ORM loaded), its
peak during the download (VmHWM, reset before it) and the process's peak overall (the login included).
Target: under 60 s and 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import with_pg_database as _with_pg_database  # noqa: E402
from bench.directory_bench import _build  # noqa: E402

USERNAME = "bench.pusat.export"
PASSWORD = "bench-password-123"


def _make_user(url: str) -> str:
    """A Pusat user (national scope) with a second factor; returns its TOTP secret."""
    import pyotp
    from sqlalchemy import delete

    from spmp.accounts import operations as accounts
    from spmp.accounts.models import User
    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.db import Database

    use_cheapest_hashing()
    db = Database(url)
    secret = pyotp.random_base32()
    with db.transaction() as session:
        session.execute(delete(User).where(User.username == USERNAME))
        user = accounts.create_user(session, username=USERNAME, full_name="Bench Pusat", password=PASSWORD,
                                    role="pusat", scope=accounts.Scope())  # fmt: skip
        user.totp_secret = secret
    db.dispose()
    return secret


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM, so the download's own peak is measured (logging in
    hashes a password, whose memory would otherwise stand as the peak)."""
    Path("/proc/self/clear_refs").write_text("5")


def _login(client, secret: str) -> None:
    import re

    import pyotp

    def token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    response = client.post(
        "/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token("/login")}
    )
    if response.status_code == 302 and response.location.endswith("/login/totp"):
        response = client.post(
            "/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token("/login/totp")}
        )
    assert client.get("/sekolah").status_code == 200, "bench user could not log in"


def child(url: str, fmt: str, secret: str) -> None:
    """One download in this process; prints its figures as JSON."""
    import dataclasses

    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.config import load_settings
    from spmp.db import Database
    from web import create_app

    use_cheapest_hashing()
    with tempfile.TemporaryDirectory(prefix="spmp_bench_instance_") as instance:
        os.environ["SPMP_INSTANCE_PATH"] = instance
        settings = dataclasses.replace(load_settings(), database_url=url, login_rate_limit="1000 per minute")
        app = create_app(settings, database=Database(url))
        client = app.test_client()
        _login(client, secret)
        _reset_peak()
        baseline = _status_mb("VmRSS")
        started = time.perf_counter()
        response = client.get(f"/sekolah?format={fmt}", buffered=False)
        assert response.status_code == 200, response.status_code
        first_byte = None
        size = lines = 0
        for chunk in response.response:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\r\n") if fmt == "csv" else 0
        response.close()
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "first_byte": first_byte, "bytes": size, "rows": lines - 1,
                      "baseline_mb": baseline, "peak_mb": _status_mb("VmHWM"),
                      "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))  # fmt: skip


def _bench(backend: str, url: str) -> None:
    for fmt in ("csv", "xlsx"):
        secret = _make_user(url)  # a fresh user per login: a second-factor code is accepted only once
        out = subprocess.run(
            [sys.executable, __file__, "--child", fmt, "--url", url, "--secret", secret],
            capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode != 0:
            raise SystemExit(f"{backend} {fmt}: the download failed:\n{out.stderr}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows = f"{r['rows']:,} rows, " if fmt == "csv" else ""
        print(f"{backend:<11} {fmt.upper():<5} {r['seconds']:6.1f} s (first byte {r['first_byte']:5.1f} s), "
              f"{r['bytes'] / 1e6:5.1f} MB, {rows}RSS {r['baseline_mb']:4.0f} MB before, peak during the "
              f"download {r['peak_mb']:4.0f} MB (process peak incl. login {r['process_peak_mb']:4.0f} MB)",
              flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=440_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sqlite-url", help="use this loaded SQLite database instead of building one")
    parser.add_argument("--pg-url", help="use this loaded PostgreSQL database instead of building one")
    parser.add_argument("--child", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child, args.secret)
        return

    def fresh(backend: str, url: str) -> None:
        print(f"{backend}: building a database with {args.schools} schools ...", file=sys.stderr)
        _build(url, args.schools)
        _bench(backend, url)

    if args.backend in ("sqlite", "both"):
        if args.sqlite_url:
            _bench("sqlite", args.sqlite_url)
        else:
            with tempfile.TemporaryDirectory(prefix="spmp_bench_") as tmp:
                fresh("sqlite", f"sqlite:///{tmp}/export.sqlite3")
    if args.backend in ("postgresql", "both"):
        if args.pg_url:
            _bench("postgresql", args.pg_url)
        else:
            _with_pg_database(lambda url: fresh("postgresql", url))


if __name__ == "__main__":
    main()
