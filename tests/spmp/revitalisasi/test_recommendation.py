"""The recommendation list: schools from the school data ranked by the selection's need score (damage of
the latest proposal, years since the last rehabilitation, 3T, disaster, level, pupils), without schools
already proposed for the year, rehabilitated or selected in the 5 years before; scoped by region; a draft
proposal from a recommended school in one click; the CLI with its file."""

from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import update

from spmp.engine import ActionRefused
from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi import recommendation as rec
from spmp.revitalisasi.selection import need_score
from spmp.revitalisasi.selection_runs import get_params
from tests.factories import make_school
from tests.spmp.engine.conftest import cli_env  # noqa: F401 (fixture)
from tests.spmp.engine.support import make_world
from tests.spmp.revitalisasi.support import proposal_input


@pytest.fixture
def world(session):
    w = make_world(session)  # w.school: Kota Kupang, never rehabilitated; w.other: Kota Bandung
    w.alor = make_school(session, regency_code="53.05", name="SD Negeri 1 Alor")  # 3T, never rehabilitated
    w.old = make_school(session, regency_code="53.71", name="SD Negeri 2 Kupang", last_rehab_year=2010)
    w.recent = make_school(session, regency_code="53.71", name="SD Negeri 3 Kupang", last_rehab_year=2022)
    w.proposed = make_school(session, regency_code="53.71", name="SD Negeri 4 Kupang")
    w.selected = make_school(session, regency_code="53.71", name="SD Negeri 5 Kupang")
    w.damaged = make_school(session, regency_code="53.71", name="SD Negeri 6 Kupang", last_rehab_year=2015)
    staff = w["bpmp_staff"]
    ops.create_proposal(session, staff, proposal_input(w.proposed))  # 2026: already a candidate
    chosen = ops.create_proposal(session, staff, proposal_input(w.selected, year=2025, last_rehab_year=None))
    session.execute(update(CaseRecord).where(CaseRecord.id == chosen.case_id).values(state="pelaksanaan"))
    # A 2025 proposal gives the damage (and pupils) the list uses for 2026.
    w.earlier = ops.create_proposal(session, staff, proposal_input(w.damaged, year=2025, last_rehab_year=None,
                                                                   pupils_affected=600))  # fmt: skip
    session.flush()
    return w


def test_ranked_by_the_selections_need_score_without_excluded_schools(session, world):
    rows = rec.recommend(session, world["pusat"], rec.RecommendationFilters(2026))
    names = [r.name for r in rows]
    # Not on it: proposed for 2026, rehabilitated in 2022, selected (in execution) in 2025.
    assert not {"SD Negeri 3 Kupang", "SD Negeri 4 Kupang", "SD Negeri 5 Kupang"} & set(names)
    assert {"SD Negeri 1 Alor", "SD Negeri 2 Kupang", "SD Negeri 6 Kupang", world.school.name} <= set(names)
    params, _setting = get_params(session, 2026)
    by_name = {r.name: r for r in rows}
    damaged = by_name["SD Negeri 6 Kupang"]
    assert (damaged.damage_percent, damaged.damage_year, damaged.pupils) == (
        world.earlier.damage_percent,
        2025,
        600,
    )
    candidate = rec._candidate(
        (world.damaged.id, world.damaged.npsn, damaged.name, "SD", "SD", "53.71", "Kota Kupang", "53", "NTT", 2015,
         False, False, world.earlier.damage_percent, 2025, 600), 2026, "SD")  # fmt: skip
    assert (damaged.score, damaged.points) == need_score(candidate, params)
    alor = by_name["SD Negeri 1 Alor"]
    assert alor.is_3t and alor.damage_percent is None and alor.points[2] == params.weights.affirmation_3t
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    assert names.index("SD Negeri 6 Kupang") < names.index("SD Negeri 2 Kupang")  # damage known and high


def test_scoped_by_region_and_filters(session, world):
    kupang = rec.recommend(session, world["dinas_regency"], rec.RecommendationFilters(2026))
    assert {r.regency_code for r in kupang} == {"53.71"}
    assert (
        rec.recommend(session, world["dinas_regency"], rec.RecommendationFilters(2026, province="32")) == []
    )
    ntt = rec.recommend(session, world["bpmp_staff"], rec.RecommendationFilters(2026, regency="53.05"))
    assert [r.name for r in ntt] == ["SD Negeri 1 Alor"]
    assert rec.count(session, None, rec.RecommendationFilters(2026)) == len(
        rec.recommend(session, world["pusat"], rec.RecommendationFilters(2026))
    )


def test_a_draft_proposal_in_one_click(session, world):
    dinas = world["dinas_regency"]
    proposal = ops.create_draft_from_recommendation(session, dinas, world.old.id, 2026)
    assert (proposal.source, proposal.case.state, proposal.last_rehab_year, proposal.rooms) == (
        "rekomendasi", "draf", 2010, [])  # fmt: skip
    assert not proposal.is_eligible  # no land, no room requested yet: the form comes next
    names = [r.name for r in rec.recommend(session, dinas, rec.RecommendationFilters(2026))]
    assert "SD Negeri 2 Kupang" not in names
    with pytest.raises(ActionRefused, match="sudah memiliki usulan revitalisasi tahun 2026"):
        ops.create_draft_from_recommendation(session, dinas, world.old.id, 2026)
    with pytest.raises(ActionRefused, match="di luar wilayah Anda"):
        ops.create_draft_from_recommendation(session, dinas, world.alor.id, 2026)
    with pytest.raises(ActionRefused, match="Peran Anda"):
        ops.create_draft_from_recommendation(session, world["pusat"], world.old.id, 2026)


def test_cli_prints_the_top_and_writes_the_file(cli_env, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from spmp.cli import cli

    db, world = cli_env
    with db.transaction() as session:
        make_school(session, regency_code="53.05", name="SD Negeri 1 Alor")
    out = tmp_path / "rekomendasi.xlsx"
    result = CliRunner().invoke(cli, ["revitalisasi", "recommend", "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 sekolah direkomendasikan untuk tahun 2026" in result.output  # two of the world's, one of Alor
    assert "SD Negeri 1 Alor" in result.output and "belum ada data" in result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert (
        rows[0][:3] == ("Peringkat", "NPSN", "Sekolah")
        and rows[1][2] == "SD Negeri 1 Alor"
        and len(rows) == 4
    )
    scoped = CliRunner().invoke(cli, ["revitalisasi", "recommend", "--year", "2026", "--province", "32"])
    assert "1 sekolah direkomendasikan" in scoped.output
