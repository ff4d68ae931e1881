"""Widyaprada task pages: the task list (filters, XLSX/CSV), the new task form, the task page (actions of
the workflow with their reasons), the report form at a stable URL, and the school's follow-up actions."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from spmp.engine import ActionRefused, CaseNotFound, available_actions, get_definition
from spmp.engine.evidence import EvidencePolicy, blob_path, read_limited
from spmp.engine.queries import case_deadlines
from spmp.schools.queries import get_school
from spmp.visits.operations import case_visits
from spmp.visits.permissions import can_open_calendar
from spmp.widyaprada import balancing, permissions, queries
from spmp.widyaprada import operations as ops
from spmp.widyaprada.bulk import BULK_ROLES
from spmp.widyaprada.models import TASK_KINDS
from web.actions import read_action_post
from web.db import get_session
from web.export import export_response, requested_format
from web.forms import form_problems
from web.ids import id_arg, parse_version
from web.navigation import EXTRA_MENU
from web.offline import service_worker, wants_json
from web.security import CSP_BLOB_IMAGES
from web.widyaprada import forms

bp = Blueprint("tugas", __name__, template_folder="templates")
EXTRA_MENU.append(("tugas.task_list", "Tugas Widyaprada", permissions.LIST_ROLES))
EXTRA_MENU.append(("tugas.optimal_plan", "Penugasan Optimal", balancing.SUGGEST_ROLES))
EXTRA_MENU.append(("tugas.bulk_assign", "Penugasan Massal", BULK_ROLES))


@bp.app_context_processor
def _task_helpers():
    """Lets the case page and the SPMI cycle page show linked tasks and a school's follow-ups."""

    def linked_tasks(case_id: int):
        if not permissions.can_open_task(current_user):
            return []
        return queries.tasks_linked_to(get_session(), current_user, case_id)

    def task_of_case(case_id: int):
        if not permissions.can_open_task(current_user):
            return None
        return queries.task_for_case(get_session(), case_id)

    def may_suggest_for_school(school) -> bool:
        unit_id = balancing.unit_of_province(get_session(), school.province_code)
        return balancing.can_suggest(current_user, unit_id)

    def follow_ups_for_school(school_id: int):
        if not permissions.can_see_school_follow_ups(get_session(), current_user, school_id):
            return []
        return queries.school_follow_ups(get_session(), school_id)

    return {
        "linked_tasks": linked_tasks,
        "task_of_case": task_of_case,
        "follow_ups_for_school": follow_ups_for_school,
        "may_suggest_for_school": may_suggest_for_school,
    }


def _task_or_404(task_id: int):
    try:
        return ops.get_task(get_session(), current_user, task_id)
    except CaseNotFound:
        abort(404)


def _filters() -> queries.TaskFilters:
    kind = request.args.get("jenis") or None
    return queries.TaskFilters(
        kind=kind if kind in TASK_KINDS else None,
        state=request.args.get("status") or None,
        assignee_user_id=current_user.id if request.args.get("milik") == "saya" else None,
        overdue=request.args.get("terlambat") == "1",
        linked_case_id=id_arg(request.args, "kasus"),
    )


@bp.route("/widyaprada/tugas")
@login_required
def task_list():
    if not permissions.can_list_tasks(current_user):
        abort(403)
    filters = _filters()
    fmt = requested_format()
    if fmt:
        statement = queries.task_query(current_user, filters)
        return export_response(fmt, "tugas-widyaprada", queries.TASK_EXPORT_HEADER,
                               lambda session: queries.task_export_rows(session, statement), title="Tugas")  # fmt: skip
    rows = queries.list_tasks(get_session(), current_user, filters)
    return render_template("widyaprada/list.html", rows=rows, kinds=TASK_KINDS, workflow=get_definition(ops.WORKFLOW),
                           can_create=permissions.can_create_task(current_user), target_text=queries.target_text)  # fmt: skip


def _task_form(form=None):
    session = get_session()
    form = form or forms.TaskForm(formdata=None)
    form.regency_code.choices = [("", "— pilih —")] + [
        (r.code, f"{r.name} ({r.code})") for r in queries.task_regencies(session, current_user)
    ]
    form.assignee_user_id.choices = [("", "— nanti —")] + [
        (str(u.id), u.full_name) for u in queries.unit_widyaprada(session, current_user)
    ]
    return form


