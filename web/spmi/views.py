"""SPMI pages: a school's "my cycle" page with a form per PBD step, the Widyaprada's review queue, and
B/BPMP progress by regency and phase with drill-down. Views load, check, call one operation, redirect."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from spmp import clock, tabular
from spmp.accounts.models import SCHOOL_ROLES
from spmp.engine import (
    ActionRefused,
    CaseNotFound,
    EngineError,
    available_actions,
    get_definition,
)
from spmp.engine import evidence as evidence_ops
from spmp.engine.permissions import may_fire_role
from spmp.regions.names import regency_with_province, region_names
from spmp.schools.importer import ImportFileError
from spmp.schools.queries import get_school
from spmp.spmi import indicator_template as indicator_templates
from spmp.spmi import operations as ops
from spmp.spmi import permissions as perm
from spmp.spmi import queries
from spmp.spmi.importer import import_indicators
from spmp.spmi.models import BANDS, CHANGE_ACTIONS, NOTE_ITEM_LABELS, SNP
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import parse_id
from web.navigation import EXTRA_MENU
from web.spmi import forms

bp = Blueprint("spmi", __name__, template_folder="templates")

STALE = "Siklus ini telah berubah sejak halaman dibuka. Periksa lalu ulangi."

EXTRA_MENU.extend([
    ("spmi.my_cycle", "Siklus SPMI", SCHOOL_ROLES),
    ("spmi.review_queue", "Antrian Tinjauan SPMI", perm.REVIEWER_ROLES),
    ("spmi.progress", "Progres SPMI", perm.PROGRESS_ROLES),
])  # fmt: skip


@bp.app_context_processor
def _time_helpers():
    """Times are stored in UTC; people in Indonesia read them in WIB (the ministry's deadlines are WIB)."""

    return {"note_kinds": NOTE_ITEM_LABELS, "change_actions": CHANGE_ACTIONS}


def _require(allowed: bool) -> None:
    """403 unless the permission predicate (spmp/spmi/permissions.py) said yes."""
    if not allowed:
        abort(403)


def _current_year() -> int:
    """The tahun ajaran running now: it starts in July."""
    today = clock.now().date()
    return today.year if today.month >= 7 else today.year - 1


def _cycle_or_404(cycle_id: int):
    try:
        return ops.get_cycle(get_session(), current_user, cycle_id)
    except CaseNotFound:
        abort(404)


# --- the school's page ----------------------------------------------------------------------------------
@bp.route("/spmi/sekolah")
@login_required
def my_cycle():
    """A school user's entry point: their latest cycle, or a form to open one."""
    _require(perm.can_open_own_cycle(current_user))
    cycles = queries.school_cycles(get_session(), current_user, current_user.school_id)
    if cycles:
        return redirect(url_for("spmi.cycle", cycle_id=cycles[0].id))
    form = forms.OpenCycleForm(year=_current_year())
    return render_template("spmi/open.html", form=form, cycles=cycles)


@bp.route("/spmi/sekolah/buka", methods=["POST"])
@login_required
def open_own_cycle():
    _require(perm.can_open_own_cycle(current_user))
    form = forms.OpenCycleForm()
    if not form.validate_on_submit():
        return render_template("spmi/open.html", form=form, cycles=[]), 400
    try:
        cycle = ops.open_cycle(get_session(), current_user, current_user.school_id, form.year.data)
    except EngineError as exc:
        form.year.errors.append(str(exc))
        return render_template("spmi/open.html", form=form, cycles=[]), 400
    flash(f"Siklus SPMI {cycle.label} dibuka.", "success")
    return redirect(url_for("spmi.cycle", cycle_id=cycle.id))


def _step_forms(content, submitted: dict | None = None) -> dict:
    """Every PBD form of the page with its choices; ``submitted`` replaces the one just posted."""
    built = {
        "priority": forms.PriorityForm(prefix="priority", formdata=None),
        "root_cause": forms.RootCauseForm(prefix="root_cause", formdata=None),
        "activity": forms.ActivityForm(prefix="activity", formdata=None),
        "standard": forms.StandardForm(prefix="standard", formdata=None),
        "progress": forms.ProgressForm(prefix="progress", formdata=None),
        "evaluation": forms.EvaluationForm(prefix="evaluation", formdata=None),
        "plan": forms.PlanForm(prefix="plan", formdata=None, plan=content.cycle.next_plan),
    }
    built.update(submitted or {})
    chosen = {p.indicator_code for p in content.priorities}
    built["priority"].indicator_code.choices = [SelectChoice("", "— pilih indikator —")] + [
        SelectChoice(i.code, f"{i.code} {i.name} ({i.value:g}, {BANDS[i.band]})")
        for i in content.indicators
        if i.code not in chosen
    ]
    built["root_cause"].priority_id.choices = [
        SelectChoice(p.id, f"{p.indicator_code} {p.indicator_name}") for p in content.priorities
    ]
    causes = [c for p in content.priorities for c in p.root_causes]
    built["activity"].root_cause_id.choices = root_cause_choices(content)
    activities = [a for c in causes for a in c.activities]
    built["progress"].activity_id.choices = [SelectChoice(a.id, a.title) for a in activities]
    built["evaluation"].indicator_code.choices = [
        SelectChoice(p.indicator_code, f"{p.indicator_code} {p.indicator_name}") for p in content.priorities
    ]
    return built


def root_cause_choices(content) -> list[SelectChoice]:
    """Each root cause named with its priority, uncut (two causes may start alike)."""
    return [
        SelectChoice(c.id, f"{p.indicator_code} {p.indicator_name} › {c.description}")
        for p in content.priorities
        for c in p.root_causes
    ]


def _render_cycle(cycle, submitted: dict | None = None, status: int = 200):
    session = get_session()
    content = queries.cycle_content(session, cycle)
    case = cycle.case
    definition = get_definition(case.type_key, case.type_version)
    actions = available_actions(session, case, current_user)
    previous = None
    reviewing_now = perm.is_reviewing(current_user, case, queries.REVIEW_STATES)
    if reviewing_now:
        prev_cycle = queries.previous_cycle(session, current_user, cycle)
        previous = queries.cycle_content(session, prev_cycle) if prev_cycle else None
    can_edit = perm.can_edit_cycle(current_user, cycle)
    my_triggers = {o.transition.trigger for o in actions if may_fire_role(current_user, o.transition)}
    return render_template(
        "spmi/cycle.html", cycle=cycle, case=case, content=content, definition=definition, actions=actions,
        forms=_step_forms(content, submitted), can_edit=can_edit, phase=case.state, previous=previous,
        snp=SNP, bands=BANDS, step_form=forms.StepForm(formdata=None, version=case.version),
        states=queries.STATE_ORDER, reviewing_now=reviewing_now, my_triggers=my_triggers,
        can_import_indicators=perm.can_import_school_indicators(current_user),
    ), status  # fmt: skip


@bp.route("/spmi/siklus/<id:cycle_id>")
@login_required
def cycle(cycle_id: int):
    return _render_cycle(_cycle_or_404(cycle_id))


# PBD steps: (url part, form key, operation call, success message)
def _add_priority(session, cycle, f):
    return ops.add_priority(session, current_user, cycle.id, f.indicator_code.data, f.reason.data)


def _add_root_cause(session, cycle, f):
    return ops.add_root_cause(session, current_user, cycle.id, f.priority_id.data, f.description.data)


def _activity_input(f) -> ops.ActivityInput:
    return ops.ActivityInput(f.root_cause_id.data, f.title.data, f.snp.data, f.owner.data, f.start_date.data,
                             f.end_date.data, f.budget_ref.data, f.target.data)  # fmt: skip


def _add_activity(session, cycle, f):
    return ops.add_activity(session, current_user, cycle.id, _activity_input(f))


def _set_standard(session, cycle, f):
    return ops.set_standard(session, current_user, cycle.id, f.snp.data, f.target.data)


def _report_progress(session, cycle, f):
    evidence_id = None
    storage = f.file.data
    if storage and getattr(storage, "filename", ""):
        settings = current_app.config["SPMP_SETTINGS"]
        data = evidence_ops.read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024)
        evidence = evidence_ops.store_evidence(
            session, current_user, cycle.case_id, storage.filename, data, settings.evidence_path
        )
        evidence_id = evidence.id
    return ops.report_progress(
        session, current_user, cycle.id, f.activity_id.data, f.percent.data, f.note.data, evidence_id
    )


