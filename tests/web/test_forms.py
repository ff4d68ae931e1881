"""Nothing typed is lost, and a failed submit says what is wrong where: the shared form base (Indonesian
WTForms messages, limits refused rather than cut), the error summary, the expired-session and expired-token
journeys back to the form, the "saved" signal that lets the browser drop its draft, upload limits shown."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
import time

import flask_wtf
import pytest

import web
from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from spmp.spmi.models import SpmiActivity
from tests.web.conftest import PASSWORD, csrf_token, login, post
from web.forms import MESSAGES, FlaskForm, IndonesianTranslations

CSV = (
    "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Kemampuan literasi,Hasil belajar,48.5,Kurang\n"
)


@pytest.fixture
def cycle(session, world):
    operator = world["users"]["school_operator"]
    import_indicators(session, operator, io.BytesIO(CSV.encode()), filename="r.csv",
                      school_id=world["inside"].id, year=2026)  # fmt: skip
    cycle = ops.open_cycle(session, operator, world["inside"].id, 2026)
    priority = ops.add_priority(session, operator, cycle.id, "A.1", "Literasi rendah")
    ops.add_root_cause(session, operator, cycle.id, priority.id, "Minat baca rendah")
    return cycle


def _activity(cause_id, **changes):
    data = {
        "activity-root_cause_id": cause_id, "activity-title": "Pojok baca", "activity-snp": "sarpras",
        "activity-owner": "Pustakawan", "activity-start_date": "2026-08-01", "activity-end_date": "2026-12-01",
        "activity-budget_ref": "RKAS 5.2.1", "activity-target": "Pojok baca di 6 kelas",
    }  # fmt: skip
    data.update(changes)
    return data


def _cause_id(session, cycle):
    from spmp.spmi.queries import cycle_content

    return cycle_content(session, cycle).priorities[0].root_causes[0].id


def test_every_form_of_the_app_uses_the_shared_base():
    """A form on flask_wtf's own base would show English messages and let the browser cut long text."""
    offenders = []
    for module_info in pkgutil.walk_packages(web.__path__, "web."):
        if not module_info.name.endswith(".forms") or module_info.name == "web.forms":
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            is_form = inspect.isclass(value) and issubclass(value, flask_wtf.FlaskForm)
            if is_form and not issubclass(value, FlaskForm):
                offenders.append(f"{module_info.name}.{name}")
    assert not offenders


def test_wtforms_messages_are_translated():
    from wtforms.validators import Length

    translations = IndonesianTranslations()
    assert translations.gettext("This field is required.") == "Wajib diisi."
    assert "maksimal" in translations.ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        200,
    )
    # The catalogue follows WTForms' own wording (a renamed message would silently fall back to English).
    assert Length(max=5).message is None and "Field cannot be longer than %(max)d characters." in MESSAGES
    assert all(not re.search(r"\b(the|must|field|invalid)\b", text) for text in MESSAGES.values())


def test_too_long_text_is_refused_with_a_summary_not_cut(client, world, cycle, session):
    login(client, world["users"]["school_operator"])
    path = f"/spmi/siklus/{cycle.id}"
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"\smaxlength=", html)  # the browser must not drop what is typed beyond the limit
    assert 'data-maxlength="200"' in html and "Maksimal 200 karakter." in html
    title = "Pojok baca " * 30  # 330 characters, limit 200
    response = post(client, f"{path}/kegiatan", _activity(_cause_id(session, cycle), **{"activity-title": title}),
                    token_from=path)  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert session.query(SpmiActivity).count() == 0
    summary = body[body.index('id="error-summary"') : body.index("</div>", body.index('id="error-summary"'))]
    assert (
        '<a href="#activity-title">Nama kegiatan: Terlalu panjang: maksimal 200 karakter (terisi 330)'
        in summary
    )
    assert body.index('id="error-summary"') < body.index('id="status"')  # at the top, above the page content
    assert title.strip() in body  # the text is shown back whole, to be shortened by its author
    assert "Field cannot" not in body and "This field" not in body


