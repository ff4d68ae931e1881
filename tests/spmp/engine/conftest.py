"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest

from spmp import clock
from tests.spmp.engine.support import MONDAY, make_world


@pytest.fixture
def frozen():
    """A controllable clock starting on a Monday morning (WIB)."""
    now = {"t": MONDAY}
    clock.set_clock(lambda: now["t"])
    yield now
    clock.set_clock(None)


@pytest.fixture
def world(session):
    return make_world(session)
