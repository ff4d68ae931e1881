"""Verval of the Digitalisasi target schools: the queue of the user's step (oldest first, XLSX/CSV), opening
a regency's verval cases (B/BPMP), and the verval page: the school's readiness data, the reason-coded
actions and the decision history on one phone screen (the shared verval pattern, ``spmp.verval``)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp import verval as verval_pattern
from spmp.digitalisasi import permissions
from spmp.digitalisasi import verval as ops
from spmp.digitalisasi.field_models import VERVAL_REASONS
from spmp.digitalisasi.models import KITS
from spmp.digitalisasi.readiness import explain
from spmp.engine import CaseNotFound, available_actions, get_definition
from spmp.engine.queries import case_deadlines
from spmp.regions.names import region_names
from web.actions import read_action_post
from web.db import get_session
from web.digitalisasi.views import _year, bp
from web.export import export_response, requested_format


def _threshold() -> int:
    return current_app.config["SPMP_SETTINGS"].digital_min_watts


@bp.route("/digitalisasi/verval")
@login_required
def verval_queue():
    if ops.queue_state(current_user) is None:
        abort(403)
    workflow = get_definition(ops.WORKFLOW)
    state = request.args.get("status") or None
    year = _year() if request.args.get("tahun") else None
    statement = ops.queue_query(current_user, year, state if state in workflow.states else None)
    if statement is None:
        abort(403)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "verval-digitalisasi", ops.EXPORT_HEADER,
                               lambda s: ops.export_rows(s, statement), title="Verval")  # fmt: skip
    session = get_session()
    return render_template(
        "digitalisasi/verval_queue.html", rows=session.execute(statement.limit(200)).all(), workflow=workflow,
        state=state if state in workflow.states else ops.queue_state(current_user), year=year,
        names=region_names(session), may_open=permissions.can_open_verval(current_user),
    )  # fmt: skip


@bp.route("/digitalisasi/verval/buka", methods=["POST"])
@login_required
def verval_open():
    if not permissions.can_open_verval(current_user):
        abort(403)
    raw_year, regency = request.form.get("tahun", ""), (request.form.get("kabkota") or "").strip()
    if not (raw_year.isascii() and raw_year.isdigit() and 2020 <= int(raw_year) <= 2100):
        abort(400, description="Tahun program tidak valid (2020-2100).")
    if not regency:
        abort(400, description="Pilih kabupaten/kota (mis. 53.71).")
    opened = ops.open_cases(get_session(), current_user, int(raw_year), regency)
    flash(f"Verval dibuka untuk {opened} sekolah sasaran.", "success")
    return redirect(url_for("digitalisasi.verval_queue"))


@bp.route("/digitalisasi/verval/<id:verval_id>")
@login_required
def verval_page(verval_id: int):
    session = get_session()
    try:
        record = ops.load(session, current_user, verval_id)
    except CaseNotFound:
        abort(404)
    target, case = ops.target_of(session, record), record.case
    return render_template(
        "digitalisasi/verval.html", record=record, case=case, school=record.school, target=target,
        reasons=explain(target), kits=KITS, workflow=get_definition(case.type_key, case.type_version),
        options=available_actions(session, case, current_user), deadlines=case_deadlines(session, case.id),
        decisions=verval_pattern.decisions(session, case), reason_labels=VERVAL_REASONS,
    )  # fmt: skip


@bp.route("/digitalisasi/verval/<id:verval_id>/aksi/<trigger>", methods=["POST"])
@login_required
def verval_act(verval_id: int, trigger: str):
    post = read_action_post("kasus verval")
    # A refusal (role, reason code, stale page, unknown case) is answered by web/db.py.
    ops.act(get_session(), current_user, verval_id, trigger, post.seen_version, inputs=post.inputs,
            reason=post.reason, threshold=_threshold())  # fmt: skip
    flash("Keputusan verval tersimpan; pihak berikutnya diberi tahu.", "success")
    return redirect(url_for("digitalisasi.verval_page", verval_id=verval_id))