def _save_evaluation(session, cycle, f):
    return ops.save_evaluation(session, current_user, cycle.id, f.indicator_code.data, f.achievement.data)


def _save_plan(session, cycle, f):
    return ops.save_next_plan(session, current_user, cycle.id, f.plan.data)


STEPS = {
    "prioritas": ("priority", forms.PriorityForm, _add_priority, "Prioritas ditambahkan."),
    "akar-masalah": ("root_cause", forms.RootCauseForm, _add_root_cause, "Akar masalah ditambahkan."),
    "kegiatan": ("activity", forms.ActivityForm, _add_activity, "Kegiatan perbaikan ditambahkan."),
    "standar": ("standard", forms.StandardForm, _set_standard, "Target standar disimpan."),
    "kemajuan": ("progress", forms.ProgressForm, _report_progress, "Kemajuan kegiatan dilaporkan."),
    "evaluasi": ("evaluation", forms.EvaluationForm, _save_evaluation, "Evaluasi disimpan."),
    "rencana": ("plan", forms.PlanForm, _save_plan, "Rencana tindak lanjut disimpan."),
}


@bp.route("/spmi/siklus/<id:cycle_id>/<step>", methods=["POST"])
@login_required
def save_step(cycle_id: int, step: str):
    """One PBD form: validate (messages next to the fields), call the operation, back to the page."""
    if step not in STEPS:
        abort(404)
    cycle = _cycle_or_404(cycle_id)
    _require(perm.is_school_user(current_user))
    key, form_class, operation, message = STEPS[step]
    form = form_class(prefix=key)
    content = queries.cycle_content(get_session(), cycle)
    _step_forms(content, {key: form})  # choices must be set before validation
    if not form.validate_on_submit():
        return _render_cycle(cycle, {key: form}, 400)
    try:
        operation(get_session(), cycle, form)
    except ops.SpmiInputError as exc:
        field = form._fields.get(exc.field)
        (field.errors if field is not None else form.form_errors).append(str(exc))
        return _render_cycle(cycle, {key: form}, 400)
    except ActionRefused as exc:
        flash(str(exc), "danger")
        return _render_cycle(cycle, {key: form}, 400)
    flash(message, "success")
    return redirect(url_for("spmi.cycle", cycle_id=cycle.id, _anchor=key))


