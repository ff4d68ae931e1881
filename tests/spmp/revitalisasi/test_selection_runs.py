"""The selection over stored proposals: parameters per year set by Pusat (audited), a run saved with its
parameters, inputs and every decision, a dry run that saves nothing, publication (frozen, audited, SK and
PKS numbers, each case moved to terpilih / tidak terpilih through the engine), refusals, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi import selection_runs as runs
from spmp.revitalisasi.selection import Limit, SelectionParams, Weights
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun
from tests.factories import make_school
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)
from tests.spmp.engine.support import make_user, make_world
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON, complete, proposal_input

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
M = 1_000_000_000


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def _verified(session, world, school, root, **values):
    """A proposal taken through completeness, Pemda verification and B/BPMP acceptance."""
    staff, dinas = world["bpmp_staff"], world["dinas_province"]
    proposal = ops.create_proposal(session, staff, proposal_input(school, **values))
    complete(session, staff, proposal, root)
    for user, trigger, inputs in ((staff, "submit", None), (dinas, "pemda_verify", {"catatan": "ok"}),
                                  (staff, "accept", {"catatan": "sesuai"})):  # fmt: skip
        version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))
        ops.act(session, user, proposal.id, trigger, version, inputs=inputs)
    return proposal


def _school(session, regency, name):
    return make_school(session, regency_code=regency, name=name, latitude=SCHOOL_LAT, longitude=SCHOOL_LON)


@pytest.fixture
def world(session, tmp_path):
    w = make_world(session)
    w.users["pusat"] = make_user(session, "pusat")
    kupang = [_school(session, "53.71", f"SD Negeri {n} Kupang") for n in (1, 2, 3)]
    alor = [_school(session, "53.05", f"SD Negeri {n} Alor") for n in (1, 2)]
    # Same damage; more pupils affected in Kupang than in Alor; each costs Rp 1 M.
    w.proposals = [
        _verified(session, w, kupang[0], tmp_path, requested_budget=M, pupils_affected=500),
        _verified(session, w, kupang[1], tmp_path, requested_budget=M, pupils_affected=450),
        _verified(session, w, kupang[2], tmp_path, requested_budget=M, pupils_affected=400),
        _verified(session, w, alor[0], tmp_path, requested_budget=M, pupils_affected=100),
        _verified(
            session, w, alor[1], tmp_path, requested_budget=M, pupils_affected=60, last_rehab_year=2019
        ),
    ]
    draft_school = _school(session, "53.71", "SD Negeri 9 Kupang")
    w.draft = ops.create_proposal(session, w["bpmp_staff"], proposal_input(draft_school))
    session.flush()
    return w


def _params(**changes) -> SelectionParams:
    # No 3T weight here (Alor is 3T): the pick then follows the pupils affected.
    base = dict(budget=3 * M, regency_limit=Limit(1, 2), weights=Weights(40, 20, 0, 10, 5, 10))
    base.update(changes)
    return SelectionParams(**base)


def test_parameters_are_set_by_pusat_only_and_audited(session, world):
    with pytest.raises(runs.SelectionRefused, match="Hanya pengguna Pusat"):
        runs.save_params(session, world["bpmp_head"], 2026, _params())
    with pytest.raises(runs.SelectionRefused, match="Anggaran total"):
        runs.save_params(session, world["pusat"], 2026, _params(budget=0))
    assert runs.get_params(session, 2026)[1] is None
    runs.save_params(session, world["pusat"], 2026, _params())
    params, setting = runs.get_params(session, 2026)
    assert params == _params() and setting.updated_by_id == world["pusat"].id
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "revit_selection_params")).one()
    assert event.actor_id == world["pusat"].id and event.changes_dict["after"]["budget"] == 3 * M


def test_a_run_is_saved_with_parameters_inputs_and_every_reason(session, world):
    runs.save_params(session, world["pusat"], 2026, _params())
    with pytest.raises(runs.SelectionRefused, match="Hanya pengguna Pusat"):
        runs.run_selection(session, world["bpmp_staff"], 2026)
    outcome = runs.run_selection(session, world["pusat"], 2026, note="skenario dasar")
    run = outcome.run
    items = {
        i.proposal_id: i for i in session.scalars(select(SelectionItem).where(SelectionItem.run_id == run.id))
    }
    ids = [p.id for p in world.proposals]
    assert sorted(items) == sorted(ids)  # the draft proposal is no candidate
    chosen = {pid for pid, item in items.items() if item.selected}
    # Budget Rp 3 M, at most 2 per regency, at least 1: Kupang 1 and 2, and Alor 1 (Kupang 3 needs more
    # than Alor 1 but would be a third Kupang school).
    assert chosen == {ids[0], ids[1], ids[3]}
    assert items[ids[2]].reason == "tidak terpilih: kuota Kota Kupang (2 sekolah) sudah penuh"
    assert items[ids[2]].npsn == world.proposals[2].school.npsn and items[ids[2]].cost == M
    assert sum(items[ids[0]].points) == pytest.approx(items[ids[0]].score)
    assert json.loads(run.params)["budget"] == 3 * M and run.note == "skenario dasar"
    assert run.selected == 3 and run.state == "draf" and run.solver_status == "optimal"
    assert json.loads(run.summary)["greedy_objective"] == run.greedy_objective
    assert session.scalar(select(func.count()).where(AuditEvent.action == "revit_selection_run")) == 1


def test_a_dry_run_saves_nothing(session, world):
    outcome = runs.run_selection(session, world["pusat"], 2026, dry_run=True)
    assert outcome.run is None and len(outcome.result.decisions) == 5
    assert session.scalar(select(func.count()).select_from(SelectionRun)) == 0


def test_no_verified_proposal_is_refused_in_words(session, world):
    with pytest.raises(runs.SelectionRefused, match="Tidak ada usulan terverifikasi"):
        runs.run_selection(session, world["pusat"], 2027)


def test_publishing_freezes_the_run_and_moves_every_case(session, world):
    runs.save_params(session, world["pusat"], 2026, _params())
    run = runs.run_selection(session, world["pusat"], 2026).run
    with pytest.raises(runs.SelectionRefused, match="Hanya pengguna Pusat"):
        runs.publish_run(session, world["admin"], run, sk_number="1", pks_number="2")
    with pytest.raises(runs.SelectionRefused, match="Nomor SK penetapan dan nomor PKS wajib"):
        runs.publish_run(session, world["pusat"], run, sk_number="  ", pks_number="PKS/1")
    runs.publish_run(session, world["pusat"], run, sk_number="SK 12/2026", pks_number="PKS 7/2026")
    assert run.is_published and run.published_by_id == world["pusat"].id
    states = {p.id: p.case.state for p in world.proposals}
    assert [states[p.id] for p in world.proposals] == ["terpilih", "terpilih", "tidak_terpilih", "terpilih",
                                                       "tidak_terpilih"]  # fmt: skip
    fired = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == world.proposals[2].case_id, AuditEvent.action == "fire")
        .order_by(AuditEvent.id.desc())
    ).first()  # fmt: skip
    assert fired.to_state == "tidak_terpilih" and "kuota Kota Kupang (2 sekolah) sudah penuh" in fired.reason
    assert "nomor SK: SK 12/2026" in fired.reason
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "revit_selection_publish")).one()
    assert (
        event.changes_dict["sk_number"] == "SK 12/2026" and event.changes_dict["pks_number"] == "PKS 7/2026"
    )
    with pytest.raises(runs.SelectionRefused, match="sudah diterbitkan"):
        runs.publish_run(session, world["pusat"], run, sk_number="SK 13", pks_number="PKS 8")


def test_a_large_publication_moves_a_batch_now_and_the_scheduler_moves_the_rest(session, world):
    """A page moves PUBLISH_BATCH proposals in its request; the scheduler's job the rest, each exactly once."""
    runs.save_params(session, world["pusat"], 2026, _params())
    run = runs.run_selection(session, world["pusat"], 2026).run
    runs.publish_run(session, world["pusat"], run, sk_number="SK 12/2026", pks_number="PKS 7/2026", limit=2)
    assert run.is_published and runs.undecided_count(session, run) == 3
    moved = [runs.continue_publications(session, batch=2) for _ in range(3)]
    assert moved == [2, 1, 0] and runs.undecided_count(session, run) == 0
    session.expire_all()
    states = {p.id: p.case.state for p in world.proposals}
    assert [states[p.id] for p in world.proposals] == ["terpilih", "terpilih", "tidak_terpilih", "terpilih",
                                                       "tidak_terpilih"]  # fmt: skip
    decisions = session.execute(
        select(AuditEvent.case_id, func.count()).where(
            AuditEvent.action == "fire", AuditEvent.to_state.in_(("terpilih", "tidak_terpilih"))
        ).group_by(AuditEvent.case_id)
    ).all()  # fmt: skip
    assert sorted(n for _, n in decisions) == [1] * 5
    actors = session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.to_state.in_(("terpilih", "tidak_terpilih")))
    ).all()
    assert set(actors) == {world["pusat"].id}  # the scheduler acts for the user who published


