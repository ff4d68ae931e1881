"""A report copy is received once: the draft key is remembered (a resend writes nothing), and the version is
raised with a guarded UPDATE, so a copy that passed the first check while another save committed (two
requests at once) still loses cleanly (on PostgreSQL the second waits for the first, then finds its receipt
or the new version)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from spmp import clock
from spmp.engine.cases import CaseRecord
from spmp.widyaprada import operations as ops
from spmp.widyaprada.models import ReportReceipt, WidyapradaTask
from tests.spmp.engine.support import make_world

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


@pytest.fixture
def task(session):
    w = make_world(session)
    data = ops.TaskInput("supervisi", "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 20),
                         (w.school.id,))  # fmt: skip
    task = ops.create_task(session, w["widyaprada"], data)
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == task.case_id))
    ops.act(session, w["widyaprada"], task.id, "schedule", version, inputs={"visit_date": "2026-03-10"})
    return task, w["widyaprada"]


def _report(key):
    return ops.ReportInput("Temuan", "Rekomendasi", draft_key=key)


def test_a_key_is_received_once(session, task):
    task, wp = task
    ops.save_report(session, wp, task.id, 0, _report("kunci-draf-1"))
    with pytest.raises(ops.DuplicateReportError, match="sudah diterima sebelumnya \\(versi 1\\)"):
        ops.save_report(session, wp, task.id, 0, _report("kunci-draf-1"))
    with pytest.raises(ops.DuplicateReportError):  # even sent with a newer version number
        ops.save_report(session, wp, task.id, 1, _report("kunci-draf-1"))
    assert session.scalar(select(func.count()).select_from(ReportReceipt)) == 1
    ops.save_report(session, wp, task.id, 1, _report("kunci-draf-2"))
    assert task.report_version == 2


def test_the_guarded_update_refuses_a_copy_that_raced_another_save(session, task):
    task, wp = task
    # Another request saved version 1 after this one loaded the task: the loaded row still says 0, so the
    # first check passes and only the guarded UPDATE sees it.
    session.execute(
        update(WidyapradaTask)
        .where(WidyapradaTask.id == task.id)
        .values(report_version=1)
        .execution_options(synchronize_session=False)
    )
    assert task.report_version == 0
    with pytest.raises(ops.StaleReportError, match="versi 1, formulir ini versi 0"):
        ops.save_report(session, wp, task.id, 0, _report("kunci-draf-3"))
    assert session.scalar(select(func.count()).select_from(ReportReceipt)) == 0