@bp.route("/spmi/siklus/<id:cycle_id>/prioritas/<id:priority_id>/hapus", methods=["GET", "POST"])
@login_required
def remove_priority(cycle_id: int, priority_id: int):
    """GET asks for confirmation (what goes with the priority, and that review notes stay); POST removes."""
    cycle = _cycle_or_404(cycle_id)
    _require(perm.is_school_user(current_user))
    # Not found is a 404, a refusal a flash and a redirect back: both answered by web/db.py.
    priority = ops.get_priority(get_session(), current_user, cycle.id, priority_id)
    if request.method == "GET":
        return render_template("spmi/confirm_remove_priority.html", cycle=cycle, priority=priority,
                               notes=queries.cycle_content(get_session(), cycle).all_notes)  # fmt: skip
    ops.remove_priority(get_session(), current_user, cycle.id, priority_id)
    flash("Prioritas dihapus. Catatan Widyaprada tentangnya tetap tersimpan.", "success")
    return redirect(url_for("spmi.cycle", cycle_id=cycle.id))


def _found(load):
    try:
        return load()
    except CaseNotFound:
        abort(404)


def _edit_item(cycle, form, item, save, title: str, fields: tuple[str, ...]):
    """An edit page for one PBD item of the school's cycle: GET shows it filled, POST saves via ``save``."""
    if request.method == "POST" and form.validate_on_submit():
        try:
            save(form)
        except ops.SpmiInputError as exc:
            field = form._fields.get(exc.field)
            (field.errors if field is not None else form.form_errors).append(str(exc))
        else:  # any other refusal: rolled back, flashed and sent back by web/db.py
            flash(f"{title} disimpan.", "success")
            return redirect(url_for("spmi.cycle", cycle_id=cycle.id, _anchor=f"{form._prefix}{item.id}"))
    status = 400 if request.method == "POST" else 200
    return render_template("spmi/edit_item.html", cycle=cycle, form=form, title=title, fields=fields), status


