"""Markers for tests that exercise one backend's own mechanism (SPMP_TEST_DATABASE picks the backend)."""

import os

import pytest

ON_SQLITE = os.environ.get("SPMP_TEST_DATABASE", "sqlite") == "sqlite"

sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="exercises a SQLite-only mechanism")
postgresql_only = pytest.mark.skipif(ON_SQLITE, reason="exercises a PostgreSQL-only mechanism")