def test_summary_lists_every_failed_field_with_a_link(client, world, cycle, session):
    login(client, world["users"]["school_operator"])
    path = f"/spmi/siklus/{cycle.id}"
    data = _activity(_cause_id(session, cycle), **{"activity-title": "", "activity-start_date": "besok"})
    body = post(client, f"{path}/kegiatan", data, token_from=path).get_data(as_text=True)
    assert '<a href="#activity-title">Nama kegiatan: Wajib diisi.</a>' in body
    assert '<a href="#activity-start_date">Mulai: Tanggal tidak valid' in body
    assert 'id="activity-title"' in body and 'id="activity-start_date"' in body
    # An error found by the operation (not the form) is listed too.
    data = _activity(_cause_id(session, cycle), **{"activity-end_date": "2026-07-01"})
    body = post(client, f"{path}/kegiatan", data, token_from=path).get_data(as_text=True)
    assert '<a href="#activity-end_date">Selesai: Tanggal selesai tidak boleh sebelum tanggal mulai' in body


def test_a_saved_form_tells_the_browser_to_drop_its_draft(client, world, cycle, session):
    login(client, world["users"]["school_operator"])
    path = f"/spmi/siklus/{cycle.id}"
    response = post(client, f"{path}/kegiatan", _activity(_cause_id(session, cycle), **{"activity-title": ""}),
                    token_from=path)  # fmt: skip
    assert "data-saved-form" not in response.get_data(as_text=True)
    assert "data-saved-form" not in client.get(path).get_data(as_text=True)
    response = post(client, f"{path}/kegiatan", _activity(_cause_id(session, cycle)), token_from=path)
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert f'data-saved-form="{path}/kegiatan"' in html
    assert "data-saved-form" not in client.get(path).get_data(as_text=True)  # told once
    assert '<script src="/static/forms.js' in html


def test_idle_session_on_submit_leads_back_to_the_form_after_login(client, world, cycle, session):
    operator = world["users"]["school_operator"]
    login(client, operator)
    path = f"/spmi/siklus/{cycle.id}"
    token = csrf_token(client, path)
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60
    response = client.post(f"{path}/kegiatan", data={**_activity(_cause_id(session, cycle)), "csrf_token": token},
                           headers={"Referer": f"http://localhost{path}"})  # fmt: skip
    assert session.query(SpmiActivity).count() == 0
    assert response.status_code == 302 and response.location == f"/login?next={path}"
    html = client.get(response.location).get_data(as_text=True)
    assert "tersimpan di perangkat ini" in html
    assert f'name="next" type="hidden" value="{path}"' in html
    token = csrf_token(client, f"/login?next={path}")
    response = client.post("/login", data={"username": operator.username, "password": PASSWORD, "next": path,
                                           "csrf_token": token})  # fmt: skip
    assert response.status_code == 302 and response.location == path


def test_expired_form_token_offers_the_way_back(app, client, world, cycle, session):
    path = f"/spmi/siklus/{cycle.id}"
    # No session at all any more (cookie gone): the POST is refused and nothing is written ...
    response = client.post(f"{path}/kegiatan", data=_activity(_cause_id(session, cycle)),
                           headers={"Referer": f"http://localhost{path}"})  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Formulir kedaluwarsa" in body
    assert session.query(SpmiActivity).count() == 0
    # ... and the page leads to the login, which comes back to the form (where forms.js restores the draft).
    assert f'href="/login?next={path}"' in body and "Masuk kembali" in body
    # Logged in, a bad token leads straight back to the form; a foreign Referer is not followed.
    login(client, world["users"]["school_operator"])
    body = client.post(f"{path}/kegiatan", data={"csrf_token": "x"},
                       headers={"Referer": f"http://localhost{path}"}).get_data(as_text=True)  # fmt: skip
    assert f'id="error-action" href="{path}"' in body and "Kembali ke formulir" in body
    body = client.post(f"{path}/kegiatan", data={}, headers={"Referer": "http://evil.example/x"}).get_data(
        as_text=True
    )
    assert 'id="error-action" href="/"' in body


def test_upload_limit_is_shown_and_checkable_in_the_browser(client, world, settings):
    login(client, world["users"]["school_operator"])
    html = client.get(f"/spmi/sekolah/{world['inside'].id}/indikator").get_data(as_text=True)
    limit = settings.max_upload_mb
    assert f"Ukuran maksimal {limit} MB per berkas." in html
    assert f'data-max-bytes="{limit * 1024 * 1024}"' in html
