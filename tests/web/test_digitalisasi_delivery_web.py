"""Delivery pages: the unit imports the supplier's XLSX (row errors shown, nothing saved), the school
fills the BAST with a photo and the serials on its phone, the counts per regency follow."""

from __future__ import annotations

import io

from sqlalchemy import select

from spmp.digitalisasi.models import Device, Shipment
from tests.spmp.digitalisasi.support import YEAR, delivery_world, png, supplier_xlsx
from tests.web.conftest import login, post


def _upload(client, rows):
    data = {
        "year": str(YEAR),
        "supplier": "PT Contoh",
        "file": (io.BytesIO(supplier_xlsx(rows)), "kiriman.xlsx"),
    }
    return post(client, "/digitalisasi/pengiriman/impor", data, token_from="/digitalisasi/pengiriman/impor",
                content_type="multipart/form-data")  # fmt: skip


def test_import_bast_and_counts(app, client, session, world):
    w = delivery_world(session)
    login(client, "staf_dg", "sandi-uji-12345")
    refused = _upload(client, [(w["a"].npsn, "SJ-9", "2026-08-17", "kulkas", "X-1", "")])
    page = refused.get_data(as_text=True)
    assert (
        refused.status_code == 422
        and "baris 3, kolom jenis_perangkat" in page
        and "tidak ada yang disimpan" in page
    )
    assert session.scalar(select(Shipment.id)) is None
    done = _upload(client, [(w["a"].npsn, "SJ-1", "2026-08-17", "panel", "IFP-1", ""),
                            (w["a"].npsn, "SJ-1", "2026-08-17", "laptop", "LAP-1", "")])  # fmt: skip
    assert done.status_code == 302
    page = client.get(f"/digitalisasi/pengiriman?tahun={YEAR}").get_data(as_text=True)
    assert "Kupang" in page and "2 / 0" in page
    shipment = session.scalar(select(Shipment).where(Shipment.reference == "SJ-1"))

    school = app.test_client()
    login(school, "op_a_dg", "sandi-uji-12345")
    page = school.get(f"/sekolah/{w['a'].id}").get_data(as_text=True)
    assert "SJ-1" in page and "Dalam pengiriman" in page
    page = school.get(f"/digitalisasi/pengiriman/{shipment.id}").get_data(as_text=True)
    assert f"/kendala/baru?sekolah={w['a'].id}&amp;kasus={shipment.case_id}" in page  # the shared obstacle case type
    form = {"received_on": "2026-08-20", "receiver_name": "Maria Bria", "serials": "ifp-1\nNOPE-1", "note": "",
            "photos": (io.BytesIO(png()), "serah.png")}  # fmt: skip
    path = f"/digitalisasi/pengiriman/{shipment.id}"
    refused = post(school, path, form, token_from=path, content_type="multipart/form-data")
    assert refused.status_code == 422 and "nomor seri NOPE-1 tidak pernah dikirim" in refused.get_data(
        as_text=True
    )
    form.update(serials="ifp-1\nLAP-1", photos=(io.BytesIO(png()), "serah.png"))
    assert post(school, path, form, token_from=path, content_type="multipart/form-data").status_code == 302
    page = school.get(path).get_data(as_text=True)
    assert 'id="bast"' in page and "2 dari 2" in page and "serah.png" in page
    page = school.get(f"/sekolah/{w['a'].id}").get_data(as_text=True)
    assert 'id="school-assets"' in page and "IFP-1" in page and "Diterima sekolah (BAST)" in page
    assert session.scalar(select(Device.asset_school_id).where(Device.serial == "IFP-1")) == w["a"].id
    page = client.get(f"/digitalisasi/pengiriman?tahun={YEAR}").get_data(as_text=True)
    assert "2 / 2" in page
    page = client.get(f"/digitalisasi/pengiriman?tahun={YEAR}&kabkota=53.71").get_data(as_text=True)
    assert "SJ-1" in page and "Diterima sekolah (BAST)" in page