def test_only_one_published_selection_per_year_and_stale_runs_refused(session, world, tmp_path):
    first = runs.run_selection(session, world["pusat"], 2026).run
    second = runs.run_selection(session, world["pusat"], 2026).run
    late = _verified(session, world, _school(session, "53.05", "SD Negeri 3 Alor"), tmp_path)
    with pytest.raises(runs.SelectionRefused, match="1 usulan berubah status sejak run"):
        runs.publish_run(session, world["pusat"], first, sk_number="SK 1", pks_number="PKS 1")
    third = runs.run_selection(session, world["pusat"], 2026).run
    assert late.id in set(
        session.scalars(select(SelectionItem.proposal_id).where(SelectionItem.run_id == third.id))
    )
    runs.publish_run(session, world["pusat"], third, sk_number="SK 1", pks_number="PKS 1")
    with pytest.raises(runs.SelectionRefused, match=f"sudah diterbitkan \\(run {third.id}\\)"):
        runs.publish_run(session, world["pusat"], second, sk_number="SK 2", pks_number="PKS 2")


def test_parameters_from_the_page_text(session):
    values = runs.values_from_params(_params(level_quotas={"SMA": Limit(0, 12)},
                                             regency_overrides={"53.05": Limit(2, None)}))  # fmt: skip
    assert runs.params_from_values(values) == _params(level_quotas={"SMA": Limit(0, 12)},
                                                      regency_overrides={"53.05": Limit(2, None)})  # fmt: skip
    values["anggaran"] = "12.000.000.000.000"
    values["faktor_jenjang"] = "SD: 1\nSMP: 0,9"
    params = runs.params_from_values(values)
    assert params.budget == 12_000_000_000_000 and params.level_factors == {"SD": 1.0, "SMP": 0.9}
    with pytest.raises(runs.SelectionRefused, match="Kuota jenjang, baris 2: tulis sebagai KODE: MIN-MAKS"):
        runs.params_from_values({**values, "kuota_jenjang": "SMA: 0-10\nSMK 5"})
    with pytest.raises(runs.SelectionRefused, match="Bobot afirmasi 3T: 'banyak' bukan angka"):
        runs.params_from_values({**values, "bobot_3t": "banyak"})
    with pytest.raises(
        runs.SelectionRefused, match="Maksimum sekolah per kabupaten/kota: harus bilangan bulat"
    ):
        runs.params_from_values({**values, "kab_maks": "2,5"})


