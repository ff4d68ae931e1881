"""List downloads (?format=csv|xlsx): the filters of the page, the user's scope, the whole list (not one
page), streamed, with formula injection neutralised."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.factories import make_school
from tests.web.conftest import login


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return list(workbook.active.iter_rows(values_only=True))


def column(rows, name: str) -> list:
    index = list(rows[0]).index(name)
    return [r[index] for r in rows[1:]]


@pytest.fixture
def directory(session, world):
    """Besides the world's two schools: 60 SMP in Kota Kupang (more than a page), a formula-named school."""
    for i in range(60):
        make_school(session, regency_code="53.71", name=f"SMP Uji {i:02d}", bentuk="SMP")
    make_school(session, regency_code="53.71", name='=HYPERLINK("http://jahat","klik")', bentuk="SD")
    make_school(session, regency_code="35.78", name="@SUM(1+1) Surabaya", bentuk="SD")
    return world


def test_directory_csv_has_the_whole_filtered_list_with_names_not_codes(client, directory):
    login(client, directory["users"]["dinas_province"])
    rows = csv_rows(client.get("/sekolah?bentuk=SMP&format=csv"))
    assert rows[0][:6] == ["NPSN", "Nama sekolah", "Jenjang", "Status", "Kabupaten/Kota", "Provinsi"]
    names = column(rows, "Nama sekolah")
    assert names == [f"SMP Uji {i:02d}" for i in range(60)]  # all 60, not the page of 50; in page order
    assert set(column(rows, "Kabupaten/Kota")) == {"Kota Kupang"}
    assert set(column(rows, "Provinsi")) == {"Nusa Tenggara Timur"}


def test_directory_xlsx_same_rows_as_csv(client, directory):
    login(client, directory["users"]["dinas_province"])
    as_csv = csv_rows(client.get("/sekolah?q=uji+0&format=csv"))
    as_xlsx = xlsx_rows(client.get("/sekolah?q=uji+0&format=xlsx"))
    assert column(as_xlsx, "NPSN") == column(as_csv, "NPSN")
    assert len(as_xlsx) == 11  # header + SMP Uji 00..09


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_directory_export_is_scoped_to_the_user(client, directory, fmt):
    """A Dinas of Kota Kupang gets only Kota Kupang, even when asking for Jawa Timur's province."""
    login(client, directory["users"]["dinas_regency"])
    response = client.get(f"/sekolah?format={fmt}")
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert set(column(rows, "Kabupaten/Kota")) == {"Kota Kupang"}
    assert "SD Negeri 1 Surabaya" not in column(rows, "Nama sekolah")
    outside = client.get(f"/sekolah?provinsi=35&format={fmt}")
    rows = csv_rows(outside) if fmt == "csv" else xlsx_rows(outside)
    assert len(rows) == 1  # the header only


def test_school_operator_exports_only_their_school(client, directory):
    login(client, directory["users"]["school_operator"])
    rows = csv_rows(client.get("/sekolah?format=csv"))
    assert column(rows, "Nama sekolah") == ["SD Negeri 1 Kupang"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_directory_export_neutralises_formulas(client, directory, fmt):
    login(client, directory["users"]["pusat"])
    response = client.get(f"/sekolah?bentuk=SD&format={fmt}")
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    names = column(rows, "Nama sekolah")
    assert '\'=HYPERLINK("http://jahat","klik")' in names
    assert "'@SUM(1+1) Surabaya" in names
    assert not any(str(n).startswith(("=", "@", "+", "-")) for n in names)


def test_directory_export_is_a_streamed_download(client, directory):
    login(client, directory["users"]["pusat"])
    response = client.get("/sekolah?format=csv")
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="direktori-sekolah-')
    assert "no-store" in response.headers["Cache-Control"]


def test_unknown_format_is_a_400_in_indonesian(client, directory):
    login(client, directory["users"]["pusat"])
    response = client.get("/sekolah?format=pdf")
    assert response.status_code == 400
    assert "Format unduhan tidak dikenal" in response.get_data(as_text=True)


def test_directory_page_links_to_downloads_with_its_filters(client, directory):
    login(client, directory["users"]["pusat"])
    html = client.get("/sekolah?bentuk=SMP&provinsi=53").get_data(as_text=True)
    assert "format=xlsx" in html and "format=csv" in html
    start = html.index('class="export-links"')
    links = html[start : html.index("</p>", start)]
    assert "bentuk=SMP" in links and "provinsi=53" in links and "setelah" not in links


def test_download_stays_streamed_when_the_browser_accepts_gzip(client, directory):
    """The page compression (web/assets.py) must not buffer a download into memory."""
    login(client, directory["users"]["pusat"])
    response = client.get("/sekolah?format=csv", headers={"Accept-Encoding": "gzip, br"})
    assert response.is_streamed and "Content-Encoding" not in response.headers
    assert len(csv_rows(response)) == 65  # header + 64 schools


def test_downloaded_times_are_in_the_readers_zone(app, client, world, session):
    """A Widyaprada in Kupang reads WITA in the case list's download, as on the page; Pusat reads WIB."""
    from datetime import UTC, datetime, timedelta

    from spmp.engine import operations as cases

    wp = world["users"]["widyaprada"]
    case = cases.open_case(session, wp, "school_visit", title="Supervisi", school_id=world["inside"].id)
    case.opened_at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    session.flush()
    login(client, wp)
    rows = xlsx_rows(client.get("/kasus?format=xlsx"))
    assert "Dibuka (WITA)" in rows[0]
    assert column(rows, "Dibuka (WITA)") == [datetime(2026, 3, 2, 9, 30)]  # UTC+8
    csv = csv_rows(client.get("/kasus?format=csv"))
    assert column(csv, "Dibuka (WITA)") == ["2026-03-02 09:30"]
    pusat = app.test_client()
    login(pusat, world["users"]["pusat"])
    rows = xlsx_rows(pusat.get("/kasus?format=xlsx"))
    opened = dict(zip(column(rows, "No."), column(rows, "Dibuka (WIB)"), strict=True))
    assert opened[case.id] == datetime(2026, 3, 2, 1, 30) + timedelta(hours=7)