@bp.route("/spmi/siklus/<id:cycle_id>/akar-masalah/<id:cause_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_root_cause(cycle_id: int, cause_id: int):
    """Refleksi: edit a root cause or move it (with its activities) to another priority."""
    cycle = _cycle_or_404(cycle_id)
    _require(perm.is_school_user(current_user))
    session = get_session()
    cause = _found(lambda: ops.get_root_cause(session, current_user, cycle.id, cause_id))
    form = forms.RootCauseForm(prefix="root_cause", obj=cause)
    form.priority_id.choices = [SelectChoice(p.id, f"{p.indicator_code} {p.indicator_name}")
                                for p in queries.cycle_content(session, cycle).priorities]  # fmt: skip

    def save(f):
        ops.update_root_cause(
            session, current_user, cycle.id, cause.id, f.priority_id.data, f.description.data
        )

    return _edit_item(cycle, form, cause, save, "Akar masalah", ("priority_id", "description"))


@bp.route("/spmi/siklus/<id:cycle_id>/kegiatan/<id:activity_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_activity(cycle_id: int, activity_id: int):
    """Benahi: edit an activity or move it to a root cause of another priority."""
    cycle = _cycle_or_404(cycle_id)
    _require(perm.is_school_user(current_user))
    session = get_session()
    activity = _found(lambda: ops.get_activity(session, current_user, cycle.id, activity_id))
    form = forms.ActivityForm(prefix="activity", obj=activity)
    form.root_cause_id.choices = root_cause_choices(queries.cycle_content(session, cycle))

    def save(f):
        ops.update_activity(session, current_user, cycle.id, activity.id, _activity_input(f))

    fields = ("root_cause_id", "title", "snp", "owner", "start_date", "end_date", "budget_ref", "target")
    return _edit_item(cycle, form, activity, save, "Kegiatan", fields)


# --- workflow steps ----------------------------------------------------------------------------------
def _version() -> int:
    form = forms.StepForm()
    if not form.validate_on_submit():
        abort(400, description="Formulir tidak lengkap. Muat ulang halaman lalu coba lagi.")
    return form.version.data


def _step(cycle_id: int, call, done: str):
    cycle = _cycle_or_404(cycle_id)
    version = _version()
    try:
        call(get_session(), cycle, version)  # a stale page is a Refusal: web/db.py rolls back and says so
    except (ops.SpmiInputError, ActionRefused) as exc:
        flash(str(exc), "danger")  # shown on the page again, answered 400 (so rolled back)
        return _render_cycle(cycle, None, 400)
    flash(done, "success")
    return redirect(url_for("spmi.cycle", cycle_id=cycle.id))


@bp.route("/spmi/siklus/<id:cycle_id>/ajukan", methods=["POST"])
@login_required
def submit(cycle_id: int):
    return _step(
        cycle_id,
        lambda s, c, v: ops.submit_phase(s, current_user, c.id, v),
        "Tahap diajukan untuk ditinjau Widyaprada.",
    )


@bp.route("/spmi/siklus/<id:cycle_id>/setujui", methods=["GET", "POST"])
@login_required
def approve(cycle_id: int):
    """GET asks the Widyaprada to confirm (what is approved, its evidence); POST approves."""
    if request.method == "GET":
        return _confirm_approve(_cycle_or_404(cycle_id))
    comment = request.form.get("comment")
    return _step(
        cycle_id, lambda s, c, v: ops.approve_phase(s, current_user, c.id, v, comment), "Tahap disetujui."
    )


def _confirm_approve(cycle):
    session = get_session()
    option = next((o for o in available_actions(session, cycle.case, current_user)
                   if o.transition.trigger == "approve"), None)  # fmt: skip
    if option is None or not option.allowed:
        flash(option.reason if option else "Tahap ini tidak dapat disetujui sekarang.", "warning")
        return redirect(url_for("spmi.cycle", cycle_id=cycle.id))
    definition = get_definition(cycle.case.type_key, cycle.case.type_version)
    return render_template("spmi/confirm_approve.html", cycle=cycle, case=cycle.case, definition=definition,
                           content=queries.cycle_content(session, cycle), label=option.transition.label,
                           form=forms.StepForm(formdata=None, version=cycle.case.version))  # fmt: skip


def _notes_from_form() -> list[ops.NoteInput]:
    """Notes come as ``note-<kind>-<id>`` textareas (``note-general`` for the phase as a whole)."""
    notes = []
    for name, body in request.form.items():
        if not name.startswith("note-") or not body.strip():
            continue
        _, kind, *rest = name.split("-", 2)
        item_id = parse_id(rest[0]) if rest else None
        notes.append(ops.NoteInput(kind, item_id, body))
    return notes


@bp.route("/spmi/siklus/<id:cycle_id>/kembalikan", methods=["POST"])
@login_required
def send_back(cycle_id: int):
    notes = _notes_from_form()
    return _step(
        cycle_id,
        lambda s, c, v: ops.return_phase(s, current_user, c.id, v, notes),
        "Tahap dikembalikan ke sekolah dengan catatan.",
    )


# --- Widyaprada review queue ---------------------------------------------------------------------------
QUEUE_HEADER = ("NPSN", "Sekolah", "Kabupaten/Kota", "Siklus", "Tahap", "Diajukan ({zona})", "Menunggu (hari)")


@bp.route("/spmi/tinjauan")
@login_required
def review_queue():
    _require(perm.can_see_review_queue(current_user))
    late_only = _late_arg()
    definition = get_definition(ops.WORKFLOW_KEY)
    fmt = requested_format()
    if fmt:
        items = queries.review_queue(get_session(), current_user, limit=None, late_only=late_only)
        return export_response(fmt, "antrian-tinjauan-spmi", QUEUE_HEADER,
                               lambda session: _queue_rows(session, items, definition), title="Antrian tinjauan")  # fmt: skip
    items = queries.review_queue(get_session(), current_user, late_only=late_only)
    return render_template("spmi/queue.html", items=items, definition=definition, now=clock.now(),
                           late_only=late_only, names=region_names(get_session()))  # fmt: skip


def _queue_rows(session, items, definition):
    """The queue is short (one person's or one unit's submissions): loaded in the view, written here."""
    names, now = region_names(session), clock.now()
    for cycle, case in items:
        yield (cycle.school.npsn, cycle.school.name, names.regency(case.regency_code), cycle.label,
               definition.label(case.state), case.state_entered_at,
               (now - case.state_entered_at).days)  # fmt: skip


# --- B/BPMP progress -------------------------------------------------------------------------------------
def _year_arg() -> int:
    raw = request.args.get("tahun", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else _current_year()


def _late_arg() -> bool:
    return request.args.get("terlambat") == "1"


PROGRESS_HEADER = ("Provinsi", "Kabupaten/Kota", "Siklus")


@bp.route("/spmi/progres")
@login_required
def progress():
    _require(perm.can_view_progress(current_user))
    year, late_only = _year_arg(), _late_arg()
    rows = queries.progress_by_regency(get_session(), current_user, year, late_only=late_only)
    definition = get_definition(ops.WORKFLOW_KEY)
    fmt = requested_format()
    if fmt:
        header = (*PROGRESS_HEADER, *(definition.label(s) for s in queries.STATE_ORDER), "Terlambat",
                  "Tepat waktu (%)")  # fmt: skip
        data = [(r.province_name, r.regency_name, r.total, *(r.by_state.get(s, 0) for s in queries.STATE_ORDER),
                 r.late, round(r.on_time_percent, 1)) for r in rows]  # fmt: skip
        return export_response(fmt, f"progres-spmi-{year}", header, lambda _session: data,
                               title=f"Progres SPMI {year}")  # fmt: skip
    return render_template("spmi/progress.html", rows=rows, year=year, definition=definition,
                           states=queries.STATE_ORDER, late_only=late_only,
                           can_bulk_open=perm.can_bulk_open(current_user))  # fmt: skip


def _cycle_list(filters: queries.CycleFilters, template: str, filename: str, title: str, **context):
    """A monitoring list of cycles (drill-down, late list): the page, or the whole list as a download."""
    fmt = requested_format()
    if fmt:
        statement = queries.cycle_list_statement(current_user, filters)
        return export_response(fmt, filename, queries.CYCLE_EXPORT_HEADER,
                               lambda session: queries.cycle_export_rows(session, statement), title=title)  # fmt: skip
    rows = queries.progress_schools(get_session(), current_user, filters)
    return render_template(template, rows=rows, filters=filters, year=filters.year, state=filters.state,
                           late_only=filters.late_only, definition=get_definition(ops.WORKFLOW_KEY),
                           now=clock.now(), names=region_names(get_session()), title=title,
                           **context)  # fmt: skip


@bp.route("/spmi/progres/<regency_code>")
@login_required
def progress_regency(regency_code: str):
    _require(perm.can_view_progress(current_user))
    region = regency_with_province(get_session(), regency_code)
    if region is None:
        abort(404)
    state = request.args.get("status") or None
    if state and state not in queries.STATE_ORDER:
        abort(404)
    filters = queries.CycleFilters(_year_arg(), regency_code, state, _late_arg())
    return _cycle_list(filters, "spmi/progress_regency.html", f"progres-spmi-{regency_code}",
                       f"Progres SPMI {region[0]}", regency_code=regency_code, regency_name=region[0],
                       province_name=region[1])  # fmt: skip


@bp.route("/spmi/terlambat")
@login_required
def late_cycles():
    """Every late cycle in the user's area (a B/BPMP: all its provinces), with the regency of each."""
    _require(perm.can_view_progress(current_user))
    filters = queries.CycleFilters(_year_arg(), late_only=True)
    return _cycle_list(filters, "spmi/late.html", "siklus-terlambat", "Siklus SPMI terlambat")


@bp.route("/spmi/progres/buka", methods=["GET", "POST"])
@login_required
def bulk_open():
    """Opening the year's cycles for every school in the user's area: a page of its own, so that a
    monitoring page never carries a button that writes thousands of cycles."""
    _require(perm.can_bulk_open(current_user))
    if request.method == "GET":
        form = forms.BulkOpenForm(year=_year_arg())
        return render_template("spmi/bulk_open.html", form=form)
    form = forms.BulkOpenForm()
    if not form.validate_on_submit():
        return render_template("spmi/bulk_open.html", form=form), 400
    try:
        report = ops.open_cycles_bulk(get_session(), current_user, form.year.data)
    except EngineError as exc:  # shown next to the field, answered 400 (so rolled back)
        form.year.errors.append(str(exc))
        return render_template("spmi/bulk_open.html", form=form), 400
    flash(report.summary() + f" ({report.seconds:.1f} detik).", "success")
    return redirect(url_for("spmi.progress", tahun=form.year.data))


# --- indicators ---------------------------------------------------------------------------------------
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _import_school_or_404(school_id: int):
    school = get_school(get_session(), current_user, school_id)
    if school is None:
        abort(404)
    _require(perm.can_import_school_indicators(current_user))
    return school


@bp.route("/spmi/sekolah/<id:school_id>/indikator", methods=["GET", "POST"])
@login_required
def indicators(school_id: int):
    """Import a school's Rapor Pendidikan indicators (its operator/principal, or B/BPMP for it); with
    ``?siklus=<id>`` (from the cycle page) it goes back to that cycle afterwards."""
    school = _import_school_or_404(school_id)
    back_cycle = _cycle_of_school(request.args.get("siklus"), school.id)
    done_url = (
        url_for("spmi.cycle", cycle_id=back_cycle.id)
        if back_cycle
        else url_for("spmi.indicators", school_id=school.id)
    )
    return _indicator_import(school, done_url, back_cycle)


def _cycle_of_school(cycle_id: str | None, school_id: int):
    """The cycle to go back to, if ``cycle_id`` is one of this school's cycles that the user may see."""
    number = tabular.ascii_int(cycle_id, low=1, high=2**31 - 1)
    if number is None:
        return None
    try:
        cycle = ops.get_cycle(get_session(), current_user, number)
    except CaseNotFound:
        return None
    return cycle if cycle.school_id == school_id else None


@bp.route("/spmi/sekolah/<id:school_id>/indikator/templat.xlsx")
@login_required
def indicator_template(school_id: int):
    """The school's XLSX template, in the layout of the Rapor Pendidikan download."""
    school = _import_school_or_404(school_id)
    year = tabular.ascii_int(request.args.get("tahun"), low=2000, high=2100) or _current_year()
    data = indicator_templates.school_template(school, year)
    return _xlsx_download(data, f"templat-rapor-{school.npsn}-{year}.xlsx")


@bp.route("/spmi/indikator", methods=["GET", "POST"])
@login_required
def indicators_bulk():
    """Bulk import of Rapor Pendidikan indicators (an ``npsn`` column; schools in the user's area)."""
    _require(perm.can_bulk_open(current_user))
    return _indicator_import(None, url_for("spmi.indicators_bulk"))


@bp.route("/spmi/indikator/templat.xlsx")
@login_required
def indicator_bulk_template():
    """The XLSX template of a bulk file (SPMP's own columns)."""
    _require(perm.can_bulk_open(current_user))
    return _xlsx_download(indicator_templates.bulk_template(), "templat-indikator-massal.xlsx")


def _xlsx_download(data: bytes, filename: str):
    response = current_app.response_class(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _indicator_import(school, done_url: str, back_cycle=None):
    """The import form and its report: for one school, or (``school`` None) by NPSN in bulk. Every
    problem of the file is shown on the page (never a 500): the importer raises ImportFileError only."""
    form = (
        forms.IndicatorImportForm(year=back_cycle.year if back_cycle else _current_year())
        if request.method == "GET"
        else forms.IndicatorImportForm()
    )
    report = None
    if request.method == "POST" and form.validate_on_submit():
        storage = form.file.data
        try:
            report = import_indicators(get_session(), current_user, storage.stream, filename=storage.filename,
                                       school_id=school.id if school else None, year=form.year.data)  # fmt: skip
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            if report.ok:
                flash(report.summary(), "success")
                return redirect(done_url)
    status = 400 if request.method == "POST" and (form.errors or (report and not report.ok)) else 200
    return render_template(
        "spmi/indicators.html", school=school, form=form, report=report, back_cycle=back_cycle
    ), status