def _render_new(form, status=200):
    return render_template("widyaprada/new.html", form=form,
                           names_assignee=permissions.names_assignee(current_user)), status  # fmt: skip


@bp.route("/widyaprada/tugas/baru", methods=["GET", "POST"])
@login_required
def new_task():
    if not permissions.can_create_task(current_user):
        abort(403)
    if request.method == "POST":
        form = _task_form(forms.TaskForm())
    else:  # a page may link here with the task's fields filled in (e.g. a Revitalisasi visit)
        form = _task_form(forms.TaskForm(formdata=None, **forms.prefill(request.args)))
    if request.method == "GET" or not form.validate_on_submit():
        return _render_new(form, 200 if request.method == "GET" else 400)
    session = get_session()
    school_ids, unknown = queries.school_ids_by_npsn(session, current_user, (form.npsns.data or "").split())
    if unknown:
        form.npsns.errors.append(f"NPSN tidak ditemukan di wilayah Anda: {', '.join(unknown)}")
        return _render_new(form, 400)
    assignee = form.assignee_user_id.data
    data = ops.TaskInput(form.kind.data, form.scope.data, form.purpose.data, form.planned_start.data,
                         form.planned_end.data, form.due_date.data, tuple(school_ids), form.regency_code.data or None,
                         int(assignee) if assignee and assignee.isdigit() else None, form.linked_case_id.data)  # fmt: skip
    try:
        task = ops.create_task(session, current_user, data)
    except ops.TaskInputError as exc:
        field = form._fields.get("npsns" if exc.field == "school_ids" else exc.field)
        (field.errors if field is not None else form.form_errors).append(str(exc))
        return _render_new(form, 400)
    flash("Tugas dibuat.", "success")
    return redirect(url_for("tugas.task_page", task_id=task.id))


@bp.route("/widyaprada/tugas/<id:task_id>")
@login_required
def task_page(task_id: int):
    session = get_session()
    task = _task_or_404(task_id)
    case = task.case
    may_suggest = case.closed_at is None and balancing.can_suggest(current_user, case.unit_id)
    return render_template(
        "widyaprada/task.html", task=task, case=case, workflow=get_definition(case.type_key, case.type_version),
        proposals=balancing.suggest_for_task(session, task, limit=3) if may_suggest else None,
        options=available_actions(session, case, current_user), deadlines=case_deadlines(session, case.id),
        schedule_form=forms.ScheduleForm(formdata=None, visit_date=task.visit_date),
        can_report=permissions.can_write_report(current_user, case, task), target_text=queries.target_text,
        visits=case_visits(session, case.id) if can_open_calendar(current_user) else [],
    )  # fmt: skip


@bp.route("/widyaprada/tugas/<id:task_id>/aksi/<trigger>", methods=["POST"])
@login_required
def act(task_id: int, trigger: str):
    post = read_action_post("tugas")
    # A refusal (role, guard, input, stale page, unknown task) is answered by web/db.py: rollback + flash + back.
    ops.act(get_session(), current_user, task_id, trigger, post.seen_version, inputs=post.inputs,
            reason=post.reason)  # fmt: skip
    flash("Berhasil.", "success")
    return redirect(url_for("tugas.task_page", task_id=task_id))


def _render_report(task, form, status=200):
    schools = ops.report_schools(get_session(), task)
    rows = [(f.school_id, f.description, f.due_date) for f in task.follow_ups if f.published_at is None]
    rows += [(None, "", None)] * max(forms.FOLLOW_UP_ROWS - len(rows), 1)
    html = render_template("widyaprada/report.html", task=task, case=task.case, form=form, schools=schools,
                           follow_up_rows=rows, max_photos=ops.MAX_PHOTOS,
                           refusal=permissions.report_refusal(current_user, task.case, task))  # fmt: skip
    # The offline script previews the photos kept on the device (blob: URLs).
    return html, status, {"Content-Security-Policy": CSP_BLOB_IMAGES}


def _report_refused(task, form, message: str, status: int):
    if wants_json():
        return jsonify(ok=False, message=message, report_version=task.report_version), status
    form.form_errors.append(message)
    return _render_report(task, form, status)


