"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest

from spmp import clock, migrate
from spmp.db import Database
from spmp.regions.reference import load_reference
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


@pytest.fixture
def cli_env(make_database, tmp_path, monkeypatch):
    """A database of its own (commands commit for real), with a world, that ``spmp`` commands use."""
    url = make_database("enginecli")
    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        world = make_world(session)
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path / "instance"))
    yield db, world
    db.dispose()
