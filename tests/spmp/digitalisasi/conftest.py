import pytest


@pytest.fixture
def settings_root(tmp_path):
    """Where evidence files (BAST photos) are written."""
    return tmp_path / "evidence"
