"""Workflow engine benchmark: prints figures, is not a pass/fail timer.

    .venv/bin/python bench/engine_bench.py                      # both backends, 100,000 transitions each
    .venv/bin/python bench/engine_bench.py --backends sqlite --transitions 20000 --sweep-rows 100000

For each backend, on a fresh database: fires N transitions of a 4-step cycle (bench/workflows/
bench_cycle.yaml) through ``spmp.engine.fire_now`` on a connection the worker keeps, each in its own
transaction with the hash-chained audit event and the deadline rows, and reports transitions/s and RSS
before/after. In the same run, as ratios: ``fire_now`` with a pool checkout per transition, ``fire`` in a
Session transaction (as a web request does), the plain-SQL floor (the same statements on the raw DBAPI
connection, no engine), a one-row INSERT + COMMIT per transaction (what the database and disk allow at
all), a naive design (ORM load + one ``transitions.Machine`` per case + ORM flush), and SpiffWorkflow
(BPMN, JSON per case) on the same cycle. Then the sweep over 1,000,000 open deadlines of
which 10,000 are due, and ``audit verify`` over 1,000,000 events.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402
from spmp import audit, clock, migrate  # noqa: E402
from spmp.accounts.models import User  # noqa: E402
from spmp.db import Database  # noqa: E402
from spmp.engine import FireItem, deadlines, definitions, fire, fire_many, fire_now, open_case  # noqa: E402
from spmp.engine.calendar import deadline_rows  # noqa: E402
from spmp.engine.cases import CaseDeadline, CaseRecord  # noqa: E402
from spmp.engine.fire import _FIRE_APPLY, _LOAD_CASE  # noqa: E402
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
    "held": "fire_now, held connection",
    "pool": "fire_now, pooled connection",
    "session": "fire in a Session",
}


def run_engine(db: Database, user: User, case_ids: list[int], n: int, mode: str = "held") -> float:
    """Each transition in its own transaction: ``fire_now`` on a Core connection the worker keeps
    ("held", as a bulk tool or the scheduler does) or checked out of the pool per transition ("pool"),
    or ``fire`` in ``db.transaction()`` ("session": a Session per transaction, as a web request does)."""
    state = _current_versions(db, case_ids)
    with db.core_connection() as held:
        start = time.perf_counter()
        for i in range(n):
            cid = case_ids[i % len(case_ids)]
            current, version = state[cid]
            trigger, dest = CYCLE[current]
            if mode == "session":
                with db.transaction() as s:
                    result = fire(s, cid, trigger, user, version)
            else:
                result = fire_now(
                    db, cid, trigger, user, version, connection=held if mode == "held" else None
                )
            state[cid] = (dest, result.version)
            progress(ENGINE_MODES[mode], i + 1, n)
        return n / (time.perf_counter() - start)


def fire_cycle(db: Database, user: User, case_ids: list[int], n: int, connection, on_each) -> None:
    """``n`` transitions round the cases with ``fire_many`` (case rows read 500 at a time, each transition
    its own transaction); any refusal stops the benchmark."""
    state = _current_versions(db, case_ids)

    def items():
        for i in range(n):
            cid = case_ids[i % len(case_ids)]
            current, version = state[cid]
            yield FireItem(cid, CYCLE[current][0], version)

    batch = min(500, len(case_ids))  # a batch holds each case once: its items are made before it runs
    for i, result in enumerate(fire_many(db, user, items(), connection=connection, batch_size=batch), 1):
        if isinstance(result, Exception):
            raise result
        state[result.case_id] = (result.to_state, result.version)
        on_each(i)


def run_many(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """``fire_many`` on a held connection (a bulk tool or the scheduler working through a list)."""
    with db.core_connection() as held:
        start = time.perf_counter()
        fire_cycle(db, user, case_ids, n, held, lambda i: progress(ENGINE_MODES["many"], i, n))
        return n / (time.perf_counter() - start)


def run_workers(db: Database, user: User, case_ids: list[int], n: int, workers: int) -> float:
    """``workers`` processes (as several web or worker processes would be), each with its own engine, a
    held connection and its own share of the cases, firing ``n`` transitions between them with
    ``fire_many``. PostgreSQL only: SQLite has one writer at a time."""
    shares = [case_ids[w::workers] for w in range(workers)]
    per_worker = n // workers
    fork = multiprocessing.get_context("fork")
    done = fork.Value("i", 0)
    db.engine.dispose()  # the children must not share the parent's connections
    children = [
        fork.Process(target=_worker, args=(db.url, user, share, per_worker, done)) for share in shares
    ]
    start = time.perf_counter()
    for child in children:
        child.start()
    while any(child.is_alive() for child in children):
        time.sleep(0.5)
        progress(f"{workers} workers", min(done.value, n - 1), n)
    elapsed = time.perf_counter() - start
    if any(child.exitcode for child in children):
        raise SystemExit("a worker process failed")
    progress(f"{workers} workers", n, n)
    return per_worker * workers / elapsed


def _worker(url: str, user: User, share: list[int], count: int, done) -> None:
    def counted(i: int) -> None:
        if i % 100 == 0:
            with done.get_lock():
                done.value += 100

    db = Database(url)
    with db.core_connection() as held:
        fire_cycle(db, user, share, count, held, counted)
    db.dispose()


def run_floor(db: Database, user: User, case_ids: list[int], n: int) -> float:
    """The statements the engine sends (the same case read, writes and hash) on the raw DBAPI connection,
    no engine: on SQLite, BEGIN IMMEDIATE, the case read, the guarded UPDATE, the deadline rewrite, the
    chain head, the audit INSERT and COMMIT; on PostgreSQL, the case read and one autocommitted
    ``case_fire_apply``."""
    is_pg = not db.is_sqlite
    raw = db.engine.raw_connection()
    dbapi = raw.driver_connection
    if is_pg:
        dbapi.autocommit = True
    cur = dbapi.cursor()
    dialect = "postgresql" if is_pg else "sqlite"
    rule = definitions.get_definition("bench_cycle").states["s1"].due
    versions = _current_versions(db, case_ids)

    def ts(value):  # what UTCDateTime stores
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive if is_pg else naive.isoformat(" ", "microseconds")

    load = getattr(_LOAD_CASE, dialect)
    upd = "UPDATE case_record SET state=?, version=version+1, state_entered_at=?, updated_at=? WHERE id=? AND version=?"
    rewrite_dl = {n: deadlines._rewrite(n).sqlite for n in range(1, 9)}
    head = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
    ins_audit = "INSERT INTO audit_event (id, occurred_at, actor_id, case_id, action, from_state, to_state, reason, changes, prev_hash, hash) VALUES (?,?,?,?,'fire',?,?,NULL,?,?,?)"
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
        if is_pg:
            cur.execute(load, {"id": cid}).fetchone()
            params = {"id": cid, "seen": version, "state": dest, "entered": now, "closed": None, "now": now,
                      "effect": "restart", "kinds": [r["kind"] for r in rows], "fire_ats": [r["fire_at"] for r in rows],
                      "escalate": [r["escalate_to_role"] for r in rows], "due_at": rows[0]["due_at"], "working": False,
                      "drop_surplus": False, "actor_id": user.id, "from_state": current, "reason": None,
                      "changes": changes, "payload": audit.hash_payload_middle(at, user.id, cid, "fire", current, dest, None, changes)}  # fmt: skip
            assert cur.execute(_FIRE_APPLY.postgresql, params).fetchone() is not None
        else:
            cur.execute("BEGIN IMMEDIATE")
            cur.execute(load, {"id": cid}).fetchone()
            cur.execute(upd, (dest, now, now, cid, version))
            assert cur.rowcount == 1
            cur.execute(rewrite_dl[len(rows)], deadlines._rewrite_params(rows))  # the engine's one UPDATE
            last_id, prev = cur.execute(head).fetchone()
            digest = audit.event_hash(
                last_id + 1, at, user.id, cid, "fire", current, dest, None, changes, prev
            )
            cur.execute(ins_audit, (last_id + 1, now, user.id, cid, current, dest, changes, prev, digest))
            cur.execute("COMMIT")
        versions[cid] = (dest, version + 1)
        progress("plain SQL", i + 1, n)
    rate = n / (time.perf_counter() - start)
    if is_pg:
        dbapi.autocommit = False
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
            last = s.execute(
                select(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).limit(1)
            ).scalar_one()
            changes = audit.canonical_json({"state": [source, model.state]})
            digest = audit.event_hash(
                last.id + 1, now, user.id, cid, "fire", source, model.state, None, changes, last.hash
            )
            s.add(audit.AuditEvent(id=last.id + 1, occurred_at=now, actor_id=user.id, case_id=cid, action="fire",
                                   from_state=source, to_state=model.state, changes=changes, prev_hash=last.hash, hash=digest))  # fmt: skip
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
            audit.append(s, action="fire", actor_id=user.id, case_id=cid, from_state=source, to_state=dest)
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
    """Append chained events (Core executemany, hashes computed here) until the table holds ``target``."""
    with db.session() as s:
        last_id, prev = s.execute(text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")).one()
    insert = text(
        "INSERT INTO audit_event (id, occurred_at, actor_id, case_id, action, from_state, to_state, reason, "
        "changes, prev_hash, hash) VALUES (:id, :at, :actor, NULL, 'bench', 's1', 's2', NULL, :changes, :prev, :hash)"
    )
    at = clock.now()
    naive = at.replace(tzinfo=None)
    changes = audit.canonical_json({"n": 1})
    todo = target - last_id
    batch = []
    for k in range(1, todo + 1):
        event_id = last_id + k
        digest = audit.event_hash(event_id, at, user.id, None, "bench", "s1", "s2", None, changes, prev)
        batch.append(
            {"id": event_id, "at": naive, "actor": user.id, "changes": changes, "prev": prev, "hash": digest}
        )
        prev = digest
        if len(batch) == 20_000 or k == todo:
            with db.transaction() as s:
                s.execute(insert, batch)
            batch = []
            progress("audit fill", k, todo)
    return target


def bench_verify(db: Database) -> tuple[float, audit.VerifyResult]:
    start = time.perf_counter()
    with db.session() as s:
        result = audit.verify(s)
    return time.perf_counter() - start, result


# --- main ---------------------------------------------------------------------------------------------
def run_backend(backend: str, args) -> dict:
    url, drop = create_database(backend)
    db = Database(url)
    out: dict = {"backend": backend}
    try:
        migrate.upgrade(db, args.migrate_to)
        user, case_ids = seed(db, args.cases)
        rss0 = rss_mib()
        out["engine"] = run_many(db, user, case_ids, args.transitions)
        out["rss"] = (rss0, rss_mib())
        if backend == "postgresql" and args.workers > 1:
            out["engine_workers"] = run_workers(db, user, case_ids, args.transitions, args.workers)
        out["engine_held"] = run_engine(db, user, case_ids, args.baseline, mode="held")
        out["engine_pool"] = run_engine(db, user, case_ids, args.baseline, mode="pool")
        out["engine_session"] = run_engine(db, user, case_ids, args.baseline, mode="session")
        out["floor"] = run_floor(db, user, case_ids, args.baseline)
        out["ceiling"] = run_commit_ceiling(db, args.baseline)
        out["naive"] = run_naive(db, user, case_ids, args.baseline)
        out["spiff"] = run_spiff(db, user, case_ids, args.baseline) if not args.no_spiff else None
        out["sweep"] = bench_sweep(db, case_ids, args.sweep_rows, args.sweep_due)
        if args.audit_events:
            fill_audit(db, user, args.audit_events)
            out["verify"] = bench_verify(db)
    finally:
        db.dispose()
        drop()
    return out


def report(out: dict, args) -> None:
    engine = out["engine"]
    line = "{:<30}{}".format
    print(f"\n== {out['backend']} ==")
    print(line(f"{ENGINE_MODES['many']}:", f"{engine:10,.0f} transitions/s  ({args.transitions:,} transitions, {args.cases:,} cases)"))  # fmt: skip
    print(line("RSS before/after:", f"{out['rss'][0]:.1f} MiB / {out['rss'][1]:.1f} MiB"))
    if "engine_workers" in out:
        line2 = f"{out['engine_workers']:10,.0f} transitions/s  ({args.transitions:,} transitions, fire_many on held connections)"
        print(line(f"{args.workers} concurrent workers:", line2))
    for key, label in (
        ("engine_held", ENGINE_MODES["held"]),
        ("engine_pool", ENGINE_MODES["pool"]),
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
    seconds, claimed = out["sweep"]
    print(line("sweep:", f"{seconds:10.3f} s to claim {claimed:,} due of {args.sweep_rows:,} open deadlines"))
    if "verify" in out:
        seconds, result = out["verify"]
        verdict = "ok" if result.ok else result.message()
        print(line("audit verify:", f"{seconds:10.2f} s for {result.checked:,} events ({verdict})"))


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
    args = parser.parse_args()
    use_bench_workflows()
    for backend in args.backends.split(","):
        print(f"[{backend}]", file=sys.stderr)
        report(run_backend(backend.strip(), args), args)


if __name__ == "__main__":
    main()
