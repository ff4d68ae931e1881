"""The pages "Pekerjaan saya" (a Widyaprada's caseload) and "Beban kerja" (workload per Widyaprada)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from spmp import clock
from spmp.accounts.models import User
from spmp.widyaprada import caseload as queries
from spmp.widyaprada import permissions
from spmp.widyaprada import skp as skp_queries
from web.db import get_session
from web.export import export_response, requested_format

bp = Blueprint("caseload", __name__, template_folder="templates")

WORKLOAD_HEADER = ["Widyaprada", "Unit", "Tugas terbuka", "Bobot terbuka", "Terlambat", "Kunjungan bulan ini"]


def _today():
    return clock.now().date()


@bp.route("/pekerjaan-saya")
@login_required
def mine():
    if not permissions.has_own_caseload(current_user):
        abort(403)
    data = queries.caseload(get_session(), current_user, _today())
    return render_template("caseload/caseload.html", data=data, own=True, state_label=queries.state_label)


@bp.route("/beban-kerja")
@login_required
def workload():
    if not queries.can_see_workload(current_user):
        abort(403)
    today = _today()
    fmt = requested_format()
    if fmt:
        statement = queries.workload_statement(current_user, today)

        def rows(session):
            for _id, *values in session.execute(statement):
                yield values

        return export_response(fmt, "beban-kerja-widyaprada", WORKLOAD_HEADER, rows, "Beban kerja")
    rows = queries.workload(get_session(), current_user, today)
    return render_template("caseload/workload.html", rows=rows, today=today)


@bp.route("/beban-kerja/<id:user_id>")
@login_required
def drill(user_id: int):
    session = get_session()
    if not queries.can_see_workload(current_user):
        abort(403)
    if not queries.can_drill_into(session, current_user, user_id):
        abort(404)  # another unit's Widyaprada is indistinguishable from a missing one
    person = session.get(User, user_id)
    data = queries.caseload(session, person, _today(), own=False)
    return render_template("caseload/caseload.html", data=data, own=False, state_label=queries.state_label)


def _year() -> int:
    raw = request.args.get("tahun", "")
    if not raw:
        return _today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(400, description="Tahun tidak sah: tulis tahun empat angka, misalnya 2026.")
    return int(raw)


def _skp_page(person: User):
    year = _year()
    evidence = skp_queries.skp_evidence(get_session(), person, year)
    fmt = request.args.get("format")
    name = f"bukti-skp-{person.username}-{year}"
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_template("caseload/skp_print.html", evidence=evidence)
        pdf = HTML(string=html, base_url=request.host_url).write_pdf()
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    fmt = requested_format()
    if fmt:
        rows = list(evidence.rows())
        return export_response(fmt, name, skp_queries.HEADER, lambda _session: rows, "Bukti SKP")
    return render_template("caseload/skp.html", evidence=evidence)


@bp.route("/skp")
@login_required
def my_skp():
    if not permissions.has_own_caseload(current_user):
        abort(403)
    return _skp_page(current_user)


@bp.route("/beban-kerja/<id:user_id>/skp")
@login_required
def skp_of(user_id: int):
    session = get_session()
    if not queries.can_see_workload(current_user):
        abort(403)
    if not queries.can_drill_into(session, current_user, user_id):
        abort(404)
    return _skp_page(session.get(User, user_id))
