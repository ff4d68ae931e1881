"""Versions: cases keep their pinned (key, version); ``workflows migrate`` moves open cases explicitly."""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from spmp import audit
from spmp.cli import cli
from spmp.engine import ActionRefused, available_actions, definitions, fire, open_case
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.versioning import migrate_cases
from tests.audit_support import log_ok
from tests.spmp.engine.support import make_world

V1 = {
    "key": "izin",
    "version": 1,
    "title": "Permohonan Izin",
    "initial": "diajukan",
    "open_roles": ["bpmp_staff"],
    "states": {
        "diajukan": {"label": "Diajukan", "due": {"days": 5}},
        "diperiksa": {"label": "Diperiksa"},
        "selesai": {"label": "Selesai", "final": True},
    },
    "transitions": [
        {
            "trigger": "periksa",
            "source": "diajukan",
            "dest": "diperiksa",
            "label": "Periksa",
            "roles": ["bpmp_staff"],
        },
        {
            "trigger": "tutup",
            "source": "diperiksa",
            "dest": "selesai",
            "label": "Tutup",
            "roles": ["bpmp_head"],
        },
    ],
}


def v2() -> dict:
    """Version 2 renames 'diperiksa' to 'verifikasi' and adds a due rule to it."""
    doc = copy.deepcopy(V1)
    doc["version"] = 2
    doc["states"] = {
        "diajukan": {"label": "Diajukan", "due": {"days": 5}},
        "verifikasi": {"label": "Verifikasi", "due": {"days": 3}},
        "selesai": {"label": "Selesai", "final": True},
    }
    doc["transitions"] = [
        {
            "trigger": "periksa",
            "source": "diajukan",
            "dest": "verifikasi",
            "label": "Periksa",
            "roles": ["bpmp_staff"],
        },
        {
            "trigger": "tutup",
            "source": "verifikasi",
            "dest": "selesai",
            "label": "Tutup",
            "roles": ["bpmp_head"],
        },
    ]
    return doc


@pytest.fixture
def two_versions(tmp_path):
    """A workflows directory with izin v1 (current), later republished as v2 by ``publish()``."""
    (tmp_path / "izin.yaml").write_text(yaml.safe_dump(V1))
    definitions.set_workflows(definitions.load_directory(tmp_path))

    def publish() -> None:
        (tmp_path / "izin").mkdir()
        (tmp_path / "izin" / "v1.yaml").write_text(yaml.safe_dump(V1))
        (tmp_path / "izin.yaml").write_text(yaml.safe_dump(v2()))
        definitions.set_workflows(definitions.load_directory(tmp_path))

    yield publish
    definitions.set_workflows(None)


def _open(session, world, n: int) -> list[CaseRecord]:
    return [
        open_case(session, world["bpmp_staff"], "izin", title=f"Izin {i}", school_id=world.school.id)
        for i in range(n)
    ]


def test_cases_keep_their_version_until_migrated(session, two_versions):
    world = make_world(session)
    old, checked = _open(session, world, 2)
    fire(session, checked.id, "periksa", world["bpmp_staff"], 1)
    two_versions()
    new = _open(session, world, 1)[0]
    assert (old.type_version, new.type_version) == (1, 2)
    session.refresh(checked)
    assert checked.state == "diperiksa"  # a v1 state, still served by the v1 machine
    assert [o.transition.trigger for o in available_actions(session, checked, world["bpmp_head"])] == [
        "tutup"
    ]

    with pytest.raises(ActionRefused, match="State tujuan tidak ada"):
        migrate_cases(session, None, "izin", 2, {"diperiksa": "hilang"})
    refused = migrate_cases(session, None, "izin", 2, {})
    assert not refused.ok and refused.refused == [(checked.id, 1, "diperiksa")]
    session.refresh(checked)
    assert checked.type_version == 1  # nothing moved

    dry = migrate_cases(session, None, "izin", 2, {"diperiksa": "verifikasi"}, dry_run=True)
    assert dry.ok and len(dry.moves) == 2
    session.refresh(checked)
    assert checked.type_version == 1

    plan = migrate_cases(session, world["admin"], "izin", 2, {"diperiksa": "verifikasi"})
    assert sorted(plan.moves) == [
        (old.id, 1, "diajukan", "diajukan"),
        (checked.id, 1, "diperiksa", "verifikasi"),
    ]
    session.refresh(checked)
    assert (checked.type_version, checked.state, checked.version) == (2, "verifikasi", 3)
    event = audit.case_timeline(session, checked.id)[-1]
    assert (event.action, event.from_state, event.to_state) == ("migrate", "diperiksa", "verifikasi")
    assert event.changes_dict["type_version"] == [1, 2]
    kinds = session.scalars(select(CaseDeadline.kind).where(CaseDeadline.case_id == checked.id)).all()
    assert kinds == ["due"]  # the v2 due rule of the new state
    fire(session, checked.id, "tutup", world["bpmp_head"], 3)
    assert log_ok(session)


def test_cli_migrate_verify_anchor_diagram(cli_env, two_versions, tmp_path):
    db, world = cli_env
    with db.transaction() as session:
        case = _open(session, world, 1)[0]
        fire(session, case.id, "periksa", world["bpmp_staff"], 1)
    two_versions()
    runner = CliRunner()

    refused = runner.invoke(cli, ["workflows", "migrate", "izin", "--to", "2"])
    assert refused.exit_code == 1
    assert f"DITOLAK kasus #{case.id}: v1 state 'diperiksa'" in refused.output

    dry = runner.invoke(
        cli, ["workflows", "migrate", "izin", "--to", "2", "--map", "diperiksa=verifikasi", "--dry-run"]
    )
    assert dry.exit_code == 0 and "Uji coba: tidak ada yang diubah" in dry.output

    moved = runner.invoke(
        cli,
        [
            "workflows",
            "migrate",
            "izin",
            "--to",
            "2",
            "--map",
            "diperiksa=verifikasi",
            "--actor",
            world["admin"].username,
        ],
    )
    assert moved.exit_code == 0, moved.output
    assert "Selesai: 1 kasus dipindah" in moved.output
    with db.session() as session:
        assert session.get(CaseRecord, case.id).state == "verifikasi"

    sealed = runner.invoke(cli, ["audit", "seal"])
    assert sealed.exit_code == 0 and "Disegel sampai posisi 3" in sealed.output, sealed.output
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Log audit utuh: 3 kejadian tersegel diperiksa, 1 kepala pohon" in verified.output
    assert "1 jangkar cocok" in verified.output

    diagram = runner.invoke(cli, ["workflows", "diagram", "izin", "--current", "verifikasi"])
    assert diagram.exit_code == 0 and "class verifikasi current" in diagram.output


def test_cli_validate_reports_problems(tmp_path):
    bad = copy.deepcopy(V1)
    bad["transitions"][0]["guards"] = ["tidak_ada"]
    (tmp_path / "izin.yaml").write_text(yaml.safe_dump(bad))
    result = CliRunner().invoke(cli, ["workflows", "validate", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "transition 'periksa': guard tidak dikenal 'tidak_ada'" in result.output
    ok = CliRunner().invoke(cli, ["workflows", "validate"])
    assert ok.exit_code == 0 and "OK school_visit v1" in ok.output
