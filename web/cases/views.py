"""Cases on the workflow engine: list, case page (actions with reasons, deadlines, diagram, comments,
evidence, timeline), firing actions, and the workflow catalogue with diagrams."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from spmp import audit
from spmp.engine import evidence as evidence_ops
from spmp.engine import operations as cases
from spmp.engine.cases import CaseRecord
from spmp.engine.definitions import get_definition, workflows
from spmp.engine.diagram import workflow_svg
from spmp.engine.errors import CaseNotFound
from spmp.engine.fire import available_actions, fire
from spmp.engine.inputs import latest_inputs
from spmp.engine.permissions import can_assign, can_open_from_form, can_pause
from spmp.engine.queries import (
    CASE_EXPORT_HEADER,
    CaseFilters,
    case_deadlines,
    case_export_rows,
    case_export_statement,
    list_cases,
    users_by_id,
)
from spmp.schools.queries import school_by_npsn
from spmp.timeline import event_detail, event_title
from web.actions import read_action_post
from web.cases.forms import AssignForm, CommentForm, EvidenceForm, OpenCaseForm, PauseForm
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg

bp = Blueprint("cases", __name__, template_folder="templates")
PAGE_SIZE = 50


def _case_or_404(case_id: int) -> CaseRecord:
    try:
        return cases.get_case(get_session(), current_user, case_id)
    except CaseNotFound:
        abort(404)


def _back(case_id: int):
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/kasus")
@login_required
def index():
    filters = CaseFilters(
        type_key=request.args.get("jenis") or None,
        state=request.args.get("status") or None,
        mine=request.args.get("milik") == "saya",
        open_only=request.args.get("terbuka") == "1",
        late_only=request.args.get("terlambat") == "1",
    )
    fmt = requested_format()
    if fmt:
        statement = case_export_statement(current_user, filters)
        return export_response(fmt, "daftar-kasus", CASE_EXPORT_HEADER,
                               lambda session: case_export_rows(session, statement), title="Kasus")  # fmt: skip
    page = list_cases(get_session(), current_user, filters, id_arg(request.args, "sebelum"), PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "sebelum" and v}
    return render_template(
        "cases/index.html",
        cases=page.cases,
        next_before=page.next_before,
        args=args,
        catalogue=workflows(),
        get_definition=get_definition,
        can_open=bool(_openable(workflows())),
    )


@bp.route("/kasus/<id:case_id>")
@login_required
def detail(case_id: int):
    session = get_session()
    case = _case_or_404(case_id)
    workflow = get_definition(case.type_key, case.type_version)
    deadlines = case_deadlines(session, case.id)
    events = audit.case_timeline(session, case.id)
    actors = users_by_id(session, (e.actor_id for e in events))
    return render_template(
        "cases/detail.html",
        case=case,
        workflow=workflow,
        options=available_actions(session, case, current_user),
        deadlines=deadlines,
        events=list(reversed(events)),
        case_inputs=latest_inputs(workflow, events),
        actors=actors,
        comments=cases.list_comments(session, current_user, case.id),
        evidence=evidence_ops.list_evidence(session, current_user, case.id),
        diagram=workflow_svg(workflow, case.state),
        comment_form=CommentForm(),
        evidence_form=EvidenceForm(),
        pause_form=PauseForm(seen_version=case.version),
        can_pause=can_pause(current_user, workflow),
        assign_form=_assign_form(session, case) if can_assign(current_user, workflow) else None,
        event_title=event_title,
        event_detail=event_detail,
    )


@bp.route("/kasus/<id:case_id>/aksi/<trigger>", methods=["POST"])
@login_required
def act(case_id: int, trigger: str):
    post = read_action_post("kasus")
    # A refusal (role, guard, input, stale page, unknown case) is answered by web/db.py: rollback + flash.
    result = fire(get_session(), case_id, trigger, current_user, post.seen_version, inputs=post.inputs,
                  evidence_ids=post.evidence_ids, reason=post.reason)  # fmt: skip
    case = cases.get_case(get_session(), current_user, case_id)
    workflow = get_definition(case.type_key, case.type_version)
    flash(f"Berhasil: {workflow.label(result.from_state)} → {workflow.label(result.to_state)}.", "success")
    return _back(case_id)


@bp.route("/kasus/<id:case_id>/komentar", methods=["POST"])
@login_required
def comment(case_id: int):
    form = CommentForm()
    if not form.validate_on_submit():
        flash("Komentar tidak boleh kosong.", "danger")
        return _back(case_id)
    cases.add_comment(get_session(), current_user, case_id, form.body.data)
    flash("Komentar ditambahkan.", "success")
    return _back(case_id)


@bp.route("/kasus/<id:case_id>/bukti", methods=["POST"])
@login_required
def upload(case_id: int):
    form = EvidenceForm()
    if not form.validate_on_submit():
        flash("Pilih berkas yang akan diunggah.", "danger")
        return _back(case_id)
    settings = current_app.config["SPMP_SETTINGS"]
    storage = form.file.data
    data = evidence_ops.read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024)
    evidence_ops.store_evidence(
        get_session(), current_user, case_id, storage.filename or "berkas", data, settings.evidence_path
    )
    flash("Berkas bukti diunggah.", "success")
    return _back(case_id)


@bp.route("/bukti/<id:evidence_id>")
@login_required
def download(evidence_id: int):
    settings = current_app.config["SPMP_SETTINGS"]
    try:
        row, path = evidence_ops.evidence_file(
            get_session(), current_user, evidence_id, settings.evidence_path
        )
    except CaseNotFound:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=row.media_type, as_attachment=True, download_name=row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _assign_form(session, case: CaseRecord) -> AssignForm:
    form = AssignForm(seen_version=case.version, assignee=case.assignee_user_id or 0)
    people = cases.assignable_users(session, case)
    form.assignee.choices = [(0, "— Tidak ada —")] + [
        (u.id, f"{u.full_name} ({u.role_label})") for u in people
    ]
    return form


@bp.route("/kasus/<id:case_id>/penanggung-jawab", methods=["POST"])
@login_required
def assign(case_id: int):
    case = _case_or_404(case_id)
    form = _assign_form(get_session(), case)
    if not form.validate_on_submit():
        flash("Pilih penanggung jawab dari daftar.", "danger")
        return _back(case_id)
    # A refusal (role, stale page, unknown case) is answered by web/db.py: rollback + flash + back.
    cases.assign_case(get_session(), current_user, case_id, form.seen_version.data,
                      assignee_user_id=form.assignee.data or None, reason=form.reason.data or None)  # fmt: skip
    flash("Penanggung jawab diubah; yang ditugaskan sudah diberi tahu.", "success")
    return _back(case_id)


@bp.route("/kasus/<id:case_id>/jeda", methods=["POST"])
@login_required
def pause(case_id: int):
    form = PauseForm()
    if not form.validate_on_submit():
        abort(400, description="Versi kasus tidak terbaca. Muat ulang halaman.")
    seen = form.seen_version.data
    if request.form.get("resume"):
        cases.resume_case(get_session(), current_user, case_id, seen, form.reason.data or None)
        flash("Kasus dilanjutkan; tenggat digeser sepanjang masa jeda.", "success")
    else:
        cases.pause_case(get_session(), current_user, case_id, seen, form.reason.data or "")
        flash("Kasus ditangguhkan; tenggat berhenti berjalan.", "success")
    return _back(case_id)


NOT_FROM_FORM = "Jenis kasus ini tidak dapat dibuka dari formulir ini; bukalah dari halaman modulnya."


def _openable(catalogue) -> list:
    """The current workflows the user may open from the generic form (the "Buka kasus" link and the form
    show only these; ``open_from_form`` in the workflow, default nobody)."""
    current = (catalogue.current(k) for k in sorted(catalogue.current_versions))
    return [w for w in current if can_open_from_form(current_user, w)]


@bp.route("/kasus/baru", methods=["GET", "POST"])
@login_required
def open_new():
    """The generic "new case" form, for the case types whose workflow lets the user's role open them here
    (``open_from_form``); module-owned types (SPMI cycle, accreditation visit) open from their module."""
    session = get_session()
    openable = _openable(workflows())
    if not openable:
        abort(403)
    form = OpenCaseForm()
    form.type_key.choices = [SelectChoice(w.key, w.title) for w in openable]
    if not form.validate_on_submit():
        return render_template("cases/open.html", form=form), 400 if request.method == "POST" else 200
    school = school_by_npsn(session, form.npsn.data)
    if form.type_key.data not in {w.key for w in openable}:
        form.type_key.errors = [*form.type_key.errors, NOT_FROM_FORM]
    if school is None:
        form.npsn.errors = [*form.npsn.errors, "Sekolah dengan NPSN ini tidak ditemukan."]
    if form.errors:
        return render_template("cases/open.html", form=form), 400
    case = cases.open_case(session, current_user, form.type_key.data, title=form.title.data,
                           school_id=school.id, assignee_user_id=current_user.id)  # fmt: skip
    flash("Kasus dibuka.", "success")
    return _back(case.id)


@bp.route("/alur-kerja")
@login_required
def catalogue():
    catalogue = workflows()
    items = [
        (catalogue.current(k), workflow_svg(catalogue.current(k))) for k in sorted(catalogue.current_versions)
    ]
    return render_template("cases/catalogue.html", items=items)
