"""``spmp widyaprada absorb-visits`` on a database of its own (the command commits for real)."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from spmp.cli import cli
from spmp.engine.cases import CaseRecord
from spmp.widyaprada.models import WidyapradaTask
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)
from tests.spmp.engine.support import open_visit


def test_absorb_visits_command_dry_run_then_move(cli_env):  # noqa: F811
    db, world = cli_env
    with db.transaction() as session:
        case_id = open_visit(session, world).id
    runner = CliRunner()
    dry = runner.invoke(cli, ["widyaprada", "absorb-visits", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"kasus #{case_id}: school_visit draft -> widyaprada_task direncanakan" in dry.output
    assert "Uji coba: tidak ada yang diubah" in dry.output
    moved = runner.invoke(cli, ["widyaprada", "absorb-visits", "--actor", world["admin"].username])
    assert moved.exit_code == 0 and "Selesai: 1 kunjungan dipindah" in moved.output, moved.output
    with db.session() as session:
        assert session.get(CaseRecord, case_id).type_key == "widyaprada_task"
        assert (
            session.scalar(select(WidyapradaTask.kind).where(WidyapradaTask.case_id == case_id))
            == "supervisi"
        )
    again = runner.invoke(cli, ["widyaprada", "absorb-visits"])
    assert again.exit_code == 0 and "Selesai: 0 kunjungan dipindah" in again.output
    unknown = runner.invoke(cli, ["widyaprada", "absorb-visits", "--actor", "tidak-ada"])
    assert unknown.exit_code == 1 and "tidak ditemukan" in unknown.output
