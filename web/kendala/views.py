"""Field obstacles (kendala): the list of the user's area (with its download) and the report form. The
obstacle itself is a case: after reporting, its case page shows the steps (triage, resolve, confirm)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp.engine.definitions import get_definition
from spmp.engine.evidence import read_limited
from spmp.engine.permissions import can_open
from spmp.kendala import operations as ops
from spmp.kendala import queries
from spmp.kendala.models import CATEGORIES, PROGRAMMES
from spmp.regions.names import region_names
from spmp.schools.models import School
from spmp.schools.queries import school_by_npsn
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg
from web.kendala import forms
from web.navigation import EXTRA_MENU

bp = Blueprint("kendala", __name__, template_folder="templates")
EXTRA_MENU.append(("kendala.index", "Kendala Lapangan", None))  # every role, each within its own area


def _may_report() -> bool:
    return can_open(current_user, get_definition(ops.WORKFLOW))


@bp.app_context_processor
def _obstacle_helpers():
    """Lets the case page show the obstacles about a case (and link to report one), and the school page
    link to the report form."""

    def obstacles_about(case_id: int):
        return ops.obstacles_about(get_session(), current_user, case_id)

    def obstacle_of_case(case_id: int):
        return ops.obstacle_of_case(get_session(), case_id)

    def obstacle_state(obstacle) -> str:
        case = obstacle.case
        return get_definition(case.type_key, case.type_version).label(case.state)

    return {"obstacles_about": obstacles_about, "obstacle_of_case": obstacle_of_case,
            "obstacle_state": obstacle_state, "may_report_obstacle": _may_report}  # fmt: skip


def _filters() -> queries.ObstacleFilters:
    return queries.ObstacleFilters(
        open_only=request.args.get("status", "terbuka") != "semua",
        late_only=request.args.get("terlambat") == "1",
        category=request.args.get("kategori") or None,
        programme=request.args.get("program") or None,
        regency_code=request.args.get("kabupaten") or None,
    )


@bp.route("/kendala")
@login_required
def index():
    filters = _filters()
    fmt = requested_format()
    if fmt:
        statement = queries.export_statement(current_user, filters)
        return export_response(fmt, "kendala-lapangan", queries.EXPORT_HEADER,
                               lambda session: queries.export_rows(session, statement), title="Kendala")  # fmt: skip
    session = get_session()
    return render_template(
        "kendala/index.html", rows=queries.list_obstacles(session, current_user, filters),
        workflow=get_definition(ops.WORKFLOW), categories=CATEGORIES, programmes=PROGRAMMES,
        names=region_names(session), may_report=_may_report(),
    )  # fmt: skip


def _initial_npsn(session) -> str:
    school_id = id_arg(request.args, "sekolah")
    if school_id is None:
        school_id = current_user.school_id  # a school's own people report on their school
    school = session.get(School, school_id) if school_id else None
    return school.npsn if school else ""


def _render_new(form, status=200):
    return render_template("kendala/new.html", form=form), status


@bp.route("/kendala/baru", methods=["GET", "POST"])
@login_required
def new():
    if not _may_report():
        abort(403)
    session = get_session()
    if request.method == "GET":
        about = id_arg(request.args, "kasus")
        form = forms.ObstacleForm(formdata=None, npsn=_initial_npsn(session), about_case_id=about or "")
        return _render_new(form)
    form = forms.ObstacleForm()
    if not form.validate_on_submit():
        return _render_new(form, 400)
    school = school_by_npsn(session, form.npsn.data)
    if school is None:
        form.npsn.errors.append(ops.NOT_FOUND)
        return _render_new(form, 400)
    settings = current_app.config["SPMP_SETTINGS"]
    limit = settings.max_upload_mb * 1024 * 1024
    photos = [
        (f.filename or "foto", read_limited(f.stream, limit))
        for f in form.photos.data or ()
        if f and f.filename
    ]
    about = form.about_case_id.data
    data = ops.ObstacleInput(school_id=school.id, category=form.category.data, description=form.description.data,
                             programme=form.programme.data or None,
                             about_case_id=int(about) if about and about.isdigit() else None, photos=photos)  # fmt: skip
    try:
        obstacle = ops.report_obstacle(session, current_user, data, settings.evidence_path)
    except ops.ObstacleInputError as exc:
        field = form._fields.get(exc.field) if exc.field != "about_case_id" else None  # hidden: say it on top
        (field.errors if field is not None else form.form_errors).append(str(exc))
        return _render_new(form, 400)
    flash("Kendala dilaporkan. B/BPMP diberi tahu.", "success")
    return redirect(url_for("cases.detail", case_id=obstacle.case_id))
