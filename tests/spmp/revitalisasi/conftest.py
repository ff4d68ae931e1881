"""Fixtures of the Revitalisasi tests."""

from __future__ import annotations

import pytest

from tests.spmp.engine.support import make_world
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON


@pytest.fixture
def world(session):
    """The engine tests' world (``make_world``) with its school at (SCHOOL_LAT, SCHOOL_LON), where the
    geotagged test photos are taken. A module that needs another world defines its own ``world``."""
    w = make_world(session)
    w.school.latitude, w.school.longitude = SCHOOL_LAT, SCHOOL_LON
    session.flush()
    return w
