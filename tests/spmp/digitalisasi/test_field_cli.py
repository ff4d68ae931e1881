"""The command line: ``spmp digitalisasi open-verval`` opens a regency's verval cases once (refused for a
user who may not, with its reason); ``spmp digitalisasi remind-usage`` reminds the silent schools once."""

from __future__ import annotations

from sqlalchemy import func, select

from spmp.digitalisasi.field_models import UsageReminder, VervalCase
from spmp.digitalisasi.readiness import compute_readiness
from tests.factories import make_school
from tests.spmp.digitalisasi.field_support import received_world
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)


def test_open_verval_and_remind_usage(cli_env, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from spmp.cli import cli

    db, _world = cli_env
    with db.transaction() as session:
        w = received_world(session, tmp_path / "evidence")
        make_school(session, regency_code="53.71", name="SD Negeri Tambahan")
        compute_readiness(session, 2026, province_code="53")
        staff, operator = w["staff"].username, w["op_a"].username
    args = ["digitalisasi", "open-verval", "--year", "2026", "--regency", "53.71", "--as"]
    refused = CliRunner().invoke(cli, [*args, operator])
    assert refused.exit_code == 1 and "Hanya staf atau kepala B/BPMP" in refused.output
    done = CliRunner().invoke(cli, [*args, staff])
    assert done.exit_code == 0, done.output
    with db.session() as session:
        opened = session.scalar(select(func.count()).select_from(VervalCase))
    assert opened >= 3 and f"Verval dibuka: {opened} sekolah sasaran 53.71" in done.output
    assert "Verval dibuka: 0 sekolah" in CliRunner().invoke(cli, [*args, staff]).output
    first = CliRunner().invoke(cli, ["digitalisasi", "remind-usage"])
    assert first.exit_code == 0 and "Pengingat laporan penggunaan Digitalisasi: 2" in first.output
    again = CliRunner().invoke(cli, ["digitalisasi", "remind-usage"])
    assert "Pengingat laporan penggunaan Digitalisasi: 0" in again.output
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(UsageReminder)) == 2
