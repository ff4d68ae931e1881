"""Times in the reader's own zone: WIB, WITA or WIT from the province of the user's school, region or unit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from spmp.accounts import operations as accounts
from spmp.regions.models import Province
from spmp.regions.timezones import WIB, WIT, WITA, localize, zone_for_province, zone_for_user
from tests.factories import make_school


def test_every_province_has_its_zone(session):
    codes = session.scalars(select(Province.code).order_by(Province.code)).all()
    assert len(codes) == 38
    zones = {code: zone_for_province(code).label for code in codes}
    assert [c for c, z in zones.items() if z == "WIT"] == ["81", "82", "91", "92", "93", "94", "95", "96"]
    assert {zones[c] for c in ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")} == {
        "WITA"
    }
    assert {zones[c] for c in ("11", "21", "31", "35", "36", "61", "62")} == {"WIB"}
    assert sum(1 for z in zones.values() if z == "WIB") == 18


def test_the_same_instant_reads_differently_in_each_zone():
    at = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    assert [localize(at, z).strftime("%d %H:%M") for z in (WIB, WITA, WIT)] == [
        "06 00:00",
        "06 01:00",
        "06 02:00",
    ]
    assert localize(datetime(2026, 12, 5, 17, 0), WIB).hour == 0  # a naive value is UTC


def test_user_zone_follows_school_region_or_unit(session):
    def user(name, role, **scope):
        return accounts.create_user(
            session, username=name, full_name=name, password="kata-sandi-zona-1", role=role,
            scope=accounts.Scope(**scope),
        )  # fmt: skip

    jayapura = make_school(session, regency_code="91.71")
    surabaya = make_school(session, regency_code="35.78")
    assert zone_for_user(user("op.papua", "school_operator", school_npsn=jayapura.npsn)) is WIT
    assert zone_for_user(user("op.jatim", "school_operator", school_npsn=surabaya.npsn)) is WIB
    assert zone_for_user(user("wp.ntt", "widyaprada", unit_code="BPMP-NTT")) is WITA
    assert zone_for_user(user("dinas.maluku", "dinas_province", province_code="81")) is WIT
    assert zone_for_user(user("dinas.makassar", "dinas_regency", regency_code="73.71")) is WITA
    assert zone_for_user(user("pusat.zona", "pusat")) is WIB
    assert zone_for_user(None) is WIB
