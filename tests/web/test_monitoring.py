"""Monitoring pages (issue 10): regency/province names instead of codes, the "terlambat" filter across a
unit, bulk opening on a page of its own, and every monitoring list downloadable with its filters and scope.

World: "inside" (Kota Kupang, NTT) opened at T, "inside_2" (Kota Kupang) opened at T+20 days, "outside"
(Surabaya, Jawa Timur) opened at T. Penetapan is due 30 days after opening, so at T+35 days "inside" and
"outside" are late and "inside_2" is not.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from spmp import clock
from spmp.engine import operations as cases
from spmp.spmi import operations as ops
from spmp.spmi.importer import import_indicators
from tests.factories import make_school
from tests.web.conftest import login, post
from tests.web.test_exports import column, csv_rows, xlsx_rows

YEAR = 2026
# T is 35 days before the real time: the tests then run on the real clock (second-factor codes of the
# national users are checked against it) with "inside" 5 days late.
T = datetime.now(UTC) - timedelta(days=35)


@pytest.fixture
def late_world(session, world, monkeypatch):
    admin = world["users"]["admin"]
    world["inside_2"] = make_school(session, regency_code="53.71", name="SD Negeri 2 Kupang")
    monkeypatch.setattr(clock, "_now", lambda: T)
    world["inside_cycle"] = ops.open_cycle(session, admin, world["inside"].id, YEAR)
    world["outside_cycle"] = ops.open_cycle(session, admin, world["outside"].id, YEAR)
    monkeypatch.setattr(clock, "_now", lambda: T + timedelta(days=20))
    world["inside_2_cycle"] = ops.open_cycle(session, admin, world["inside_2"].id, YEAR)
    monkeypatch.setattr(clock, "_now", clock._system_now)
    return world


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_progress_and_drill_down_show_names_not_codes(client, late_world):
    login(client, late_world["users"]["bpmp_head"])
    html = _html(client, f"/spmi/progres?tahun={YEAR}")
    assert "Kota Kupang" in html and "Nusa Tenggara Timur" in html
    html = _html(client, f"/spmi/progres/53.71?tahun={YEAR}")
    assert "<title>Progres SPMI Kota Kupang" in html
    assert "Sekolah di Kota Kupang" in html and "Nusa Tenggara Timur" in html
    assert "53.71" not in html.split("<main>")[1].split("</h1>")[0]  # not in crumbs or heading


def test_unknown_regency_is_404_not_an_empty_page(client, late_world):
    login(client, late_world["users"]["pusat"])
    assert client.get("/spmi/progres/99.99").status_code == 404


def test_late_filter_on_progress_and_drill_down(client, late_world):
    login(client, late_world["users"]["bpmp_head"])
    html = _html(client, f"/spmi/progres?tahun={YEAR}")
    assert "50%" in html  # 2 cycles in Kota Kupang, 1 late
    rows = csv_rows(client.get(f"/spmi/progres?tahun={YEAR}&terlambat=1&format=csv"))
    assert column(rows, "Kabupaten/Kota") == ["Kota Kupang"]
    assert column(rows, "Siklus") == ["1"] and column(rows, "Terlambat") == ["1"]
    html = _html(client, f"/spmi/progres/53.71?tahun={YEAR}&terlambat=1")
    assert "SD Negeri 1 Kupang" in html and "SD Negeri 2 Kupang" not in html
    assert "terlambat 5 hari" in html
    html = _html(client, f"/spmi/progres/53.71?tahun={YEAR}")
    assert "SD Negeri 1 Kupang" in html and "SD Negeri 2 Kupang" in html


def test_late_list_across_the_unit_is_scoped(client, app, late_world):
    login(client, late_world["users"]["bpmp_head"])
    html = _html(client, f"/spmi/terlambat?tahun={YEAR}")
    assert "SD Negeri 1 Kupang" in html and "Kota Kupang" in html
    assert "SD Negeri 2 Kupang" not in html  # not late
    assert "Surabaya" not in html  # late, but outside BPMP NTT's provinces
    national = app.test_client()
    login(national, late_world["users"]["pusat"])
    rows = csv_rows(national.get(f"/spmi/terlambat?tahun={YEAR}&format=csv"))
    assert sorted(column(rows, "Sekolah")) == ["SD Negeri 1 Kupang", "SD Negeri 1 Surabaya"]
    assert sorted(column(rows, "Kabupaten/Kota")) == ["Kota Kupang", "Kota Surabaya"]
    assert set(column(rows, "Terlambat")) == {"Ya"} and set(column(rows, "Hari terlambat")) == {"5"}


def test_late_list_after_the_case_closes_or_pauses_is_empty(client, late_world, session):
    """One definition of late: open, not paused, due date passed."""
    login(client, late_world["users"]["dinas_regency"])
    assert "SD Negeri 1 Kupang" in _html(client, f"/spmi/terlambat?tahun={YEAR}")
    cases.pause_case(session, late_world["users"]["admin"], late_world["inside_cycle"].case_id,
                     late_world["inside_cycle"].case.version, "Bencana alam")  # fmt: skip
    assert "SD Negeri 1 Kupang" not in _html(client, f"/spmi/terlambat?tahun={YEAR}")


def test_drill_down_downloads_with_names_and_filters(client, late_world):
    login(client, late_world["users"]["dinas_province"])
    rows = xlsx_rows(client.get(f"/spmi/progres/53.71?tahun={YEAR}&format=xlsx"))
    assert sorted(column(rows, "Sekolah")) == ["SD Negeri 1 Kupang", "SD Negeri 2 Kupang"]
    assert set(column(rows, "Kabupaten/Kota")) == {"Kota Kupang"}
    assert set(column(rows, "Provinsi")) == {"Nusa Tenggara Timur"}
    assert set(column(rows, "Tahap")) == {"Penetapan Standar Mutu"}
    late = csv_rows(client.get(f"/spmi/progres/53.71?tahun={YEAR}&terlambat=1&format=csv"))
    assert column(late, "Sekolah") == ["SD Negeri 1 Kupang"]
    # Jawa Timur's regency through a NTT user: the header only.
    assert len(csv_rows(client.get(f"/spmi/progres/35.78?tahun={YEAR}&format=csv"))) == 1


def test_cases_list_late_filter_and_download(client, late_world):
    login(client, late_world["users"]["bpmp_staff"])
    html = _html(client, "/kasus?terlambat=1")
    assert "SD Negeri 1 Kupang" in html and "SD Negeri 2 Kupang" not in html
    rows = csv_rows(client.get("/kasus?terlambat=1&format=csv"))
    assert column(rows, "Sekolah") == ["SD Negeri 1 Kupang"]
    assert column(rows, "Kabupaten/Kota") == ["Kota Kupang"] and column(rows, "Terlambat") == ["Ya"]
    everything = xlsx_rows(client.get("/kasus?format=xlsx"))
    assert sorted(column(everything, "Sekolah")) == ["SD Negeri 1 Kupang", "SD Negeri 2 Kupang"]
    assert set(column(everything, "Jenis")) == {"Siklus SPMI"}


def _submit_penetapan(session, world, cycle, school) -> None:
    operator = world["users"]["school_operator"]
    csv_data = "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Literasi,Hasil belajar,48.5,Kurang\n"
    import_indicators(session, operator, io.BytesIO(csv_data.encode()), filename="r.csv", school_id=school.id,
                      year=YEAR)  # fmt: skip
    priority = ops.add_priority(session, operator, cycle.id, "A.1", "Rendah")
    cause = ops.add_root_cause(session, operator, cycle.id, priority.id, "Sebab")
    ops.add_activity(session, operator, cycle.id, ops.ActivityInput(
        cause.id, "K", "isi", "A", date(2026, 9, 1), date(2026, 10, 1), "RKAS", "T"))  # fmt: skip
    ops.set_standard(session, operator, cycle.id, "isi", "Target")
    ops.submit_phase(session, operator, cycle.id, cycle.case.version)


def test_review_queue_late_filter_and_download(client, late_world, session, monkeypatch):
    _submit_penetapan(session, late_world, late_world["inside_cycle"], late_world["inside"])
    login(client, late_world["users"]["widyaprada"])
    rows = csv_rows(client.get("/spmi/tinjauan?format=csv"))
    assert rows[0] == [
        "NPSN",
        "Sekolah",
        "Kabupaten/Kota",
        "Siklus",
        "Tahap",
        "Diajukan (WITA)",  # the Widyaprada works in Kupang
        "Menunggu (hari)",
    ]
    assert column(rows, "Sekolah") == ["SD Negeri 1 Kupang"]
    assert column(rows, "Kabupaten/Kota") == ["Kota Kupang"]
    assert "Tidak ada tinjauan yang terlambat." in _html(client, "/spmi/tinjauan?terlambat=1")
    later = datetime.now(UTC) + timedelta(days=25)  # 10 working days have passed
    monkeypatch.setattr(clock, "_now", lambda: later)
    html = _html(client, "/spmi/tinjauan?terlambat=1")
    assert "SD Negeri 1 Kupang" in html and "Kota Kupang" in html
    rows = xlsx_rows(client.get("/spmi/tinjauan?terlambat=1&format=xlsx"))
    assert column(rows, "Sekolah") == ["SD Negeri 1 Kupang"] and column(rows, "Menunggu (hari)") == [25]


def test_users_download_is_filtered_and_admin_only(client, app, late_world):
    login(client, late_world["users"]["admin"])
    rows = csv_rows(client.get("/admin/pengguna?peran=bpmp_head&format=csv"))
    assert column(rows, "Nama pengguna") == ["kepala_ntt"]
    assert "Nusa Tenggara Timur" in column(rows, "Cakupan")[0]
    rows = xlsx_rows(client.get("/admin/pengguna?q=ntt&format=xlsx"))
    assert {"wp_ntt", "staf_ntt", "kepala_ntt", "dinas_ntt", "fasil_ntt"} <= set(
        column(rows, "Nama pengguna")
    )
    other = app.test_client()
    login(other, late_world["users"]["bpmp_head"])
    assert other.get("/admin/pengguna?format=csv").status_code == 403


def test_bulk_open_has_its_own_page(client, late_world, session):
    login(client, late_world["users"]["bpmp_head"])
    progress = _html(client, f"/spmi/progres?tahun={YEAR}")
    assert 'action="/spmi/progres/buka"' not in progress  # no form that writes on the monitoring page
    assert 'id="bulk-open-link"' in progress
    page = _html(client, f"/spmi/progres/buka?tahun={YEAR + 1}")
    assert 'id="bulk-open"' in page and f'value="{YEAR + 1}"' in page
    bad = post(client, "/spmi/progres/buka", {"year": "dua ribu"}, token_from="/spmi/progres/buka")
    assert bad.status_code == 400 and "Buka siklus SPMI massal" in bad.get_data(as_text=True)
    done = post(client, "/spmi/progres/buka", {"year": str(YEAR + 1)}, token_from="/spmi/progres/buka")
    assert done.status_code == 302 and done.location.endswith(f"/spmi/progres?tahun={YEAR + 1}")
    html = _html(client, f"/spmi/progres?tahun={YEAR + 1}")
    assert "Kota Kupang" in html and "Kota Surabaya" not in html


def test_progress_page_offers_downloads_with_filters(client, late_world):
    login(client, late_world["users"]["pusat"])
    html = _html(client, f"/spmi/progres?tahun={YEAR}&terlambat=1")
    start = html.index('class="export-links"')
    links = html[start : html.index("</p>", start)]
    assert "terlambat=1" in links and f"tahun={YEAR}" in links and "format=csv" in links