@bp.route("/widyaprada/tugas/<id:task_id>/laporan", methods=["GET", "POST"])
@login_required
def report(task_id: int):
    task = _task_or_404(task_id)
    if request.method == "GET":
        form = forms.ReportForm(formdata=None, report_version=task.report_version, findings=task.findings,
                                recommendations=task.recommendations, draft_key=uuid.uuid4().hex)  # fmt: skip
        return _render_report(task, form)
    refusal = permissions.report_refusal(current_user, task.case, task)
    if refusal:
        if wants_json():
            return jsonify(ok=False, message=refusal), 403
        abort(403, description=refusal)
    form = forms.ReportForm()
    seen = parse_version(form.report_version.data) if form.report_version.data != "0" else 0
    if not form.validate_on_submit() or seen is None:
        problems = [
            f"{label}: {message}" if label else message for _id, label, message in form_problems(form)
        ]
        message = (
            "; ".join(problems) if seen is not None else "Versi laporan tidak terbaca. Muat ulang halaman."
        )
        if wants_json() or seen is None:
            return _report_refused(task, form, message, 400)
        return _render_report(task, form, 400)
    settings = current_app.config["SPMP_SETTINGS"]
    try:
        data = ops.ReportInput(form.findings.data, form.recommendations.data, tuple(_follow_up_inputs()),
                               tuple(_photo_inputs(settings.max_upload_mb)), form.draft_key.data)  # fmt: skip
        ops.save_report(get_session(), current_user, task.id, seen, data, settings.evidence_path,
                        EvidencePolicy(max_bytes=settings.max_upload_mb * 1024 * 1024))  # fmt: skip
    except ops.DuplicateReportError as exc:
        # Received before (the answer to the first copy was lost, or a double tap): nothing is written again.
        if wants_json():
            return jsonify(
                ok=True, duplicate=True, message=str(exc), report_version=exc.receipt.report_version
            )
        flash(f"{exc}.", "info")
        return redirect(url_for("tugas.task_page", task_id=task.id))
    except ops.StaleReportError as exc:
        if wants_json():  # the draft stays on the device: say so instead of "reload the page"
            message = (
                f"Laporan sudah disimpan di tempat lain (versi {exc.current}; draf ini dari versi {exc.seen})"
            )
            return jsonify(ok=False, stale=True, message=message, report_version=exc.current), 409
        return _report_refused(task, form, str(exc), 409)
    except ActionRefused as exc:
        return _report_refused(task, form, str(exc), 400)
    photos = sum(1 for p in task.photos if p.report_version == task.report_version)
    message = (
        f"Laporan terkirim dan disimpan (versi {task.report_version}{f', {photos} foto' if photos else ''})."
    )
    if wants_json():
        return jsonify(ok=True, duplicate=False, message=message, report_version=task.report_version)
    flash(f"{message} Serahkan laporan dari halaman tugas bila sudah lengkap.", "success")
    return redirect(url_for("tugas.task_page", task_id=task.id))


def _photo_inputs(max_upload_mb: int):
    for storage in request.files.getlist("photos"):
        if storage and storage.filename:
            yield ops.PhotoInput(storage.filename, read_limited(storage.stream, max_upload_mb * 1024 * 1024))


