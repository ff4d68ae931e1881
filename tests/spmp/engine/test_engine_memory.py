"""One compiled machine per (key, version): firing on many cases does not grow memory per case."""

from __future__ import annotations

import gc
import tracemalloc

from spmp.engine import definitions, fire
from tests.spmp.engine.support import make_world, open_visit


def _fire_round(session, world, cases):
    for case in cases:
        fire(session, case.id, "cancel", world["bpmp_staff"], 1)


def test_memory_does_not_grow_per_case_fired(session):
    world = make_world(session)
    machine = definitions.get_definition("school_visit").machine
    warmup = [open_visit(session, world) for _ in range(20)]
    _fire_round(session, world, warmup)
    cases = [open_visit(session, world) for _ in range(300)]
    session.expunge_all()  # only what firing itself keeps alive is measured
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    _fire_round(session, world, cases)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # A Machine per case would cost ~35 KiB each (~10 MiB here); allow a small constant amount.
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over {len(cases)} cases"
    assert definitions.get_definition("school_visit").machine is machine
    assert machine.models == []  # no model was ever added to the shared machine
