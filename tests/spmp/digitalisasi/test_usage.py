"""Usage reports: the school reports a month in one form (checked field by field, all or nothing), the
month's flags (no report / a problem) are computed when the list is read and scoped to the area, a flag
becomes a ``kendala`` case once through spmp.kendala's operation, and the reminder reaches each school that
has not reported exactly once per month."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spmp import clock
from spmp.audit import AuditEvent
from spmp.digitalisasi import usage
from spmp.digitalisasi.field_models import UsageReminder, UsageReport
from spmp.kendala.models import Obstacle
from spmp.notifications.models import Notification
from tests.spmp.digitalisasi.field_support import received_world
from tests.spmp.digitalisasi.support import png


@pytest.fixture
def w(session, settings_root):
    return received_world(session, settings_root)


def _input(period=None, **changes):
    values = dict(period=period or usage.last_period(), hours_per_week=6, classes_using=4, teachers_using=3,
                  condition="baik", problem=None, note="")  # fmt: skip
    return usage.UsageInput(**{**values, **changes})


def test_the_school_reports_a_month_and_corrects_it(session, w, settings_root):
    report = usage.submit_report(session, w["op_a"], w["a"].id, _input(), settings_root)
    assert (report.hours_per_week, report.condition, report.problem) == (6, "baik", None)
    again = usage.submit_report(session, w["op_a"], w["a"].id,
                                _input(condition="bermasalah", problem="internet", photo=("kelas.png", png())),
                                settings_root)  # fmt: skip
    assert again.id == report.id and again.problem == "internet" and again.photo_media_type == "image/png"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "digitalisasi.usage_report")).all()
    assert len(events) == 2 and events[1].changes_dict["before"]["condition"] == "baik"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"hours_per_week": 81}, "hours_per_week", "antara 0 dan 80"),
        ({"classes_using": None}, "classes_using", "isi dengan angka"),
        ({"condition": "rusak"}, "condition", "pilih baik atau ada masalah"),
        ({"condition": "bermasalah"}, "problem", "jenis masalah"),
        ({"condition": "bermasalah", "problem": "lainnya"}, "note", "jelaskan"),
        ({"note": "x" * 1001}, "note", "1000"),
        ({"photo": ("kelas.png", b"not a png")}, "photo", "kelas.png"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(session, w, settings_root, changes, field, words):
    with pytest.raises(usage.UsageRefused) as refused:
        usage.submit_report(session, w["op_a"], w["a"].id, _input(**changes), settings_root)
    assert refused.value.field == field and words in str(refused.value).lower()
    assert session.scalar(select(func.count()).select_from(UsageReport)) == 0


def test_only_this_and_last_month_and_only_the_school_with_devices(session, w, settings_root):
    old = usage.previous_month(usage.last_period())
    with pytest.raises(usage.UsageRefused, match="Bulan laporan"):
        usage.submit_report(session, w["op_a"], w["a"].id, _input(period=old), settings_root)
    with pytest.raises(usage.UsageRefused, match="Hanya operator"):
        usage.submit_report(session, w["op_b"], w["a"].id, _input(), settings_root)
    with pytest.raises(usage.UsageRefused, match="Hanya operator"):
        usage.submit_report(session, w["staff"], w["a"].id, _input(), settings_root)


def test_flags_of_the_month_in_the_users_area(session, w, settings_root):
    usage.submit_report(
        session, w["op_a"], w["a"].id, _input(condition="bermasalah", problem="listrik"), settings_root
    )
    period = usage.last_period()

    def flagged(user, flag=None):
        rows = session.execute(usage.schools_query(user, usage.UsageFilters(period, flag))).all()
        return {school.name: usage.flag_of(report) for school, report, _case in rows}

    assert flagged(w["staff"]) == {
        "SD Negeri Alak": "masalah",
        "SD Negeri Oebobo": "belum",
    }  # "late" has no devices
    assert flagged(w["staff"], "belum") == {"SD Negeri Oebobo": "belum"}
    assert flagged(w["dinas"], "masalah") == {"SD Negeri Alak": "masalah"}
    assert flagged(w["staff_jatim"]) == {}
    counts = usage.counts(session, w["staff"], usage.UsageFilters(period))
    assert (counts.schools, counts.reported, counts.missing, counts.problems) == (2, 1, 1, 1)
    # Devices received (BAST) three days before the month before last began: not flagged for a month before.
    received = usage.previous_month(usage.previous_month(period))
    assert len(session.execute(usage.schools_query(w["staff"], usage.UsageFilters(received))).all()) == 2
    before = usage.UsageFilters(usage.previous_month(received))
    assert session.execute(usage.schools_query(w["staff"], before)).all() == []


def test_a_flag_becomes_an_obstacle_once(session, w, settings_root):
    period = usage.last_period()
    usage.submit_report(session, w["op_a"], w["a"].id,
                        _input(condition="bermasalah", problem="perangkat_rusak", note="Layar retak",
                               photo=("retak.png", png())), settings_root)  # fmt: skip
    obstacle = usage.open_obstacle(session, w["staff"], w["a"].id, period, settings_root)
    assert (obstacle.programme, obstacle.category) == ("digitalisasi", "perangkat_rusak")
    assert "Layar retak" in obstacle.description and usage.period_label(period) in obstacle.description
    assert obstacle.about_case_id is not None and obstacle.case.state == "dilaporkan"
    with pytest.raises(usage.UsageRefused, match="sudah menjadi kendala"):
        usage.open_obstacle(session, w["staff"], w["a"].id, period, settings_root)
    silent = usage.open_obstacle(session, w["dinas"], w["b"].id, period, settings_root)  # b did not report
    assert silent.category == "lainnya" and "belum mengirim laporan" in silent.description
    assert session.scalar(select(func.count()).select_from(Obstacle)) == 2


def test_no_obstacle_from_a_good_report_another_area_or_pusat(session, w, settings_root):
    period = usage.last_period()
    usage.submit_report(session, w["op_a"], w["a"].id, _input(), settings_root)
    with pytest.raises(usage.UsageRefused, match="tidak melaporkan masalah"):
        usage.open_obstacle(session, w["staff"], w["a"].id, period, settings_root)
    with pytest.raises(usage.UsageRefused, match="tidak ditemukan"):
        usage.open_obstacle(session, w["staff_jatim"], w["b"].id, period, settings_root)
    with pytest.raises(usage.UsageRefused, match="Peran Anda"):
        usage.open_obstacle(session, w["pusat"], w["b"].id, period, settings_root)
    with pytest.raises(usage.UsageRefused, match="belum berakhir"):
        usage.open_obstacle(
            session, w["staff"], w["b"].id, usage.month_start(usage.today_wib()), settings_root
        )


def test_reminders_reach_each_silent_school_once_a_month(session, w, settings_root):
    usage.submit_report(session, w["op_a"], w["a"].id, _input(), settings_root)
    assert usage.send_usage_reminders(session) == 1  # b only: a reported, late has no devices
    told = session.scalars(
        select(Notification.user_id).where(Notification.title.like("Isi laporan penggunaan%"))
    ).all()
    assert told == [w["op_b"].id]
    assert session.scalar(select(func.count()).select_from(UsageReminder)) == 1
    assert usage.send_usage_reminders(session) == 0  # the same month again: nobody twice
    next_month = clock.now() + timedelta(days=31)
    assert usage.send_usage_reminders(session, next_month) == 2  # a new month: both are due again


def test_periods():
    assert usage.parse_period("2026-11").isoformat() == "2026-11-01"
    assert [usage.parse_period(t) for t in ("2026-13", "26-11", "２０２６-11", "", None, "2026-1x")] == [
        None
    ] * 6
    assert usage.period_label(usage.parse_period("2026-02")) == "Februari 2026"
