"""Usage of the delivered devices: the school's two-minute monthly report (a phone form), the school's own
reports, the area's list of schools flagged for a month (no report, or a problem) with its download, and
"jadikan kendala" on a flag (a ``kendala`` case through spmp.kendala's operation)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from spmp.access import can_see_school
from spmp.digitalisasi import permissions, usage
from spmp.digitalisasi.field_models import USAGE_PROBLEMS, UsageReport
from spmp.engine.evidence import blob_path, read_limited
from spmp.regions.names import region_names
from web.db import get_session
from web.digitalisasi.field_forms import UsageForm
from web.digitalisasi.views import bp
from web.export import export_response, requested_format
from web.navigation import EXTRA_MENU


def _settings():
    return current_app.config["SPMP_SETTINGS"]


def _filters() -> usage.UsageFilters:
    period = usage.parse_period(request.args.get("periode")) or usage.last_period()
    flag = request.args.get("tanda")
    return usage.UsageFilters(period=period, flag=flag if flag in usage.FLAGS else None,
                              regency_code=request.args.get("kabkota") or None)  # fmt: skip


@bp.route("/digitalisasi/penggunaan")
@login_required
def usage_list():
    if not permissions.can_list_usage(current_user):
        abort(403)
    session = get_session()
    if permissions.is_school_user(current_user):
        school_id = current_user.school_id
        if requested_format():
            rows = list(usage.school_report_rows(session, school_id))
            return export_response(requested_format(), "laporan-penggunaan-sekolah", usage.SCHOOL_HEADER,
                                   lambda _s: rows, title="Laporan")  # fmt: skip
        return render_template("digitalisasi/usage_school.html", reports=usage.school_reports(session, school_id),
                               has_devices=usage.has_devices(session, school_id), period_label=usage.period_label,
                               last=usage.last_period(), last_report=usage.report_of(session, school_id, usage.last_period()))  # fmt: skip
    filters = _filters()
    statement = usage.schools_query(current_user, filters)
    fmt = requested_format()
    if fmt:
        name = f"penggunaan-digitalisasi-{filters.period:%Y-%m}"
        return export_response(fmt, name, usage.EXPORT_HEADER,
                               lambda s: usage.export_rows(s, statement, filters.period), title="Penggunaan")  # fmt: skip
    return render_template(
        "digitalisasi/usage_list.html", filters=filters, rows=session.execute(statement.limit(300)).all(),
        counts=usage.counts(session, current_user, filters), flags=usage.FLAGS, period_label=usage.period_label,
        periods=_recent_periods(), names=region_names(session), flag_of=usage.flag_of,
        may_escalate=permissions.can_open_usage_obstacle(current_user),
    )  # fmt: skip


@bp.app_context_processor
def _school_page_field():
    """The school page: the school's verval cases and whether it reported last month's usage."""

    def digital_field(school_id: int):
        from spmp.digitalisasi import verval

        session, last = get_session(), usage.last_period()
        due = usage.period_label(last) if usage.has_devices(session, school_id) else None
        return verval.school_cases(session, current_user, school_id), usage.report_of(session, school_id, last), due

    def digital_verval_label(state: str) -> str:
        from spmp.digitalisasi import verval

        return verval.state_label(state)

    return {"digital_field": digital_field, "digital_verval_label": digital_verval_label}


def _recent_periods(count: int = 12):
    period, out = usage.month_start(usage.today_wib()), []
    for _ in range(count):
        out.append(period)
        period = usage.previous_month(period)
    return out


def _usage_form(school_id: int) -> UsageForm:
    periods = usage.reportable_periods()
    default = request.args.get("periode") or f"{periods[0]:%Y-%m}"
    form = UsageForm(data={"period": default} if request.method == "GET" else None)
    form.period.choices = [SelectChoice(f"{p:%Y-%m}", usage.period_label(p)) for p in periods]
    return form


def _usage_input(form: UsageForm) -> usage.UsageInput:
    upload = form.photo.data
    photo = None
    if upload and getattr(upload, "filename", ""):
        photo = (upload.filename, read_limited(upload.stream, _settings().max_upload_mb * 1024 * 1024))
    return usage.UsageInput(
        period=usage.parse_period(form.period.data), hours_per_week=form.hours_per_week.data,
        classes_using=form.classes_using.data, teachers_using=form.teachers_using.data,
        condition=form.condition.data or "", problem=form.problem.data or None, note=form.note.data or "",
        photo=photo,
    )  # fmt: skip


@bp.route("/digitalisasi/penggunaan/lapor", methods=["GET", "POST"])
@login_required
def usage_report():
    """The two-minute form: month, hours a week, classes, teachers, condition, problem, note, photo."""
    school_id = current_user.school_id
    if not (school_id and permissions.acts_for_school(current_user, school_id)):
        abort(403)
    session = get_session()
    form = _usage_form(school_id)
    if request.method == "POST" and form.validate():
        try:
            usage.submit_report(
                session, current_user, school_id, _usage_input(form), _settings().evidence_path
            )
        except usage.UsageRefused as exc:  # shown beside its field; the 422 answer rolls back (web/db.py)
            field = form._fields.get(exc.field) if exc.field else None
            (field.errors if field is not None else form.form_errors).append(str(exc))
        else:
            flash("Laporan penggunaan tersimpan. Terima kasih.", "success")
            return redirect(url_for("digitalisasi.usage_list"))
    has_devices = usage.has_devices(session, school_id)
    return render_template("digitalisasi/usage_form.html", form=form, has_devices=has_devices,
                           problems=USAGE_PROBLEMS), (422 if request.method == "POST" else 200)  # fmt: skip


@bp.route("/digitalisasi/penggunaan/sekolah/<id:school_id>/kendala", methods=["POST"])
@login_required
def usage_obstacle(school_id: int):
    """ "Jadikan kendala": one click opens the obstacle case, prefilled from the month's report or its absence."""
    if not permissions.can_open_usage_obstacle(current_user):
        abort(403)
    session = get_session()
    if not can_see_school(session, current_user, school_id):
        abort(404)
    period = usage.parse_period(request.form.get("periode"))
    if period is None:
        abort(400, description="Bulan tidak terbaca (format 2026-11).")
    obstacle = usage.open_obstacle(session, current_user, school_id, period, _settings().evidence_path)
    flash("Kendala dibuka dari laporan penggunaan; B/BPMP diberi tahu.", "success")
    return redirect(url_for("cases.detail", case_id=obstacle.case_id))


@bp.route("/digitalisasi/penggunaan/foto/<id:report_id>")
@login_required
def usage_photo(report_id: int):
    report = get_session().get(UsageReport, report_id)
    if (
        report is None
        or not report.photo_sha256
        or not can_see_school(get_session(), current_user, report.school_id)
    ):
        abort(404)
    path = blob_path(_settings().evidence_path, report.photo_sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype=report.photo_media_type, download_name=report.photo_filename, max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


EXTRA_MENU.append(("digitalisasi.usage_list", "Penggunaan Perangkat", permissions.USAGE_ROLES))
