"""Revitalisasi workflow version 2: v1 kept for pinned cases; v1 cases selected (terpilih, final in v1) are
moved into v2's execution and reopened by ``migrate_cases(reopen=...)``; the ``due.until`` rule (works
and reports by 15 December) is validated and computed on the WIB calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from spmp import clock
from spmp.audit import AuditEvent
from spmp.engine.calendar import deadline_rows, due_time
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.engine.definitions import DefinitionError, DueRule, get_definition, parse_definition
from spmp.engine.errors import ActionRefused
from spmp.engine.versioning import migrate_cases
from tests.spmp.engine.support import make_world
from tests.spmp.revitalisasi.execution_support import act, form_p2sp, selected
from tests.spmp.revitalisasi.support import SCHOOL_LAT, SCHOOL_LON

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


def test_versions_1_and_2():
    v1, v2 = get_definition("revitalisasi", 1), get_definition("revitalisasi", 2)
    assert v1.is_final("terpilih") and not v2.is_final("terpilih")
    assert get_definition("revitalisasi").version == 2
    # Every hand-off of the execution tells someone.
    assert all(t.notify for t in v2.transitions)


def _as_v1_selected(session, case_id):
    """What a case selected under version 1 looks like: pinned to v1, terpilih, closed, no deadlines."""
    session.execute(update(CaseRecord).where(CaseRecord.id == case_id).values(
        type_version=1, state="terpilih", closed_at=NOW))  # fmt: skip
    session.query(CaseDeadline).filter(CaseDeadline.case_id == case_id).delete()
    session.expire_all()


def test_v1_selected_cases_move_to_v2_and_reopen(session, tmp_path):
    world = make_world(session)
    world.school.latitude, world.school.longitude = SCHOOL_LAT, SCHOOL_LON
    proposal = selected(session, world, tmp_path)
    _as_v1_selected(session, proposal.case_id)
    # Without --reopen the closed case stays where it is.
    assert migrate_cases(session, world["admin"], "revitalisasi", 2, {}).moves == []
    plan = migrate_cases(session, world["admin"], "revitalisasi", 2, {}, dry_run=True, reopen=["terpilih"])
    assert plan.reopened == {proposal.case_id} and "dibuka kembali" in "\n".join(plan.lines())
    assert session.get(CaseRecord, proposal.case_id).type_version == 1
    migrate_cases(session, world["admin"], "revitalisasi", 2, {}, reopen=["terpilih"])
    case = session.get(CaseRecord, proposal.case_id)
    assert (case.type_version, case.state, case.closed_at) == (2, "terpilih", None)
    kinds = set(session.scalars(select(CaseDeadline.kind).where(CaseDeadline.case_id == case.id)))
    assert kinds == {"due", "reminder", "escalation"}
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "migrate")
    )
    assert event.changes_dict["reopened"] is True
    # The execution goes on from there.
    form_p2sp(session, world["principal"], proposal)
    assert act(session, world["principal"], proposal, "p2sp_formed").to_state == "persiapan"


def test_reopen_into_a_final_state_is_refused(session):
    with pytest.raises(ActionRefused, match="tidak dapat dibuka kembali"):
        migrate_cases(session, None, "revitalisasi", 2, {}, reopen=["ditolak"])


def _definition(due: dict) -> dict:
    raw = yaml.safe_load(Path("workflows/revitalisasi/v1.yaml").read_text(encoding="utf-8"))
    raw["states"]["draf"]["due"] = due
    return raw


@pytest.mark.parametrize(
    ("due", "problem"),
    [({"until": "02-29"}, "due.until"), ({"until": "13-01"}, "due.until"), ({"until": 1215}, "due.until"),
     ({"reminders": [1]}, "due.days")],
)  # fmt: skip
def test_until_is_validated(due, problem):
    with pytest.raises(DefinitionError) as error:
        parse_definition(Path("x.yaml"), _definition(due))
    assert problem in str(error.value)


def test_until_alone_and_with_days():
    assert parse_definition(Path("x.yaml"), _definition({"until": "12-15"})).states["draf"].due.until == (
        12,
        15,
    )
    rule = DueRule(None, until=(12, 15), reminders=(3,))
    # Entered on 1 July: due at the end of 15 December (WIB) that year; the reminder 3 days before.
    rows = deadline_rows(rule, NOW)
    assert rows[0]["due_at"] == datetime(2026, 12, 15, 16, 59, tzinfo=UTC)
    assert rows[1]["fire_at"] == datetime(2026, 12, 12, 16, 59, tzinfo=UTC)
    # Entered after 15 December: the next one, unless ``days`` comes first.
    late = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
    assert due_time(rule, late) == datetime(2027, 12, 15, 16, 59, tzinfo=UTC)
    assert due_time(DueRule(30, until=(12, 15)), late) == datetime(2027, 1, 19, 2, 0, tzinfo=UTC)
    assert due_time(DueRule(30, until=(12, 15)), NOW) == datetime(2026, 7, 31, 2, 0, tzinfo=UTC)
    # 15 December 20:00 WIB is still that day.
    assert due_time(rule, datetime(2026, 12, 15, 13, 0, tzinfo=UTC)) == datetime(
        2026, 12, 15, 16, 59, tzinfo=UTC
    )
