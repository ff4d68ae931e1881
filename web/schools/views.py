"""School directory (scoped, filtered, keyset-paginated) and the school page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from spmp.access import visible_provinces
from spmp.regions.models import Regency
from spmp.schools import queries as school_queries
from spmp.schools.models import STATUS, BentukPendidikan
from spmp.schools.queries import DirectoryFilters, get_school, search_schools
from web.db import get_session
from web.export import export_response, requested_format

bp = Blueprint("schools", __name__, template_folder="templates")


def _bentuk_options(session) -> dict[str, str]:
    rows = session.execute(
        select(BentukPendidikan.code, BentukPendidikan.name).order_by(BentukPendidikan.sort_order)
    )
    return dict(rows.all())


def _filters_from_args(args, bentuk_options: dict[str, str]) -> DirectoryFilters:
    is_3t = {"1": True, "0": False}.get(args.get("t3", ""))
    return DirectoryFilters(
        q=(args.get("q") or "").strip()[:100] or None,
        province_code=args.get("provinsi") or None,
        regency_code=args.get("kabkota") or None,
        bentuk=args.get("bentuk") if args.get("bentuk") in bentuk_options else None,
        status=args.get("status") if args.get("status") in STATUS else None,
        is_3t=is_3t,
    )


@bp.route("/sekolah")
@login_required
def directory():
    session = get_session()
    bentuk_options = _bentuk_options(session)
    filters = _filters_from_args(request.args, bentuk_options)
    fmt = requested_format()
    if fmt:
        return _export(fmt, filters)
    try:
        page = search_schools(session, current_user, filters, after=request.args.get("setelah") or None)
    except ValueError:
        abort(400, description="Penanda halaman tidak valid. Mulai lagi dari halaman pertama.")
    provinces = visible_provinces(session, current_user)
    regencies = []
    if filters.province_code:
        regencies = session.scalars(
            select(Regency).where(Regency.province_code == filters.province_code).order_by(Regency.name)
        ).all()
    args = {k: v for k, v in request.args.items() if k != "setelah" and v}
    return render_template(
        "schools/directory.html",
        page=page,
        filters=filters,
        provinces=provinces,
        regencies=regencies,
        bentuk_options=bentuk_options,
        args=args,
    )


def _export(fmt: str, filters: DirectoryFilters):
    """The whole filtered directory (not just one page) as a streamed file."""
    statement = school_queries.directory_export_statement(current_user, filters)
    return export_response(
        fmt,
        "direktori-sekolah",
        school_queries.EXPORT_HEADER,
        lambda session: school_queries.directory_export_rows(session, statement),
        title="Direktori Sekolah",
    )


@bp.route("/sekolah/<id:school_id>")
@login_required
def detail(school_id: int):
    school = get_school(get_session(), current_user, school_id)
    if school is None:
        abort(404)  # outside the user's area looks exactly like a school that does not exist
    return render_template("schools/detail.html", school=school)