def test_cli_dry_run_writes_the_xlsx_and_saves_nothing(cli_env, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from spmp.cli import cli

    db, world = cli_env
    with db.transaction() as session:
        pusat = make_user(session, "pusat")
        school = session.merge(world.school)
        school.latitude, school.longitude = SCHOOL_LAT, SCHOOL_LON
        users = {k: session.merge(v) for k, v in world.users.items()}
        _verified(session, users, school, tmp_path)
        username = pusat.username
    out = tmp_path / "seleksi.xlsx"
    args = ["revitalisasi", "select", "--year", "2026", "--as", username, "--dry-run", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Status solver: optimal" in result.output and "Uji coba: tidak disimpan." in result.output
    assert "usulan; menyelesaikan program bilangan bulat (HiGHS)" in result.output  # progress (stderr)
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Peringkat" and rows[0][-1] == "Alasan" and len(rows) == 2
    assert rows[1][-3] == "Terpilih" and rows[1][-1].startswith("terpilih")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SelectionRun)) == 0
    result = CliRunner().invoke(cli, args[:6])
    assert result.exit_code == 0 and "Disimpan sebagai run" in result.output
    with db.session() as session:
        run_id = session.scalar(select(SelectionRun.id))
    publish = ["revitalisasi", "publish-selection", str(run_id), "--sk", "SK 4/2026", "--pks", "PKS 4/2026",
               "--as", username]  # fmt: skip
    result = CliRunner().invoke(cli, publish)
    assert result.exit_code == 0 and f"Run {run_id} diterbitkan: 1 terpilih dari 1 usulan." in result.output
    result = CliRunner().invoke(cli, publish)
    assert result.exit_code == 1 and "sudah diterbitkan" in result.output
    result = CliRunner().invoke(
        cli, ["revitalisasi", "select", "--year", "2026", "--as", world["bpmp_staff"].username]
    )
    assert result.exit_code == 1 and "Hanya pengguna Pusat" in result.output


def test_budget_limits_from_the_page_values_and_back():
    values = runs.values_from_params(
        _params(regency_budget=Limit(0, 25 * M), province_budget_overrides={"53": Limit(5 * M, None)})
    )
    assert values["kab_pagu_maks"] == "25.000.000.000" and values["pagu_prov"] == "53: 5.000.000.000-"
    assert runs.params_from_values(values) == _params(
        regency_budget=Limit(0, 25 * M), province_budget_overrides={"53": Limit(5 * M, None)}
    )
    with pytest.raises(runs.SelectionRefused, match="Anggaran khusus kabupaten/kota, baris 2"):
        runs.params_from_values({**values, "pagu_kab": "53.05: 0-1.000\n53.71 5"})
    with pytest.raises(runs.SelectionRefused, match="Pagu anggaran per provinsi .*: 'lima' bukan angka"):
        runs.params_from_values({**values, "prov_pagu_maks": "lima"})
    with pytest.raises(runs.SelectionRefused, match="pagu anggaran per kabupaten/kota"):
        runs.params_from_values({**values, "kab_pagu_min": "30.000.000.000"})
