"""Issue 9 §2/§3: a refusal rolls back in one place; module-owned case types are not opened from the generic
form; action inputs are typed and checked on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from spmp.engine import operations as cases
from spmp.engine.cases import CaseRecord
from spmp.errors import Refusal
from spmp.regions.models import Unit
from tests.web.conftest import login, post


@pytest.fixture
def visit(session, world):
    wp = world["users"]["widyaprada"]
    return cases.open_case(session, wp, "school_visit", title="Supervisi", school_id=world["inside"].id,
                           assignee_user_id=wp.id)  # fmt: skip


def test_an_operation_that_writes_then_refuses_leaves_nothing(app, client, world, session, db):
    """The request wrapper (web/db.py) rolls back a refused request although it answers with a redirect."""
    from web.db import get_session

    @app.route("/uji/tulis-lalu-tolak", methods=["POST"])
    def write_then_refuse():
        get_session().add(Unit(code="UJI-TOLAK", name="Unit Uji", kind="BPMP", seat_province_code="53"))
        get_session().flush()  # written inside the request's transaction ...
        raise Refusal("Ditolak setelah menulis.")  # ... then refused

    login(client, world["users"]["admin"])
    response = post(client, "/uji/tulis-lalu-tolak", headers={"Referer": "http://localhost/kasus"})
    assert response.status_code == 302 and response.location.endswith("/kasus")
    assert "Ditolak setelah menulis." in client.get("/kasus").get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Unit).where(Unit.code == "UJI-TOLAK")) == 0


def test_no_view_discards_changes_itself():
    from pathlib import Path

    import web

    root = Path(web.__file__).parent
    offenders = [p.name for p in root.rglob("*.py") if "discard_changes" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_a_refused_action_flashes_why_and_changes_nothing(client, world, visit, session):
    login(client, world["users"]["widyaprada"])
    for value in ("besok", "<script>alert(1)</script>", "2026-02-30"):
        response = post(client, f"/kasus/{visit.id}/aksi/schedule",
                        {"seen_version": 1, "input_visit_date": value}, token_from=f"/kasus/{visit.id}")  # fmt: skip
        assert response.status_code == 302
        html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
        assert "Isian tidak valid: Tanggal kunjungan harus tanggal yang sah" in html
        assert 'id="case-state">Draf' in html
    session.expire_all()
    assert session.get(CaseRecord, visit.id).version == 1


def test_visit_date_is_a_date_field_and_is_shown_on_the_case(client, world, visit):
    login(client, world["users"]["widyaprada"])
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert 'name="input_visit_date" type="date"' in html
    post(client, f"/kasus/{visit.id}/aksi/schedule", {"seen_version": 1, "input_visit_date": "2026-12-03"},
         token_from=f"/kasus/{visit.id}")  # fmt: skip
    html = client.get(f"/kasus/{visit.id}").get_data(as_text=True)
    assert 'id="case-state">Terjadwal' in html
    assert '<dt>Tanggal kunjungan</dt><dd class="case-input" data-input="visit_date">03-12-2026</dd>' in html


@pytest.mark.parametrize("role", ["school_operator", "principal", "pusat", "dinas_province", "facilitator"])
def test_roles_without_a_form_openable_type_are_refused_the_form(client, world, role):
    login(client, world["users"][role])
    assert client.get("/kasus/baru").status_code == 403
    response = post(
        client, "/kasus/baru", {"type_key": "spmi_cycle", "npsn": world["inside"].npsn, "title": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("type_key", ["spmi_cycle", "accreditation_visit", "tidak_ada"])
def test_module_owned_case_types_cannot_be_opened_from_the_form(client, world, session, type_key):
    login(client, world["users"]["admin"])
    before = session.scalar(select(func.count()).select_from(CaseRecord))
    response = post(client, "/kasus/baru",
                    {"type_key": type_key, "npsn": world["inside"].npsn, "title": "Yatim"}, token_from="/kasus/baru")  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Jenis kasus ini tidak dapat dibuka dari formulir ini" in html
    assert session.scalar(select(func.count()).select_from(CaseRecord)) == before
    page = client.get("/kasus/baru").get_data(as_text=True)
    assert 'value="school_visit"' in page and 'value="spmi_cycle"' not in page
