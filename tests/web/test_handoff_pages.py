"""Pages of the hand-off work: "Pekerjaan saya" in two parts, notices in the header, Indonesian timeline
labels (no trigger names, a reschedule reads "Jadwal diubah")."""

from __future__ import annotations

import re

from spmp.engine import operations as cases
from tests.factories import make_school
from tests.web.conftest import login, post


def _section(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"')[1].split("</table>")[0]


def _fire(client, case_id: int, trigger: str, **data):
    page = client.get(f"/kasus/{case_id}").get_data(as_text=True)
    version = int(re.search(r'name="seen_version" value="(\d+)"', page).group(1))
    response = post(client, f"/kasus/{case_id}/aksi/{trigger}", {"seen_version": version, **data},
                    token_from=f"/kasus/{case_id}")  # fmt: skip
    assert response.status_code == 302


def test_worklist_parts_and_school_place_and_notice(client, world, session):
    users = world["users"]
    wp, staff = users["widyaprada"], users["bpmp_staff"]
    twin = make_school(session, regency_code="53.01", name=world["inside"].name)  # same name, Kab. Kupang
    from spmp.accounts import operations as accounts

    accounts.assign_schools(session, users["admin"], wp, [twin.npsn])
    mine = cases.open_case(session, staff, "school_visit", title="Supervisi A", school_id=world["inside"].id,
                           assignee_user_id=wp.id)  # fmt: skip
    cases.open_case(session, staff, "school_visit", title="Supervisi B", school_id=twin.id,
                    assignee_user_id=wp.id)  # fmt: skip

    login(client, wp)
    html = client.get("/").get_data(as_text=True)
    assert "Menunggu tindakan saya (2)" in html and "Menunggu pihak lain (0)" in html
    for_me = _section(html, "worklist")
    assert "Supervisi A" in for_me and "Draf" in for_me
    assert f"NPSN {world['inside'].npsn} · Kota Kupang" in for_me  # twins are told apart
    assert f"NPSN {twin.npsn} · Kabupaten Kupang" in for_me
    # The notice of the assignment is in the Widyaprada's notifications.
    assert "ditugaskan kepada Anda: Supervisi A" in client.get("/notifikasi").get_data(as_text=True)

    _fire(client, mine.id, "schedule", input_visit_date="2026-12-03")
    other = client.application.test_client()
    login(other, staff)
    staff_page = other.get("/").get_data(as_text=True)
    waiting = _section(staff_page, "worklist-others")
    assert (
        "Supervisi A" in waiting and "Terjadwal" in waiting and "Wp_Ntt" in waiting
    )  # waits on the assignee
    assert "Supervisi A" not in _section(staff_page, "worklist")


def test_case_timeline_reads_in_indonesian(client, world, session):
    wp = world["users"]["widyaprada"]
    case = cases.open_case(session, wp, "school_visit", title="Supervisi semester ganjil",
                           school_id=world["inside"].id, assignee_user_id=wp.id)  # fmt: skip
    login(client, wp)
    _fire(client, case.id, "schedule", input_visit_date="2026-12-03")
    _fire(client, case.id, "reschedule", input_visit_date="2026-12-10")
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    timeline = html.split('id="timeline"')[1].split("</table>")[0]
    assert "Kunjungan dijadwalkan" in timeline and "Draf → Terjadwal" in timeline
    assert "Jadwal diubah" in timeline and "Tanggal kunjungan: 2026-12-10" in timeline
    assert "Terjadwal → Terjadwal" not in timeline
    assert "Tindakan" not in timeline and "reschedule" not in timeline and "schedule" not in timeline
    school_page = client.get(f"/sekolah/{world['inside'].id}/linimasa").get_data(as_text=True)
    assert "Supervisi semester ganjil: Jadwal diubah" in school_page
    assert "Terjadwal → Terjadwal" not in school_page


def test_worklist_downloads_as_csv_and_xlsx(client, world, session):
    wp = world["users"]["widyaprada"]
    cases.open_case(session, world["users"]["bpmp_staff"], "school_visit", title="=Supervisi A",
                    school_id=world["inside"].id, assignee_user_id=wp.id)  # fmt: skip
    login(client, wp)
    assert 'class="export-csv"' in client.get("/").get_data(as_text=True)
    response = client.get("/?format=csv")
    assert response.status_code == 200 and "pekerjaan-saya-" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Bagian,Nomor kasus,Kasus,Jenis,Tahap,Sekolah,NPSN")
    assert lines[1].startswith("Menunggu tindakan saya,") and "'=Supervisi A" in lines[1]  # neutralised
    assert f"{world['inside'].npsn},Kota Kupang" in lines[1]
    assert client.get("/?format=xlsx").data[:2] == b"PK"
    assert client.get("/?format=pdf").status_code == 400


def test_assignee_changed_on_the_case_page_is_told(client, world, session):
    from spmp.notifications.models import Notification

    users = world["users"]
    case = cases.open_case(session, users["bpmp_staff"], "school_visit", title="Supervisi C",
                           school_id=world["inside"].id)  # fmt: skip
    login(client, users["bpmp_head"])
    page = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert 'id="assign-form"' in page and "Wp_Ntt (Widyaprada)" in page
    assert (
        f'<option value="{users["school_operator"].id}"' not in page.split('id="assign-form"')[1].split("</form>")[0]
    )
    data = {"seen_version": "1", "assignee": str(users["school_operator"].id)}  # not of the unit: refused
    post(client, f"/kasus/{case.id}/penanggung-jawab", data, token_from=f"/kasus/{case.id}")
    assert "Pilih penanggung jawab dari daftar" in client.get(f"/kasus/{case.id}").get_data(as_text=True)
    data = {"seen_version": "1", "assignee": str(users["widyaprada"].id), "reason": "Wilayah binaannya"}
    response = post(client, f"/kasus/{case.id}/penanggung-jawab", data, token_from=f"/kasus/{case.id}")
    assert response.status_code == 302
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert "Penanggung jawab diubah" in html and "Wp_Ntt" in html.split("Penanggung jawab</dt>")[1][:80]
    session.expire_all()
    [notice] = session.query(Notification).filter_by(case_id=case.id, user_id=users["widyaprada"].id).all()
    assert "ditugaskan kepada Anda" in notice.title and "Catatan: Wilayah binaannya" in notice.body
    school_view = client.application.test_client()
    login(school_view, users["school_operator"])  # a school may not reassign: no form
    assert 'id="assign-form"' not in school_view.get(f"/kasus/{case.id}").get_data(as_text=True)
