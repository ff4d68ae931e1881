"""Workflow engine benchmark: prints figures, is not a pass/fail timer.

    .venv/bin/python bench/engine_bench.py                      # both backends, 100,000 transitions each
    .venv/bin/python bench/engine_bench.py --backends sqlite --transitions 20000 --sweep-rows 100000

For each backend, on a fresh database: fires N transitions of a 4-step cycle (bench/workflows/
bench_cycle.yaml) through ``spmp.engine.fire_many`` on a connection the worker keeps (``fire`` once per
item, each in its own transaction, with the audit event and the deadline rows), and reports transitions/s
and RSS before/after. On PostgreSQL, then 4 worker processes at once while a sequencer process seals
every second (its largest lag is reported). In the same run, as ratios: ``fire`` in ``db.transaction()``
with a pool checkout per transition (as a web request does), the plain-SQL floor (the same statements on
the raw DBAPI connection, no engine), a one-row INSERT + COMMIT per transaction (what the database and disk
allow at all), a naive design (ORM load + one ``transitions.Machine`` per case + ORM flush), and
SpiffWorkflow (BPMN, JSON per case) on the same cycle. Then the sweep over 1,000,000 open deadlines of
which 10,000 are due, and over 1,000,000 audit events: sealing, ``audit verify``, and inclusion proofs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402
from spmp import audit, clock, migrate  # noqa: E402
from spmp.accounts.models import User  # noqa: E402
from spmp.audit import proofs, seals, signing  # noqa: E402
from spmp.audit.verifier import verify  # noqa: E402
from spmp.db import Database  # noqa: E402
from spmp.engine import FireItem, deadlines, definitions, fire, fire_many, open_case  # noqa: E402
from spmp.engine.calendar import deadline_rows  # noqa: E402
from spmp.engine.cases import CaseDeadline, CaseRecord  # noqa: E402
from spmp.engine.fire import _LOAD_CASE  # noqa: E402
from spmp.engine.sweep import sweep  # noqa: E402
from spmp.regions.models import UnitCoverage  # noqa: E402
from spmp.regions.reference import load_reference  # noqa: E402
from spmp.schools.models import School  # noqa: E402

CYCLE = {"s1": ("step1", "s2"), "s2": ("step2", "s3"), "s3": ("step3", "s4"), "s4": ("step4", "s1")}


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def progress(label: str, i: int, n: int) -> None:
    if i % max(1, n // 20) == 0 or i == n:
        print(f"\r  {label}: {i:,}/{n:,}", end="" if i < n else "\n", file=sys.stderr, flush=True)


# --- CPU accounting ---------------------------------------------------------------------------------------
# Wall-clock rates on a shared 2-core machine move with everyone else's load; CPU seconds per transition
# barely do. So every mode also reports the CPU it cost: this process (on SQLite that includes the
# database's own work) and, on PostgreSQL on this machine, the server backends of the bench database
# (read from /proc; not shown when the server runs elsewhere).
_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICK, sum(values[:8]) / _TICK


class ServerCpu:
    """CPU seconds used so far by the PostgreSQL backends of one database (on this machine). Backends that
    exit are remembered at their last sample: call ``sample()`` while short-lived connections live."""

    def __init__(self, db: Database) -> None:
        self.enabled = not db.is_sqlite and Path("/proc/self/stat").exists()
        self.name = db.engine.url.database
        self.admin = Database(str(db.engine.url.set(database="postgres"))) if self.enabled else None
        self.seen: dict[int, float] = {}

    def sample(self) -> float | None:
        if not self.enabled:
            return None
        with self.admin.engine.connect() as conn:
            query = text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()")
            pids = conn.execute(query, {"d": self.name}).scalars().all()
        for pid in pids:
            if (cpu := _proc_cpu(pid)) is not None:
                self.seen[pid] = cpu
        return sum(self.seen.values())

    def close(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


class Figure(float):
    """A rate (transitions/s) that also carries its CPU per transition in µs: client (this process and
    its children) and server (None on SQLite or a remote server)."""

    client_us: float
    server_us: float | None

    @classmethod
    def of(cls, rate: float, client_us: float, server_us: float | None) -> Figure:
        figure = cls(rate)
        figure.client_us, figure.server_us = client_us, server_us
        return figure

    def cpu_text(self) -> str:
        server = f" + {self.server_us:,.0f} µs server" if self.server_us is not None else ""
        return f"CPU {self.client_us:,.0f} µs client{server} per transition"


def measured(server: ServerCpu, n: int, run) -> Figure:
    """Run ``run()`` (which returns a rate) and attach the CPU it cost per transition."""
    server_before = server.sample()
    before = os.times()
    rate = run()
    after = os.times()
    server_after = server.sample()
    client = (after.user + after.system + after.children_user + after.children_system) - (
        before.user + before.system + before.children_user + before.children_system
    )
    server_us = None if server_before is None else (server_after - server_before) * 1e6 / n
    return Figure.of(rate, client * 1e6 / n, server_us)


def run_paired(
    db: Database, user: User, case_ids: list[int], n: int, rounds: int, server: ServerCpu
) -> list[tuple[Figure, Figure]]:
    """``fire_many`` and the plain-SQL floor one after the other, ``rounds`` times: each pair ran under
    nearly the same load, so their ratio means more than two rates measured minutes apart."""
    pairs = []
    for _ in range(rounds):
        engine = measured(server, n, lambda: run_many(db, user, case_ids, n))
        floor = measured(server, n, lambda: run_floor(db, user, case_ids, n))
        pairs.append((engine, floor))
    return pairs


# --- setup ----------------------------------------------------------------------------------------------
def use_bench_workflows() -> None:
    definitions.set_workflows(definitions.load_directory(ROOT / "bench" / "workflows"))


def seed(db: Database, cases: int) -> tuple[User, list[int]]:
    """Reference data, one school, a B/BPMP staff member, and ``cases`` open bench_cycle cases."""
    now = clock.now()
    with db.transaction() as s:
        load_reference(s)
        school = School(npsn="99999901", name="SD Bench", name_key="sd bench", bentuk="SD", status="negeri",
                        regency_code="53.71", province_code="53", row_hash="0" * 32, created_at=now, updated_at=now)  # fmt: skip
        s.add(school)
        unit_id = s.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == "53"))
        user = User(username="bench", full_name="Bench", password_hash="!", role="bpmp_staff", unit_id=unit_id,
                    created_at=now, is_active=True, session_epoch=0, failed_logins=0, wants_daily_digest=False)  # fmt: skip
        s.add(user)
        s.flush()
        ids = []
        for i in range(cases):
            ids.append(open_case(s, user, "bench_cycle", title=f"Bench {i}", school_id=school.id).id)
    return user, ids


# --- the four designs -----------------------------------------------------------------------------------
ENGINE_MODES = {
    "many": "fire_many, held connection",
    "session": "fire, pooled connection",
}


def run_engine(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """Each transition with ``fire`` in ``db.transaction()``, a pool checkout each (as a web request)."""
    state = _current_versions(db, case_ids)
    start = time.perf_counter()
    for i in range(n):
        cid = case_ids[i % len(case_ids)]
        current, version = state[cid]
        trigger, dest = CYCLE[current]
        with db.transaction() as s:
            result = fire(s, cid, trigger, user, version)
        state[cid] = (dest, result.version)
        progress(ENGINE_MODES["session"], i + 1, n)
    return n / (time.perf_counter() - start)


def fire_cycle(db: Database, user: User, case_ids: list[int], n: int, connection, on_each) -> None:
    """``n`` transitions round the cases with ``fire_many`` (each transition its own transaction); any
    refusal stops the benchmark."""
    state = _current_versions(db, case_ids)

    def items():
        for i in range(n):
            cid = case_ids[i % len(case_ids)]
            current, version = state[cid]
            yield FireItem(cid, CYCLE[current][0], version)

    for i, result in enumerate(fire_many(db, user, items(), connection=connection), 1):
        if isinstance(result, Exception):
            raise result
        state[result.case_id] = (result.to_state, result.version)
        on_each(i)


def run_many(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """``fire_many`` on a held connection (a bulk tool or the scheduler working through a list)."""
    with db.held_connection() as held:
        start = time.perf_counter()
        fire_cycle(db, user, case_ids, n, held, lambda i: progress(ENGINE_MODES["many"], i, n))
        return n / (time.perf_counter() - start)


def run_workers(db: Database, user: User, case_ids: list[int], n: int, workers: int, keydir: Path, server: ServerCpu) -> tuple[Figure, float, int, float]:
    """``workers`` processes (as several web or worker processes would be), each with its own engine, a
    held connection and its own share of the cases, firing ``n`` transitions between them with
    ``fire_many``, while one more process runs the sequencer every second. PostgreSQL only: SQLite has
    one writer at a time. Returns (transitions/s with the CPU per transition of the workers and the
    sequencer, the sequencer's largest lag in seconds, events sealed, how busy the whole machine was:
    0-1 of all its cores)."""
    shares = [case_ids[w::workers] for w in range(workers)]
    per_worker = n // workers
    fork = multiprocessing.get_context("fork")
    done, stop = fork.Value("i", 0), fork.Event()
    lag, sealed = fork.Value("d", 0.0), fork.Value("i", 0)
    db.engine.dispose()  # the children must not share the parent's connections
    children = [
        fork.Process(target=_worker, args=(db.url, user, share, per_worker, done)) for share in shares
    ]
    seals.run(db, signing.load_or_create(keydir / "key.pem"), keydir / "anchors.jsonl")  # a clean start
    db.engine.dispose()
    sequencer = fork.Process(target=_sequencer, args=(db.url, keydir, stop, lag, sealed))
    server_before, times_before, busy_before = server.sample(), os.times(), machine_busy()
    sequencer.start()
    start = time.perf_counter()
    for child in children:
        child.start()
    while any(child.is_alive() for child in children):
        time.sleep(0.5)
        server.sample()
        progress(f"{workers} workers", min(done.value, n - 1), n)
    elapsed = time.perf_counter() - start
    busy_after = machine_busy()
    stop.set()
    sequencer.join(120)
    if any(child.exitcode for child in children) or sequencer.exitcode:
        raise SystemExit("a worker or the sequencer failed")
    progress(f"{workers} workers", n, n)
    times_after, server_after = os.times(), server.sample()
    fired = per_worker * workers
    client = (times_after.children_user + times_after.children_system) - (
        times_before.children_user + times_before.children_system
    )
    server_us = None if server_before is None else (server_after - server_before) * 1e6 / fired
    busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1e-9)
    return Figure.of(fired / elapsed, client * 1e6 / fired, server_us), lag.value, sealed.value, busy


def _sequencer(url: str, keydir: Path, stop, lag, sealed) -> None:
    """Seal every second (as the scheduler does every few seconds); record the oldest pending event's age
    at each run: how far behind the writers the sealed log is."""
    db = Database(url)
    key = signing.load_or_create(keydir / "key.pem")
    oldest = text("SELECT min(e.occurred_at) FROM audit_pending p JOIN audit_event e ON e.id = p.event_id")
    while True:
        finished = stop.is_set()
        with db.session() as s:
            first = s.execute(oldest).scalar()
        if first is not None:
            lag.value = max(lag.value, (clock.now() - first.replace(tzinfo=UTC)).total_seconds())
        for head in seals.run(db, key, keydir / "anchors.jsonl"):
            sealed.value = head.size
        if finished:
            break
        stop.wait(1.0)
    db.dispose()


def _worker(url: str, user: User, share: list[int], count: int, done) -> None:
    def counted(i: int) -> None:
        if i % 100 == 0:
            with done.get_lock():
                done.value += 100

    db = Database(url)
    with db.held_connection() as held:
        fire_cycle(db, user, share, count, held, counted)
    db.dispose()


def run_floor(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """The statements the engine sends (the same case read, writes and hash) on the raw DBAPI connection,
    no engine: BEGIN (IMMEDIATE on SQLite), the case read, the guarded UPDATE, the deadline rewrite, the
    audit INSERT and COMMIT."""
    is_pg = not db.is_sqlite
    raw = db.engine.raw_connection()
    dbapi = raw.driver_connection
    cur = dbapi.cursor()
    dialect = "postgresql" if is_pg else "sqlite"
    rule = definitions.get_definition("bench_cycle").states["s1"].due
    versions = _current_versions(db, case_ids)

    def ts(value):  # what UTCDateTime stores
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive if is_pg else naive.isoformat(" ", "microseconds")

    load = getattr(_LOAD_CASE, dialect)
    mark = "%s" if is_pg else "?"
    upd = "UPDATE case_record SET state=?, version=version+1, state_entered_at=?, updated_at=? WHERE id=? AND version=?"
    rewrite_dl = {n: getattr(deadlines._rewrite(n), dialect) for n in range(1, 9)}
    ins_audit = "INSERT INTO audit_event (occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes, hash) VALUES (?,?,?,'fire',?,?,NULL,?,?) RETURNING id"
    upd, ins_audit = upd.replace("?", mark), ins_audit.replace("?", mark)
    start = time.perf_counter()
    for i in range(n):
        cid = case_ids[i % len(case_ids)]
        current, version = versions[cid]
        trigger, dest = CYCLE[current]
        at = clock.now()
        now = ts(at)
        rows = [{**r, "case_id": cid, "state": dest, "fire_at": ts(r["fire_at"]), "due_at": ts(r["due_at"])}
                for r in deadline_rows(rule, at)]  # fmt: skip
        changes = audit.canonical_json(
            {"state": [current, dest], "trigger": trigger, "version": [version, version + 1]}
        )
        if not is_pg:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(load, {"id": cid}).fetchone()
        cur.execute(upd, (dest, now, now, cid, version))
        assert cur.rowcount == 1
        cur.execute(rewrite_dl[len(rows)], deadlines._rewrite_params(rows))  # the engine's one UPDATE
        digest = audit.content_hash(at, user.id, cid, "fire", current, dest, None, changes)
        cur.execute(ins_audit, (now, user.id, cid, current, dest, changes, digest)).fetchone()
        if is_pg:
            dbapi.commit()
        else:
            cur.execute("COMMIT")
        versions[cid] = (dest, version + 1)
        progress("plain SQL", i + 1, n)
    rate = n / (time.perf_counter() - start)
    raw.close()
    return rate


def run_commit_ceiling(db: Database, n: int) -> float:
    """What the database and disk allow at all: a one-row INSERT and a COMMIT per transaction on the raw
    DBAPI connection (no case, no deadline, no audit chain)."""
    raw = db.engine.raw_connection()
    dbapi = raw.driver_connection
    cur = dbapi.cursor()
    cur.execute("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, note VARCHAR(20))")
    dbapi.commit()
    insert = "INSERT INTO bench_commit (id, note) VALUES ({0}, {0})".format("?" if db.is_sqlite else "%s")
    start = time.perf_counter()
    for i in range(n):
        if db.is_sqlite:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(insert, (i, "x"))
        dbapi.commit() if not db.is_sqlite else cur.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    raw.close()
    return rate


def _current_versions(db: Database, case_ids: list[int]) -> dict[int, tuple[str, int]]:
    with db.session() as s:
        rows = s.execute(
            select(CaseRecord.id, CaseRecord.state, CaseRecord.version).where(CaseRecord.id.in_(case_ids))
        )
        return {r.id: (r.state, r.version) for r in rows}


def run_naive(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """ORM load, a new transitions.Machine per case, ORM objects for deadlines and audit, flush + commit."""
    from transitions import Machine

    defn = definitions.get_definition("bench_cycle")
    spec = [{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in defn.transitions]
    rule = defn.states["s1"].due
    start = time.perf_counter()
    for i in range(n):
        cid = case_ids[i % len(case_ids)]
        with db.transaction() as s:
            case = s.get(CaseRecord, cid)

            class Model:
                pass

            model = Model()
            Machine(
                model=model,
                states=list(defn.states),
                transitions=spec,
                initial=case.state,
                auto_transitions=False,
            )
            trigger, _ = CYCLE[case.state]
            source = case.state
            getattr(model, trigger)()
            now = clock.now()
            case.state, case.version, case.state_entered_at, case.updated_at = (
                model.state,
                case.version + 1,
                now,
                now,
            )
            s.execute(delete(CaseDeadline).where(CaseDeadline.case_id == cid))
            for r in deadline_rows(rule, now):
                s.add(CaseDeadline(case_id=cid, state=model.state, status="pending", **r))
            changes = {"state": [source, model.state], "version": [case.version - 1, case.version]}
            s.add(audit.AuditEvent(**audit.event_row(action="fire", actor_id=user.id, case_id=cid, from_state=source,
                                                     to_state=model.state, changes=changes, occurred_at=now)))  # fmt: skip
        progress("naive ORM", i + 1, n)
    return n / (time.perf_counter() - start)


def run_spiff(db: Database, user: User, case_ids: list[int], n: int) -> float | None:
    """SpiffWorkflow BPMN: per transition, load the case's workflow JSON, complete the ready task, store
    the JSON back and append an audit row, one transaction each."""
    try:
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.util.task import TaskState
    except ImportError:
        print("  SpiffWorkflow is not installed (pip install '.[bench]'): skipped", file=sys.stderr)
        return None
    parser = BpmnParser()
    parser.add_bpmn_file(str(ROOT / "bench" / "cycle.bpmn"))
    spec = parser.get_spec("cycle")
    serializer = BpmnWorkflowSerializer()
    with db.transaction() as s:
        s.execute(text("CREATE TABLE bench_spiff_case (id INTEGER PRIMARY KEY, data TEXT NOT NULL)"))
        for cid in case_ids:
            wf = BpmnWorkflow(spec)
            wf.do_engine_steps()
            s.execute(
                text("INSERT INTO bench_spiff_case (id, data) VALUES (:id, :d)"),
                {"id": cid, "d": serializer.serialize_json(wf)},
            )
    start = time.perf_counter()
    for i in range(n):
        cid = case_ids[i % len(case_ids)]
        with db.transaction() as s:
            data = s.execute(
                text("SELECT data FROM bench_spiff_case WHERE id = :id"), {"id": cid}
            ).scalar_one()
            wf = serializer.deserialize_json(data)
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            source = task.task_spec.bpmn_id
            task.run()
            wf.do_engine_steps()
            dest = wf.get_tasks(state=TaskState.READY, manual=True)[0].task_spec.bpmn_id
            s.execute(
                text("UPDATE bench_spiff_case SET data = :d WHERE id = :id"),
                {"id": cid, "d": serializer.serialize_json(wf)},
            )
            audit.append(s, action="bench_spiff", actor_id=user.id, case_id=cid, from_state=source, to_state=dest)
        progress("SpiffWorkflow", i + 1, n)
    return n / (time.perf_counter() - start)


# --- sweep and verify -------------------------------------------------------------------------------------
def bench_sweep(db: Database, case_ids: list[int], rows: int, due: int) -> tuple[float, int]:
    """``rows`` pending deadlines (``due`` of them due now), generated in SQL; time one sweep."""
    now = clock.now()
    future, past = now + timedelta(days=30), now - timedelta(hours=1)
    n_cases, first = len(case_ids), min(case_ids)
    with db.transaction() as s:
        s.execute(delete(CaseDeadline))
        s.execute(
            text(
                "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :rows) "
                "INSERT INTO case_deadline (case_id, slot, state, kind, fire_at, due_at, is_working_days, status) "
                "SELECT :first + (i % :n_cases), i / :n_cases, 's1', 'due', CASE WHEN i <= :due THEN :past ELSE :future END, "
                ":future, false, 'pending' FROM seq"
            ),
            {"rows": rows, "first": first, "n_cases": n_cases, "due": due, "past": past.replace(tzinfo=None), "future": future.replace(tzinfo=None)},
        )  # fmt: skip
        if not db.is_sqlite:
            s.execute(text("ANALYZE case_deadline"))
        else:
            s.execute(text("ANALYZE"))
    start = time.perf_counter()
    with db.transaction() as s:
        claimed = sweep(s, now).claimed
    elapsed = time.perf_counter() - start
    return elapsed, claimed


def fill_audit(db: Database, user: User, target: int) -> int:
    """Append events (Core executemany, content hashes computed here) until the table holds ``target``."""
    with db.session() as s:
        have = s.execute(text("SELECT count(*) FROM audit_event")).scalar()
    insert = text(
        "INSERT INTO audit_event (occurred_at, actor_id, case_id, action, from_state, to_state, reason, "
        "changes, hash) VALUES (:at, :actor, NULL, 'bench', 's1', 's2', NULL, :changes, :hash)"
    )
    at = clock.now()
    naive = at.replace(tzinfo=None)
    changes = audit.canonical_json({"n": 1})
    digest = audit.content_hash(at, user.id, None, "bench", "s1", "s2", None, changes)
    todo, batch = target - have, []
    for k in range(1, todo + 1):
        batch.append({"at": naive, "actor": user.id, "changes": changes, "hash": digest})
        if len(batch) == 20_000 or k == todo:
            with db.transaction() as s:
                s.execute(insert, batch)
            batch = []
            progress("audit fill", k, todo)
    return target


def bench_audit(db: Database, keydir: Path) -> dict:
    """Seal everything pending (rate), verify the whole log (time), and prove events (time per proof)."""
    key = signing.load_or_create(keydir / "key.pem")
    anchor_file = keydir / "anchors.jsonl"
    with db.session() as s:
        pending = s.execute(text("SELECT count(*) FROM audit_pending")).scalar()
    start = time.perf_counter()
    heads = seals.run(db, key, anchor_file, limit=50_000)
    seal_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with db.session() as s:
        report = verify(s, signing.public_text(key), anchor_file)
    verify_seconds = time.perf_counter() - start
    size = heads[-1].size if heads else report.checked
    with db.session() as s:
        ids = [s.execute(text("SELECT event_id FROM audit_seal WHERE position = :p"), {"p": p}).scalar()
               for p in (1, size // 3, size // 2, size - 1, size)]  # fmt: skip
        start = time.perf_counter()
        receipts = [proofs.prove(s, event_id) for event_id in ids for _ in range(20)]
        prove_ms = (time.perf_counter() - start) * 1000 / len(receipts)
    bad = [r for r in receipts[::20] if proofs.check(r, signing.public_text(key))]
    return {"pending": pending, "seal_seconds": seal_seconds, "verify_seconds": verify_seconds, "report": report,
            "prove_ms": prove_ms, "proofs_ok": not bad}  # fmt: skip


# --- main ---------------------------------------------------------------------------------------------
def run_backend(backend: str, args) -> dict:
    url, drop = create_database(backend)
    db = Database(url)
    keydir = Path(tempfile.mkdtemp(prefix="spmp-bench-audit-"))
    out: dict = {"backend": backend}
    server = ServerCpu(db)
    try:
        migrate.upgrade(db, args.migrate_to)
        user, case_ids = seed(db, args.cases)
        out["load"] = os.getloadavg()
        rss0 = rss_mib()
        out["engine"] = measured(server, args.transitions, lambda: run_many(db, user, case_ids, args.transitions))
        out["rss"] = (rss0, rss_mib())
        if backend == "postgresql" and args.workers > 1:
            out["engine_workers"] = run_workers(db, user, case_ids, args.transitions, args.workers, keydir, server)
        out["engine_session"] = measured(server, args.baseline, lambda: run_engine(db, user, case_ids, args.baseline))
        out["floor"] = measured(server, args.baseline, lambda: run_floor(db, user, case_ids, args.baseline))
        if args.rounds:
            out["paired"] = run_paired(db, user, case_ids, args.baseline, args.rounds, server)
        out["ceiling"] = measured(server, args.baseline, lambda: run_commit_ceiling(db, args.baseline))
        out["naive"] = run_naive(db, user, case_ids, args.baseline)
        out["spiff"] = run_spiff(db, user, case_ids, args.baseline) if not args.no_spiff else None
        out["sweep"] = bench_sweep(db, case_ids, args.sweep_rows, args.sweep_due)
        if args.audit_events:
            fill_audit(db, user, args.audit_events)
            out["audit"] = bench_audit(db, keydir)
        out["load_after"] = os.getloadavg()
    finally:
        server.close()
        db.dispose()
        drop()
        shutil.rmtree(keydir, ignore_errors=True)
    return out


def report(out: dict, args) -> None:
    engine = out["engine"]
    line = "{:<30}{}".format
    load = "load average " + " / ".join(f"{x:.2f}" for x in out["load"])
    print(f"\n== {out['backend']} ==  ({load} at the start, {out['load_after'][0]:.2f} at the end; {os.cpu_count()} cores)")
    print(line(f"{ENGINE_MODES['many']}:", f"{engine:10,.0f} transitions/s  ({args.transitions:,} transitions, {args.cases:,} cases)"))  # fmt: skip
    print(line("", engine.cpu_text()))
    print(line("RSS before/after:", f"{out['rss'][0]:.1f} MiB / {out['rss'][1]:.1f} MiB"))
    if "engine_workers" in out:
        rate, lag, sealed, busy = out["engine_workers"]
        line2 = (f"{rate:10,.0f} transitions/s  (= {rate / engine:.2f}x one connection; {args.transitions:,} "
                 "transitions, fire_many on held connections)")  # fmt: skip
        print(line(f"{args.workers} concurrent workers:", line2))
        print(line("", f"{rate.cpu_text()} (workers and sequencer); the machine was {busy:.0%} busy"))
        print(line("sequencer during them:", f"{lag:10.2f} s largest lag (oldest unsealed event); log sealed to {sealed:,}"))
    for key, label in (
        ("engine_session", ENGINE_MODES["session"]),
        ("floor", "plain-SQL floor"),
        ("ceiling", "1-row INSERT + COMMIT"),
        ("naive", "naive Machine+ORM"),
        ("spiff", "SpiffWorkflow"),
    ):
        rate = out.get(key)
        figure = "not measured" if rate is None else (
            f"{rate:10,.0f} transitions/s  (engine / this = {engine / rate:.2f}x; {args.baseline:,} transitions)"
        )  # fmt: skip
        print(line(f"{label}:", figure))
        if isinstance(rate, Figure):
            print(line("", rate.cpu_text()))
    if out.get("paired"):
        ratios = sorted(e / f for e, f in out["paired"])
        cpu = sorted(e.client_us / f.client_us for e, f in out["paired"])
        print(line("fire_many / floor, paired:", f"{statistics.median(ratios):10.2f}x median of {len(ratios)} rounds "
                   f"({', '.join(f'{r:.2f}' for r in ratios)}); client CPU engine / floor {statistics.median(cpu):.2f}x"))  # fmt: skip
        for e, f in out["paired"]:
            print(line("", f"{e:,.0f}/s ({e.cpu_text()}) vs floor {f:,.0f}/s ({f.cpu_text()})"))
    seconds, claimed = out["sweep"]
    print(line("sweep:", f"{seconds:10.3f} s to claim {claimed:,} due of {args.sweep_rows:,} open deadlines"))
    if "audit" in out:
        a = out["audit"]
        rate = a["pending"] / a["seal_seconds"] if a["seal_seconds"] else 0
        print(line("audit seal:", f"{a['seal_seconds']:10.2f} s for {a['pending']:,} pending events ({rate:,.0f} events/s)"))
        verdict = "ok" if a["report"].ok else "; ".join(a["report"].problems)
        print(line("audit verify:", f"{a['verify_seconds']:10.2f} s for {a['report'].checked:,} events ({verdict})"))
        print(line("inclusion proof:", f"{a['prove_ms']:10.2f} ms each (checked offline: {'ok' if a['proofs_ok'] else 'FAILED'})"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--transitions", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=20_000, help="transitions for floor/naive/Spiff")
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--sweep-rows", type=int, default=1_000_000)
    parser.add_argument("--sweep-due", type=int, default=10_000)
    parser.add_argument("--audit-events", type=int, default=1_000_000, help="0 to skip the verify benchmark")
    parser.add_argument("--no-spiff", action="store_true")
    parser.add_argument("--workers", type=int, default=4, help="concurrent workers on PostgreSQL (1: skip)")
    parser.add_argument("--migrate-to", default="head", help="schema revision to benchmark on")
    parser.add_argument("--rounds", type=int, default=3, help="paired fire_many / floor rounds (0: skip)")
    args = parser.parse_args()
    use_bench_workflows()
    for backend in args.backends.split(","):
        print(f"[{backend}]", file=sys.stderr)
        report(run_backend(backend.strip(), args), args)


if __name__ == "__main__":
    main()
