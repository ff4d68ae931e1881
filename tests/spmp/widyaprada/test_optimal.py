"""The optimal whole-unit assignment: equal to brute force (least sum of squared loads, then least total
distance) on small instances with conflicts and on a small unit in the database; never worse than the
greedy assignments; applied with an audit event and a notice per Widyaprada; the CLI with --dry-run."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from spmp.accounts import conflicts
from spmp.accounts.models import SchoolAssignment
from spmp.audit import AuditEvent
from spmp.cli import cli
from spmp.engine import ActionRefused
from spmp.notifications.models import Notification
from spmp.widyaprada import optimal
from spmp.widyaprada.balancing import haversine_km
from tests.factories import make_school
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)
from tests.spmp.engine.support import make_user, make_world, unit_of


def brute_force(cost_km, base, allowed):
    """(sum of squared loads, total cost in tenths of a km) of the best of every possible assignment."""
    units = np.rint(cost_km * optimal.KM_UNITS).astype(np.int64)
    schools, people = cost_km.shape
    best = None
    for combo in itertools.product(range(people), repeat=schools):
        if all(allowed[s, p] for s, p in enumerate(combo)):
            loads = base + np.bincount(combo, minlength=people)
            key = (int((loads**2).sum()), int(sum(units[s, p] for s, p in enumerate(combo))))
            best = key if best is None or key < best else best
    return best


def score(chosen, cost_km, base):
    units = np.rint(cost_km * optimal.KM_UNITS).astype(np.int64)
    loads = base + np.bincount(chosen, minlength=len(base))
    return int((loads**2).sum()), int(units[np.arange(len(chosen)), chosen].sum())


def test_optimal_equals_brute_force_on_small_instances():
    rng = np.random.default_rng(7)
    for _ in range(150):
        schools, people = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        cost = rng.uniform(0, 300, (schools, people))
        base = rng.integers(0, 4, people)
        allowed = rng.random((schools, people)) > 0.25  # conflicts
        allowed[np.arange(schools), rng.integers(0, people, schools)] = True  # everyone has someone
        assert score(optimal.solve_optimal(cost, base, allowed), cost, base) == brute_force(
            cost, base, allowed
        )


def test_conflicts_force_the_convex_network():
    # Three schools only Ani may take (Budi has a conflict with each): the water level (2 each) is out of
    # reach; the most even spread allowed is Ani 3, Budi 0 plus the free school going to Budi.
    cost = np.array([[10.0, 1.0], [10.0, 1.0], [10.0, 1.0], [50.0, 60.0]])
    allowed = np.array([[True, False], [True, False], [True, False], [True, True]])
    chosen = optimal.solve_optimal(cost, np.zeros(2, dtype=np.int64), allowed)
    assert chosen.tolist() == [0, 0, 0, 1]


@pytest.fixture
def small_unit(session):
    """BPMP NTT with three Widyaprada (anchors at hand-set places) and six schools to plan."""
    w = make_world(session)
    session.query(SchoolAssignment).delete()
    for name in ("widyaprada", "widyaprada2"):
        w[name].is_active = False
    ntt = unit_of(session, "53")
    people = [make_user(session, "widyaprada", unit_id=ntt) for _ in range(3)]
    for person, (lat, lon) in zip(people, [(-10.2, 123.6), (-9.7, 120.3), (-8.6, 121.1)], strict=True):
        anchor = make_school(session, regency_code="53.71", latitude=lat, longitude=lon)
        session.add(SchoolAssignment(user_id=person.id, school_id=anchor.id, assigned_at=anchor.created_at))
    w.school.latitude, w.school.longitude = -10.1, 123.5
    places = [(-10.0, 123.4), (-9.8, 120.5), (-8.7, 121.0), (-10.3, 123.9), (-9.5, 120.1)]
    planned = [w.school] + [
        make_school(session, regency_code="53.71", latitude=a, longitude=b) for a, b in places
    ]
    session.flush()
    return w, people, planned


def test_small_unit_plan_equals_brute_force_and_beats_greedy(session, small_unit):
    w, people, planned = small_unit
    conflicts.record_conflict(session, w["admin"], username=people[0].username, npsn=planned[1].npsn,
                              kind="former_school", reason="Bekas sekolah")  # fmt: skip
    plan = optimal.plan_unit(session, unit_of(session, "53"))
    assert sorted(plan.school_ids.tolist()) == sorted(
        s.id for s in planned
    )  # the other unit's school stays out
    # The cost matrix computed independently: haversine from each school to each anchor.
    index = {int(s): k for k, s in enumerate(plan.school_ids)}
    by_id = {s.id: s for s in planned}
    anchors = [(-10.2, 123.6), (-9.7, 120.3), (-8.6, 121.1)]
    order = [next(k for k, p in enumerate(plan.people) if p.id == person.id) for person in people]
    cost = np.zeros((len(planned), 3))
    for sid, s in index.items():
        for k, (lat, lon) in zip(order, anchors, strict=True):
            cost[s, k] = haversine_km(by_id[sid].latitude, by_id[sid].longitude, lat, lon)
    allowed = np.ones(cost.shape, dtype=bool)
    allowed[index[planned[1].id], order[0]] = False
    base = np.ones(3, dtype=np.int64)  # one anchor school each
    assert score(plan.optimal.chosen, cost, base) == brute_force(cost, base, allowed)
    assert plan.optimal.chosen[index[planned[1].id]] != order[0]  # the conflict is respected
    figures = {row["label"]: row for row in plan.comparison()}
    best, nearest, suggest = (figures[a.label] for a in (plan.optimal, *plan.greedy))
    assert (best["max_load"], best["min_load"]) == (3, 3)  # 1 + 6 / 3 each
    assert best["total_km"] <= suggest["total_km"] + 1e-6
    assert best["sum_squares"] <= min(nearest["sum_squares"], suggest["sum_squares"])


def test_apply_plan_assigns_audits_and_tells(session, small_unit):
    w, people, planned = small_unit
    plan = optimal.plan_unit(session, unit_of(session, "53"))
    with pytest.raises(ActionRefused, match="tidak dapat menugaskan"):
        optimal.apply_plan(session, people[0], plan)
    assert optimal.apply_plan(session, w["bpmp_head"], plan) == 6
    held = session.scalars(
        select(SchoolAssignment.school_id).where(SchoolAssignment.user_id.in_([p.id for p in people]))
    )
    assert {s.id for s in planned} <= set(held)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.assign")).all()
    assert sorted(len(json.loads(e.changes)["school_ids"]) for e in events) == [2, 2, 2]
    for person in people:
        notice = session.scalar(select(Notification).where(Notification.user_id == person.id))
        assert notice.title == "2 sekolah binaan baru"
    assert len(optimal.plan_unit(session, unit_of(session, "53")).school_ids) == 0  # nothing left to plan


def test_cli_dry_run_then_apply(cli_env):  # noqa: F811
    db, world = cli_env
    with db.transaction() as session:
        for _ in range(4):
            make_school(session, regency_code="53.71", latitude=-10.1, longitude=123.6)
    runner = CliRunner()
    dry = runner.invoke(cli, ["widyaprada", "assign-optimal", "--unit", "BPMP-NTT", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 sekolah belum dibina, 2 Widyaprada aktif" in dry.output
    assert "Optimal (min-cost flow)" in dry.output and "Serakah: terdekat" in dry.output
    assert "Uji coba: tidak ada yang diubah" in dry.output
    assert (
        runner.invoke(cli, ["widyaprada", "assign-optimal", "--unit", "BPMP-NTT"]).exit_code == 2
    )  # no --as
    done = runner.invoke(
        cli, ["widyaprada", "assign-optimal", "--unit", "BPMP-NTT", "--as", world["bpmp_head"].username]
    )
    assert done.exit_code == 0 and "Selesai: 4 sekolah masuk sekolah binaan" in done.output, done.output
    unknown = runner.invoke(cli, ["widyaprada", "assign-optimal", "--unit", "BPMP-XX", "--dry-run"])
    assert unknown.exit_code == 1 and "tidak ditemukan" in unknown.output
