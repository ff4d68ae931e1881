"""case_scope (SQL) and row_visible (the fire path's Python check) agree for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spmp.engine.cases import CaseRecord
from spmp.engine.fire import load_case_row
from spmp.engine.permissions import case_scope, row_visible
from spmp.fastsql import FastSQL
from tests.spmp.engine.support import make_world, open_visit

EXPECTED = {
    "operator": True,
    "principal": True,
    "widyaprada": True,
    "widyaprada2": True,
    "bpmp_staff": True,
    "bpmp_head": True,
    "dinas_province": True,
    "dinas_regency": True,
    "facilitator": False,
    "pusat": True,
    "admin": True,
    "other_principal": False,
    "other_staff": False,
    "other_dinas": False,
}


@pytest.mark.parametrize("assignee", [None, "facilitator"])
def test_scope_matrix(session, assignee):
    world = make_world(session)
    case = open_visit(session, world, assignee=assignee)
    row = load_case_row(FastSQL.of(session), case.id)
    for name, user in world.users.items():
        expected = EXPECTED[name] or (name == assignee)
        in_sql = (
            session.scalar(select(CaseRecord.id).where(CaseRecord.id == case.id, case_scope(user)))
            is not None
        )
        assert in_sql is expected, name
        assert row_visible(FastSQL.of(session), user, row) is expected, name


def test_widyaprada_sees_cases_assigned_to_them_outside_their_schools(session):
    world = make_world(session)
    from spmp.engine import open_case

    case = open_case(
        session, world["admin"], "school_visit", title="Di luar", school_id=world.other_school.id,
        assignee_user_id=world["widyaprada"].id,
    )  # fmt: skip
    row = load_case_row(FastSQL.of(session), case.id)
    assert row_visible(FastSQL.of(session), world["widyaprada"], row)
    assert not row_visible(FastSQL.of(session), world["widyaprada2"], row)
    assert row_visible(FastSQL.of(session), world["other_staff"], row)  # the other unit's area
