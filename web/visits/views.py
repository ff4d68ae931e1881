"""The visit calendar (per Widyaprada and per unit, month and week; an agenda on phones), planning a visit
with its warnings and their override, the actual dates of a trip, and school holidays per province."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from spmp.accounts.models import User
from spmp.regions.models import Province
from spmp.schools.queries import school_by_npsn
from spmp.visits import operations as visits
from spmp.visits import queries
from spmp.visits.models import SchoolHoliday, Visit
from spmp.visits.permissions import (
    CALENDAR_ROLES,
    HOLIDAY_ROLES,
    can_cancel_visit,
    can_manage_school_holidays,
    can_open_calendar,
    can_plan_visits,
    can_record_actual,
    can_see_calendar_of,
    is_widyaprada,
    sees_only_own_calendar,
)
from spmp.widyaprada.queries import task_for_case
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg
from web.navigation import EXTRA_MENU
from web.visits.forms import ActualForm, CancelForm, PlanForm, SchoolHolidayForm

bp = Blueprint("visits", __name__, template_folder="templates")


def _require(allowed) -> None:
    if not allowed(current_user):
        abort(403)


def _anchor() -> date:
    try:
        return date.fromisoformat(request.args.get("tanggal", ""))
    except ValueError:
        return date.today()


def _chosen_widyaprada(session) -> User | None:
    wanted = id_arg(request.args, "pegawai")
    if sees_only_own_calendar(current_user) and wanted is None:
        return current_user
    if wanted is None:
        return None
    person = session.get(User, wanted)
    if not is_widyaprada(person) or not can_see_calendar_of(current_user, person):
        abort(404)
    return person


@bp.route("/kunjungan")
@login_required
def calendar():
    _require(can_open_calendar)
    session = get_session()
    view = "minggu" if request.args.get("tampilan") == "minggu" else "bulan"
    anchor = _anchor()
    person = _chosen_widyaprada(session)
    start, end = queries.calendar_period(anchor, view)
    statement = queries.in_period(
        queries.visible_visits(current_user, widyaprada_id=person and person.id), start, end
    )
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "kunjungan", queries.EXPORT_HEADER,
                               lambda s: queries.export_rows(s, statement), title="Kunjungan")  # fmt: skip
    days = queries.calendar_days(
        list(session.scalars(statement)), start, end, anchor.month if view == "bulan" else None
    )
    step = timedelta(days=7) if view == "minggu" else timedelta(days=31)
    previous = (
        anchor - step if view == "minggu" else (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
    )
    return render_template(
        "visits/calendar.html", days=days, view=view, anchor=anchor, person=person,
        title=queries.month_label(anchor) if view == "bulan" else f"Minggu {start:%d-%m-%Y} s.d. {end:%d-%m-%Y}",
        previous=previous, following=(anchor.replace(day=1) + step).replace(day=1) if view == "bulan" else anchor + step,
        people=[] if sees_only_own_calendar(current_user) else queries.unit_widyaprada(session, current_user.unit_id),
        school_holidays=queries.school_holidays_between(session, None, start, end),
        can_plan=can_plan_visits(current_user),
    )  # fmt: skip


def _plan_choices(form, session) -> None:
    if sees_only_own_calendar(current_user):
        form.widyaprada_id.choices = [SelectChoice(current_user.id, current_user.full_name)]
    else:
        people = queries.unit_widyaprada(session, current_user.unit_id)
        form.widyaprada_id.choices = [
            SelectChoice(0, "— pilih —"),
            *(SelectChoice(p.id, p.full_name) for p in people),
        ]


@bp.route("/kunjungan/rencana", methods=["GET", "POST"])
@login_required
def plan():
    _require(can_plan_visits)
    session = get_session()
    if request.method == "POST":
        form = PlanForm(formdata=request.form)
    else:
        form = PlanForm(
            formdata=None, data={"npsn": request.args.get("npsn", ""), "widyaprada_id": current_user.id}
        )
    _plan_choices(form, session)
    warnings = []
    if request.method == "POST" and form.validate():
        person = session.get(User, form.widyaprada_id.data)
        school = school_by_npsn(session, form.npsn.data)
        try:
            if person is None or school is None:
                raise visits.VisitRefused("Widyaprada atau sekolah (NPSN) tidak ditemukan di wilayah Anda.")
            visit = visits.plan_visit(session, current_user, widyaprada=person, school_id=school.id,
                                      start=form.start.data, end=form.end.data or form.start.data,
                                      purpose=form.purpose.data, override_reason=form.override_reason.data)  # fmt: skip
        # A refusal is shown on the form; the 422 answer rolls the request back (web/db.py).
        except visits.VisitClash as exc:
            warnings = exc.warnings
            form.override_reason.errors = [*form.override_reason.errors, str(exc)]
        except visits.VisitRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(
                "Kunjungan direncanakan."
                + (
                    " Peringatan diabaikan dengan alasan (tercatat di log audit)."
                    if visit.override_reason
                    else ""
                ),
                "success",
            )
            return redirect(url_for("visits.detail", visit_id=visit.id))
    status = 422 if request.method == "POST" else 200
    return render_template("visits/plan.html", form=form, warnings=warnings), status


def _visit_or_404(visit_id: int) -> Visit:
    statement = queries.visible_visits(current_user).where(Visit.id == visit_id)
    visit = get_session().scalars(statement).first()
    if visit is None:
        abort(404)
    return visit


@bp.route("/kunjungan/<id:visit_id>", methods=["GET", "POST"])
@login_required
def detail(visit_id: int):
    _require(can_open_calendar)
    visit = _visit_or_404(visit_id)
    # Defaults only on the page: a POST takes its dates from what was sent, never from the defaults.
    if request.method == "POST":
        form = ActualForm(formdata=request.form)
    else:
        form = ActualForm(formdata=None, data={"actual_start": visit.start, "actual_end": visit.end})
    if request.method == "POST":
        if not can_record_actual(current_user, visit):
            abort(403)
        if form.validate():
            try:
                visits.record_actual(get_session(), current_user, visit,
                                     start=form.actual_start.data, end=form.actual_end.data)  # fmt: skip
            except visits.VisitRefused as exc:
                form.form_errors.append(str(exc))
            else:
                flash("Realisasi kunjungan dicatat.", "success")
                return redirect(url_for("visits.detail", visit_id=visit.id))
    return _render_detail(visit, form, 422 if request.method == "POST" else 200)


def _render_detail(visit: Visit, form=None, status=200, cancel_form=None):
    task = task_for_case(get_session(), visit.case_id) if visit.case_id else None
    may_cancel = can_cancel_visit(current_user, visit) and task is None
    return render_template(
        "visits/detail.html", visit=visit, form=form if can_record_actual(current_user, visit) else None,
        warnings=json.loads(visit.warnings) if visit.warnings else [], task=task,
        cancel_form=(cancel_form or CancelForm(formdata=None)) if may_cancel else None,
    ), status  # fmt: skip


@bp.route("/kunjungan/<id:visit_id>/batal", methods=["POST"])
@login_required
def cancel(visit_id: int):
    _require(can_open_calendar)
    visit = _visit_or_404(visit_id)
    if not can_cancel_visit(current_user, visit):
        abort(403)
    form = CancelForm()
    if form.validate():
        try:
            visits.cancel_visit(get_session(), current_user, visit, form.cancel_reason.data)
        except visits.VisitRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Kunjungan dibatalkan. Widyaprada dan sekolah diberi tahu.", "success")
            return redirect(url_for("visits.detail", visit_id=visit.id))
    # Shown on the page; the 422 answer rolls the request back (web/db.py).
    actual = ActualForm(formdata=None, data={"actual_start": visit.start, "actual_end": visit.end})
    return _render_detail(visit, actual, 422, form)


@bp.route("/admin/libur-sekolah", methods=["GET", "POST"])
@login_required
def school_holidays():
    if not can_manage_school_holidays(current_user):
        abort(403)
    session = get_session()
    province = request.args.get("provinsi") or None
    statement = select(SchoolHoliday).order_by(SchoolHoliday.start_date.desc(), SchoolHoliday.province_code)
    if province:
        statement = statement.where(SchoolHoliday.province_code == province)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "libur-sekolah", queries.SCHOOL_HOLIDAY_HEADER,
                               lambda s: queries.school_holiday_rows(s, statement), title="Libur sekolah")  # fmt: skip
    provinces = list(session.scalars(select(Province).order_by(Province.name)))
    form = SchoolHolidayForm(formdata=request.form if request.method == "POST" else None)
    form.province_code.choices = [
        SelectChoice("", "— pilih —"),
        *(SelectChoice(p.code, p.name) for p in provinces),
    ]
    if request.method == "POST" and form.validate():
        try:
            visits.add_school_holiday(session, current_user, province_code=form.province_code.data,
                                      name=form.name.data, start=form.start.data, end=form.end.data,
                                      source=form.source.data)  # fmt: skip
        except visits.VisitRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Libur sekolah dicatat.", "success")
            return redirect(url_for("visits.school_holidays"))
    return render_template(
        "visits/school_holidays.html", form=form, periods=list(session.scalars(statement.limit(500))),
        provinces=provinces, province=province,
    ), (422 if request.method == "POST" else 200)  # fmt: skip


EXTRA_MENU.append(("visits.calendar", "Kalender Kunjungan", CALENDAR_ROLES))
EXTRA_MENU.append(("visits.school_holidays", "Libur Sekolah", HOLIDAY_ROLES))
