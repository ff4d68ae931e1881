from spmp import audit
from spmp.engine import available_actions, fire
from tests.spmp.engine.support import make_world, open_visit


def test_smoke(session):
    world = make_world(session)
    case = open_visit(session, world)
    opts = available_actions(session, case, world["widyaprada"])
    print([(o.transition.trigger, o.allowed, o.reason) for o in opts])
    r = fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-12-10"})
    assert r.to_state == "scheduled"
    assert audit.verify(session).ok
