"""The school directory query: filters, scope, keyset pagination, cursors, NPSN search."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import event, select

from spmp.accounts.models import User
from spmp.regions.models import UnitCoverage
from spmp.schools.queries import DirectoryFilters, encode_cursor, get_school, search_schools
from tests.factories import make_school

KOTA_KUPANG, KAB_KUPANG, SURABAYA = "53.71", "53.01", "35.78"  # Kabupaten Kupang is on the 3T list


@pytest.fixture
def national():
    return User(role="pusat")


@pytest.fixture
def bpmp_ntt(session):
    unit_id = session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == "53"))
    return User(role="bpmp_staff", unit_id=unit_id)


@pytest.fixture
def schools(session):
    return {
        "kupang_sd": make_school(session, npsn="53710001", regency_code=KOTA_KUPANG, name="SD Negeri 1 Kupang"),
        "kupang_smp": make_school(
            session, npsn="53710002", regency_code=KOTA_KUPANG, name="SMP Kristen 2 Kupang", bentuk="SMP",
            status="swasta",
        ),
        "kab_kupang": make_school(session, npsn="53010001", regency_code=KAB_KUPANG, name="SD Inpres Oelamasi"),
        "surabaya": make_school(session, npsn="35780001", regency_code=SURABAYA, name="SD Negeri Kupang Jaya"),
        "percent": make_school(session, npsn="35780002", regency_code=SURABAYA, name="TK 100% Ceria", bentuk="TK"),
    }  # fmt: skip


def npsns(page) -> set[str]:
    return {school.npsn for school in page.schools}


def search(session, user, **filters):
    return search_schools(session, user, DirectoryFilters(**filters))


def test_filters(session, national, schools):
    assert npsns(search(session, national, province_code="53")) == {"53710001", "53710002", "53010001"}
    assert npsns(search(session, national, regency_code=KOTA_KUPANG)) == {"53710001", "53710002"}
    assert npsns(search(session, national, province_code="53", bentuk="SMP")) == {"53710002"}
    assert npsns(search(session, national, province_code="53", status="negeri")) == {"53710001", "53010001"}
    assert npsns(search(session, national, province_code="53", is_3t=True)) == {"53010001"}
    assert npsns(search(session, national, province_code="53", is_3t=False)) == {"53710001", "53710002"}


def test_name_search_is_a_case_insensitive_substring(session, national, schools):
    assert npsns(search(session, national, q="KUPANG")) == {"53710001", "53710002", "35780001"}
    assert npsns(search(session, national, q="  kristen   2 ")) == {"53710002"}
    assert npsns(search(session, national, q="oelamasi", province_code="53")) == {"53010001"}
    # LIKE wildcards typed by the user are literal characters.
    assert npsns(search(session, national, q="100%")) == {"35780002"}
    assert npsns(search(session, national, q="%")) == {"35780002"}
    assert npsns(search(session, national, q="s_ negeri")) == set()


def test_npsn_search_exact_and_prefix(session, national, schools):
    assert npsns(search(session, national, q="53710002")) == {"53710002"}
    assert npsns(search(session, national, q="5371")) == {"53710001", "53710002"}
    assert npsns(search(session, national, q="3578000")) == {"35780001", "35780002"}
    assert npsns(search(session, national, q="99999999")) == set()


def test_bpmp_ntt_never_sees_a_jawa_timur_school(session, bpmp_ntt, schools):
    assert npsns(search(session, bpmp_ntt)) == {"53710001", "53710002", "53010001"}
    assert npsns(search(session, bpmp_ntt, province_code="35")) == set()
    assert npsns(search(session, bpmp_ntt, q="35780001")) == set()
    assert npsns(search(session, bpmp_ntt, q="kupang")) == {"53710001", "53710002"}
    assert get_school(session, bpmp_ntt, schools["surabaya"].id) is None
    assert get_school(session, bpmp_ntt, schools["kab_kupang"].id).npsn == "53010001"


def test_school_operator_sees_only_their_school(session, schools):
    operator = User(role="school_operator", school_id=schools["kupang_smp"].id)
    assert npsns(search(session, operator)) == {"53710002"}
    assert get_school(session, operator, schools["kupang_sd"].id) is None


def test_get_school_unknown_id(session, national):
    assert get_school(session, national, 987_654_321) is None


def test_keyset_pagination_visits_every_row_once_in_order(session, national):
    names = [f"SD Negeri {n} Lembata" for n in (3, 1, 2, 10, 7)] * 4 + ["sd negeri 1 lembata", "SD Alor"]
    created = [make_school(session, regency_code="53.13", name=name) for name in names]
    expected = [s.id for s in sorted(created, key=lambda s: (s.name_key, s.id))]
    seen, after, pages = [], None, 0
    while True:
        page = search_schools(session, national, DirectoryFilters(regency_code="53.13"), after=after, limit=5)
        seen += [s.id for s in page.schools]
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == expected  # every school once, in (name_key, id) order, ties on name broken by id
    assert pages == 5  # 22 schools in pages of 5; no empty trailing page
    exact = search_schools(session, national, DirectoryFilters(regency_code="53.13"), limit=22)
    assert exact.next_cursor is None and len(exact.schools) == 22


def test_pagination_with_a_name_filter(session, national):
    for n in range(12):
        make_school(session, regency_code="53.13", name=f"SMK Bahari {n:02d}")
    first = search_schools(session, national, DirectoryFilters(q="bahari"), limit=10)
    second = search_schools(
        session, national, DirectoryFilters(q="bahari"), after=first.next_cursor, limit=10
    )
    assert [s.name for s in first.schools + second.schools] == [f"SMK Bahari {n:02d}" for n in range(12)]
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%%",
        base64.urlsafe_b64encode(b"abc").decode(),
        base64.urlsafe_b64encode(b"-5:sd").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe:x").decode(),
        "A" * 5000,
    ],
)
def test_invalid_cursor_raises_value_error(session, national, cursor):
    with pytest.raises(ValueError, match="invalid directory cursor"):
        search_schools(session, national, DirectoryFilters(), after=cursor)


def test_cursor_cannot_widen_the_scope(session, bpmp_ntt, schools):
    # A hand-made cursor only moves the start position; the scope still applies.
    page = search_schools(session, bpmp_ntt, DirectoryFilters(), after=encode_cursor("", 0))
    assert npsns(page) == {"53710001", "53710002", "53010001"}


def test_page_loads_regency_in_one_query(session, national, schools):
    statements = []
    engine = session.get_bind()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    session.expunge_all()
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = search(session, national, province_code="53")
        regency_names = {school.regency.name for school in page.schools}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert regency_names == {"Kota Kupang", "Kabupaten Kupang"}
    assert len(statements) == 1
