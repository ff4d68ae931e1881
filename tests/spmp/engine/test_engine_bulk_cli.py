"""``spmp cases fire FILE --as USER``: transitions from a CSV file through ``fire_many``."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from spmp import audit
from spmp.cli import cli
from spmp.engine.cases import CaseRecord
from tests.audit_support import log_ok
from tests.spmp.engine.support import open_visit


def _open(db, world, n: int) -> list[int]:
    with db.transaction() as session:
        return [open_visit(session, world).id for _ in range(n)]


def _states(db, ids):
    with db.session() as session:
        return [(session.get(CaseRecord, i).state, session.get(CaseRecord, i).version) for i in ids]


def test_fires_each_row_and_reports_the_refused_ones_by_line(cli_env, tmp_path):
    db, world = cli_env
    first, second, third = _open(db, world, 3)
    events_before = _event_count(db)
    csv = tmp_path / "batal.csv"
    csv.write_text(
        "case_id;trigger;version;reason\n"
        f"{first};cancel;1;Sekolah digabung\n"
        "\n"
        f"{second};cancel;7;\n"  # stale: reported, the others go on
        f"{third};take_over;1;\n",  # only a Widyaprada may
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["cases", "fire", str(csv), "--as", world["bpmp_staff"].username])
    assert result.exit_code == 1
    assert f"baris 4: kasus #{second} cancel: Kasus ini telah berubah, muat ulang halaman" in result.output
    assert f"baris 5: kasus #{third} take_over: Hanya Widyaprada" in result.output
    assert "Selesai: 1 dijalankan, 2 ditolak" in result.output
    assert _states(db, [first, second, third]) == [("cancelled", 2), ("draft", 1), ("draft", 1)]
    assert _event_count(db) == events_before + 1
    with db.session() as session:
        assert audit.case_timeline(session, first)[-1].reason == "Sekolah digabung"
        assert log_ok(session)


def test_a_malformed_file_fires_nothing_and_names_every_bad_row(cli_env, tmp_path):
    db, world = cli_env
    (first,) = _open(db, world, 1)
    csv = tmp_path / "salah.csv"
    csv.write_text(
        f"case_id,trigger,version\n{first},cancel,1\nabc,cancel,1\n{first},,x\n9999999999,cancel,²\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["cases", "fire", str(csv), "--as", world["bpmp_staff"].username])
    assert result.exit_code == 1
    assert "baris 3: kolom case_id harus bilangan bulat positif, bukan 'abc'" in result.output
    assert (
        "baris 4: kolom trigger kosong; kolom version harus bilangan bulat positif, bukan 'x'"
        in result.output
    )
    assert (
        "baris 5: kolom case_id harus bilangan bulat positif, bukan '9999999999'; kolom version"
        in result.output
    )
    assert "tidak ada yang dijalankan" in result.output
    assert _states(db, [first]) == [("draft", 1)]

    headerless = tmp_path / "tanpa_kolom.csv"
    headerless.write_text(f"id,trigger\n{first},cancel\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["cases", "fire", str(headerless), "--as", world["bpmp_staff"].username])
    assert result.exit_code == 1 and "baris 1: kolom wajib tidak ada: case_id, version" in result.output

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"case_id,trigger,version,reason\n{first},cancel,1,caf\xe9\n".encode("latin-1"))
    result = CliRunner().invoke(cli, ["cases", "fire", str(latin1), "--as", world["bpmp_staff"].username])
    assert result.exit_code == 1 and "bukan teks UTF-8" in result.output

    unknown = CliRunner().invoke(cli, ["cases", "fire", str(headerless), "--as", "tidak_ada"])
    assert unknown.exit_code == 1
    assert _states(db, [first]) == [("draft", 1)]


def _event_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(audit.AuditEvent))