@bp.route("/widyaprada/tugas/<id:task_id>/foto/<id:photo_id>")
@login_required
def report_photo(task_id: int, photo_id: int):
    task = _task_or_404(task_id)
    photo = next((p for p in task.photos if p.id == photo_id), None)
    path = blob_path(current_app.config["SPMP_SETTINGS"].evidence_path, photo.sha256) if photo else None
    if path is None or not path.exists():
        abort(404)
    # Shown inline on the task page: only the JPEG/PNG types that were checked on upload, with nosniff.
    response = send_file(path, mimetype=photo.media_type, download_name=photo.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/widyaprada/tugas/sw.js")
def report_service_worker():
    """The service worker of the report form. Served from here, its scope is /widyaprada/tugas/: it may keep
    the report pages for offline use, and nothing else of the app."""
    return service_worker()


def _follow_up_inputs():
    from datetime import date

    schools = request.form.getlist("fu_school")
    texts = request.form.getlist("fu_text")
    dues = request.form.getlist("fu_due")
    for index, text in enumerate(texts):
        school = schools[index] if index < len(schools) else ""
        due = dues[index] if index < len(dues) else ""
        try:
            due_date = date.fromisoformat(due) if due else None
        except ValueError:
            raise ops.TaskInputError(
                "follow_ups", f"Tindak lanjut {index + 1}: tanggal tidak valid"
            ) from None
        yield ops.FollowUpInput(int(school) if school.isdigit() else 0, text, due_date)


# --- "Sarankan": ranked proposals with one-click choice -----------------------------------------------------
def _chosen_user() -> int:
    raw = request.form.get("user_id", "")
    if not raw.isdigit():
        abort(400, description="Pilih Widyaprada dari daftar saran.")
    return int(raw)


@bp.route("/widyaprada/tugas/<id:task_id>/sarankan", methods=["GET", "POST"])
@login_required
def task_suggestions(task_id: int):
    session = get_session()
    task = _task_or_404(task_id)
    if not balancing.can_suggest(current_user, task.case.unit_id):
        abort(403)
    if request.method == "POST":
        seen = parse_version(request.form.get("seen_version"))
        if seen is None:
            abort(400, description="Versi tugas tidak terbaca. Muat ulang halaman.")
        chosen = balancing.choose_for_task(session, current_user, task, _chosen_user(), seen)  # refusal: web/db.py
        flash(f"{chosen.name} menjadi penanggung jawab tugas dan sudah diberi tahu.", "success")
        return redirect(url_for("tugas.task_page", task_id=task.id))
    return render_template("widyaprada/suggestions.html", title=task.case.title, task=task, school=None,
                           proposals=balancing.suggest_for_task(session, task),
                           action=url_for("tugas.task_suggestions", task_id=task.id))  # fmt: skip


@bp.route("/sekolah/<id:school_id>/sarankan", methods=["GET", "POST"])
@login_required
def school_suggestions(school_id: int):
    session = get_session()
    school = get_school(session, current_user, school_id)
    if school is None:
        abort(404)
    if not balancing.can_suggest(current_user, balancing.unit_of_province(session, school.province_code)):
        abort(403)
    if request.method == "POST":
        chosen = balancing.choose_for_school(session, current_user, school, _chosen_user())  # refusal: web/db.py
        flash(f"{school.name} masuk sekolah binaan {chosen.name}; yang bersangkutan sudah diberi tahu.", "success")
        return redirect(url_for("tugas.school_suggestions", school_id=school.id))
    return render_template("widyaprada/suggestions.html", title=school.name, task=None, school=school,
                           proposals=balancing.suggest_for_school(session, school),
                           action=url_for("tugas.school_suggestions", school_id=school.id))  # fmt: skip


# --- the whole unit at once (optimal) ---------------------------------------------------------------------
def _plan_unit():
    """The unit the page plans: the user's own, or ``?unit=CODE`` for national roles."""
    from spmp.regions.models import Unit
    from spmp.regions.operations import all_units, unit_by_code

    session = get_session()
    code = request.args.get("unit") or request.form.get("unit")
    unit = session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    if code and current_user.unit_id is None:
        unit = unit_by_code(session, code)
    if unit is None and current_user.unit_id is None and balancing.can_suggest(current_user, None):
        return None, all_units(session)
    if unit is None or not balancing.can_suggest(current_user, unit.id):
        abort(403)
    return unit, []


@bp.route("/widyaprada/penugasan-optimal", methods=["GET", "POST"])
@login_required
def optimal_plan():
    from spmp.widyaprada import optimal

    unit, units = _plan_unit()
    if unit is None:
        return render_template("widyaprada/optimal.html", unit=None, units=units, plan=None)
    session = get_session()
    if request.method == "POST":
        plan = optimal.plan_unit(session, unit.id)
        done = optimal.apply_plan(session, current_user, plan)  # a refusal: web/db.py
        flash(f"Penugasan diterapkan: {done} sekolah masuk sekolah binaan; setiap Widyaprada sudah diberi tahu.",
              "success")  # fmt: skip
        return redirect(url_for("tugas.optimal_plan", unit=unit.code if current_user.unit_id is None else None))
    plan = optimal.plan_unit(session, unit.id)
    fmt = requested_format()
    if fmt:
        rows = list(plan.rows())
        return export_response(fmt, f"penugasan-optimal-{unit.code}", optimal.EXPORT_HEADER, lambda _s: rows,
                               title="Penugasan optimal")  # fmt: skip
    return render_template("widyaprada/optimal.html", unit=unit, units=[], plan=plan)


# --- bulk assignment with a preview ---------------------------------------------------------------------------
def _bulk_request(values):
    from spmp.widyaprada import bulk

    def number(name):
        raw = values.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    return bulk.BulkRequest(values.get("mode", ""), number("ke"), regency_code=values.get("kabupaten") or None,
                            kind=values.get("jenis") or None, only_unassigned=values.get("semua") != "1",
                            from_user_id=number("dari"))  # fmt: skip


@bp.route("/widyaprada/penugasan-massal", methods=["GET", "POST"])
@login_required
def bulk_assign():
    from spmp.widyaprada import bulk

    if not bulk.can_bulk_assign(current_user):
        abort(403)
    session = get_session()
    values = request.form if request.method == "POST" else request.args
    bulk_request, preview, error = _bulk_request(values), None, None
    if request.method == "POST":
        done = bulk.apply(session, current_user, bulk_request, request.form.get("keys", ""),
                          request.form.get("reason"))  # a refusal: web/db.py (rollback, flash, back)
        flash(f"Diterapkan: {len(done.rows)} butir kepada {done.target.full_name}; yang terdampak sudah diberi tahu.",
              "success")  # fmt: skip
        return redirect(url_for("tugas.bulk_assign"))
    if bulk_request.mode:
        try:
            preview = bulk.preview(session, current_user, bulk_request)
        except bulk.BulkRefused as exc:
            error = str(exc)
    if preview is not None and requested_format():
        rows = list(bulk.export_rows(preview))
        return export_response(requested_format(), "pratinjau-penugasan-massal", bulk.EXPORT_HEADER,
                               lambda _s: rows, title="Pratinjau")  # fmt: skip
    return render_template("widyaprada/bulk.html", req=bulk_request, preview=preview, error=error,
                           people=bulk.unit_widyaprada(session, current_user),
                           regencies=queries.task_regencies(session, current_user), kinds=TASK_KINDS,
                           modes=bulk.MODES), (422 if error else 200)  # fmt: skip


# --- the school's side ------------------------------------------------------------------------------------
@bp.route("/sekolah/<id:school_id>/tindak-lanjut")
@login_required
def school_follow_ups(school_id: int):
    session = get_session()
    school = get_school(session, current_user, school_id)
    if school is None or not permissions.can_see_school_follow_ups(session, current_user, school.id):
        abort(404)
    fmt = requested_format()
    if fmt:
        items = [(f.id, f.task.kind_label, f.task.case.title, f.description, f.due_date, f.status_label, f.done_at,
                  f.done_note) for f in queries.school_follow_ups(session, school.id)]  # fmt: skip
        header = ("No.", "Jenis tugas", "Tugas", "Tindak lanjut", "Target", "Status", "Selesai", "Keterangan")
        return export_response(
            fmt, f"tindak-lanjut-{school.npsn}", header, lambda _s: items, title="Tindak lanjut"
        )
    return render_template("widyaprada/follow_ups.html", school=school, items=queries.school_follow_ups(session, school.id),
                           form=forms.FollowUpDoneForm(formdata=None), can_mark=permissions.can_mark_follow_up)  # fmt: skip


@bp.route("/widyaprada/tindak-lanjut/<id:follow_up_id>/selesai", methods=["POST"])
@login_required
def follow_up_done(follow_up_id: int):
    session = get_session()
    try:
        item = ops.get_follow_up(session, current_user, follow_up_id)
    except CaseNotFound:
        abort(404)
    if not permissions.can_mark_follow_up(current_user, item):
        abort(403)
    form = forms.FollowUpDoneForm()
    back = redirect(url_for("tugas.school_follow_ups", school_id=item.school_id))
    storage = form.evidence.data
    if not form.validate_on_submit() or not storage or not storage.filename:
        flash("Isi keterangan dan pilih berkas bukti.", "danger")
        return back
    settings = current_app.config["SPMP_SETTINGS"]
    data = read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024)
    ops.mark_follow_up_done(session, current_user, item.id, form.note.data, storage.filename, data,
                            settings.evidence_path)  # fmt: skip
    flash("Tindak lanjut ditandai selesai.", "success")
    return back


@bp.route("/widyaprada/tindak-lanjut/<id:follow_up_id>/bukti")
@login_required
def follow_up_evidence(follow_up_id: int):
    try:
        item = ops.get_follow_up(get_session(), current_user, follow_up_id)
    except CaseNotFound:
        abort(404)
    path = blob_path(current_app.config["SPMP_SETTINGS"].evidence_path, item.evidence_sha256 or "0000")
    if not item.evidence_sha256 or not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.evidence_media_type, as_attachment=True,
                         download_name=item.evidence_filename or "bukti")  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
