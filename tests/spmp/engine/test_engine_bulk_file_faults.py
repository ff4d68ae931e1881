"""``spmp cases fire`` with malformed files (issue 9 §4): the whole file is checked before anything fires,
so a NUL byte in ``reason`` (which PostgreSQL refused only when that row fired, after earlier rows had
been applied), an oversized field or an odd digit fires nothing and is named by line and column. Runs on
both databases."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from spmp import audit
from spmp.cli import cli
from spmp.engine.bulk import BulkFileError, read_fire_items
from spmp.engine.cases import CaseRecord
from tests.spmp.engine.support import open_visit


def _fire(world, path):
    return CliRunner().invoke(cli, ["cases", "fire", str(path), "--as", world["bpmp_staff"].username])


def _snapshot(db):
    with db.session() as session:
        events = session.scalar(select(func.count()).select_from(audit.AuditEvent))
        states = session.execute(select(CaseRecord.id, CaseRecord.state, CaseRecord.version)).all()
        return events, sorted(states)


def _open_two(db, world):
    with db.transaction() as session:
        return open_visit(session, world).id, open_visit(session, world).id


def test_nul_in_reason_fires_nothing_and_names_line_and_column(cli_env, tmp_path):
    db, world = cli_env
    first, second = _open_two(db, world)
    before = _snapshot(db)
    path = tmp_path / "nul.csv"
    path.write_bytes(
        f"case_id,trigger,version,reason\n{first},cancel,1,ok\n{second},cancel,1,a\x00b\n".encode()
    )
    result = _fire(world, path)
    assert result.exit_code == 1, result.output
    assert "baris 3, reason: berisi karakter NUL" in result.output
    assert "tidak ada yang dijalankan" in result.output
    assert _snapshot(db) == before


def test_field_over_131072_characters_is_a_clean_error(cli_env, tmp_path):
    db, world = cli_env
    first, _second = _open_two(db, world)
    before = _snapshot(db)
    path = tmp_path / "besar.csv"
    path.write_text(f"case_id,trigger,version,reason\n{first},cancel,1,{'x' * 131_073}\n", encoding="utf-8")
    result = _fire(world, path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "baris 2" in result.output and "131,072" in result.output
    assert len(result.output) < 2000
    assert _snapshot(db) == before


def test_reason_longer_than_the_form_allows_and_odd_digits_fire_nothing(cli_env, tmp_path):
    db, world = cli_env
    first, second = _open_two(db, world)
    before = _snapshot(db)
    path = tmp_path / "aneh.csv"
    path.write_text(
        "case_id;trigger;version;reason\n"
        f"{first};cancel;1;{'y' * 2001}\n"
        "²⁰;cancel;1;\n"
        "１２;cancel;٣;\n"
        f"{second};cancel;4294967297;\n",
        encoding="utf-8",
    )
    result = _fire(world, path)
    assert result.exit_code == 1
    assert "baris 2: kolom reason 2,001 karakter; paling banyak 2,000" in result.output
    assert "baris 3: kolom case_id harus bilangan bulat positif, bukan '²⁰'" in result.output
    assert "baris 4: kolom case_id harus bilangan bulat positif, bukan '１２'; kolom version" in result.output
    assert "baris 5: kolom version harus bilangan bulat positif" in result.output
    assert "4 masalah pada berkas; tidak ada yang dijalankan" in result.output
    assert _snapshot(db) == before


def test_error_output_is_bounded_for_a_file_of_bad_rows(tmp_path):
    path = tmp_path / "banyak.csv"
    path.write_text("case_id,trigger,version\n" + "x,cancel,1\n" * 50_000, encoding="utf-8")
    try:
        read_fire_items(path)
    except BulkFileError as exc:
        assert exc.total == 50_000 and len(exc.errors) == 1000
    else:
        raise AssertionError("a file of bad rows was accepted")


def test_xlsx_and_json_lists_are_read_like_csv(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in (["case_id", "trigger", "version", "reason"], [7, "cancel", 2, "Digabung"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "fire.xlsx")
    (tmp_path / "fire.json").write_text(json.dumps([{"case_id": 7, "trigger": "cancel", "version": 2}]))
    [(line, item)] = read_fire_items(tmp_path / "fire.xlsx")
    assert (line, item.case_id, item.trigger, item.seen_version, item.reason) == (
        2,
        7,
        "cancel",
        2,
        "Digabung",
    )
    [(line, item)] = read_fire_items(tmp_path / "fire.json")
    assert (line, item.case_id, item.seen_version, item.reason) == (2, 7, 2, None)


ODD = st.sampled_from(
    ["\x00", "²⁰¹⁰", "٢", "１２", "nan", "inf", "-1", "4294967296", "99999999999999999999", '"', "\r\n", ";", ",",
     "x" * 140_000, "\ufeff", "\u202e", "cancel"]
)  # fmt: skip
CELL = st.one_of(st.text(max_size=12), ODD, st.integers(min_value=-5, max_value=2**33).map(str))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
    noise=st.binary(max_size=64),
    wide=st.booleans(),
)
def test_fuzz_cases_fire_gives_a_clean_answer_and_a_bad_file_fires_nothing(
    cli_env, tmp_path_factory, rows, delimiter, noise, wide
):
    db, world = cli_env
    header = ["case_id", "trigger", "version", "reason"] + ([f"c{i}" for i in range(3000)] if wide else [])
    text = "\n".join(delimiter.join(r) for r in [header, *rows])
    data = text.encode("utf-8", "surrogatepass") + noise
    path = tmp_path_factory.mktemp("fuzz") / "fire.csv"
    path.write_bytes(data)
    before = _snapshot(db)
    result = _fire(world, path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output[-2000:]
    assert "Traceback" not in result.output and len(result.output) < 20_000
    if "tidak ada yang dijalankan" in result.output:
        assert _snapshot(db) == before
