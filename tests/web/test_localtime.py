"""Pages show times in the reader's own zone, with its label (WITA in Kupang, WIB in Jakarta)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import update

from spmp.engine import operations as cases
from spmp.engine.cases import CaseRecord
from tests.web.conftest import login


def _case_opened_at_5pm_utc(session, world):
    wp = world["users"]["widyaprada"]
    case = cases.open_case(
        session,
        wp,
        "school_visit",
        title="Supervisi zona",
        school_id=world["inside"].id,
        assignee_user_id=wp.id,
    )
    at = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 00:00 WIB, 01:00 WITA, 02:00 WIT on the 6th
    session.execute(
        update(CaseRecord).where(CaseRecord.id == case.id).values(opened_at=at, state_entered_at=at)
    )
    return case


def _opened(html: str) -> str:
    return re.search(r"<dt>Dibuka</dt><dd>([^<]*)</dd>", html).group(1)


def test_case_times_in_the_readers_zone(client, world, session):
    case = _case_opened_at_5pm_utc(session, world)
    login(client, world["users"]["widyaprada"])  # BPMP NTT, seat in Kupang: WITA
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert _opened(html) == "06-12-2026 01:00 WITA"
    assert "<th>Waktu (WITA)</th>" in html and " WIB" not in html


def test_national_user_reads_wib(client, world, session):
    case = _case_opened_at_5pm_utc(session, world)
    login(client, world["users"]["admin"])
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert _opened(html) == "06-12-2026 00:00 WIB"
    assert "<th>Waktu (WIB)</th>" in html
