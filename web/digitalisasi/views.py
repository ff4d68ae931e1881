"""Digitalisasi Pembelajaran pages: the readiness list of a unit (filtered, downloadable), the readiness
section of the school page with the school's safe-room confirmation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from spmp import clock
from spmp.access import can_see_school, visible_provinces
from spmp.digitalisasi import operations, permissions, queries
from spmp.digitalisasi.models import KITS
from spmp.digitalisasi.readiness import explain
from spmp.regions.models import Regency
from web.db import get_session
from web.export import export_response, requested_format
from web.navigation import EXTRA_MENU

bp = Blueprint("digitalisasi", __name__, template_folder="templates")
EXTRA_MENU.append(("digitalisasi.readiness", "Digitalisasi", permissions.MONITOR_ROLES))


def _threshold() -> int:
    return current_app.config["SPMP_SETTINGS"].digital_min_watts


def _year() -> int:
    raw = request.args.get("tahun", "")
    if not raw:
        return clock.now().year
    if not (raw.isascii() and raw.isdigit() and 2020 <= int(raw) <= 2100):
        abort(400, description="Tahun program tidak valid (2020-2100).")
    return int(raw)


def _page_number() -> int:
    raw = request.args.get("halaman", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100_000 else 1


@bp.app_context_processor
def _school_page_helpers():
    """The school page's readiness section: each target year with why it is (not) ready."""

    def digital_readiness(school_id: int):
        session = get_session()
        return [(t, explain(t)) for t in queries.school_targets(session, school_id)]

    def digital_acts_for_school(school_id: int) -> bool:
        return permissions.acts_for_school(current_user, school_id)

    return {
        "digital_readiness": digital_readiness,
        "digital_acts_for_school": digital_acts_for_school,
        "kit_labels": KITS,
    }


@bp.route("/digitalisasi/kesiapan")
@login_required
def readiness():
    if not permissions.can_monitor(current_user):
        abort(403)
    session = get_session()
    filters = queries.TargetFilters(
        year=_year(),
        province_code=request.args.get("provinsi") or None,
        regency_code=request.args.get("kabkota") or None,
        ready={"1": True, "0": False}.get(request.args.get("siap", "")),
        kit=request.args.get("paket") or None,
    )
    statement = queries.targets(current_user, filters)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, f"kesiapan-digitalisasi-{filters.year}", queries.TARGET_HEADER,
                               lambda s: queries.export_rows(s, statement), title="Kesiapan")  # fmt: skip
    provinces = visible_provinces(session, current_user)
    codes = [p.code for p in provinces]
    if filters.province_code in codes:
        codes = [filters.province_code]
    regencies = session.scalars(
        select(Regency).where(Regency.province_code.in_(codes)).order_by(Regency.name)
    )
    number = _page_number()
    return render_template(
        "digitalisasi/readiness.html", filters=filters, provinces=provinces, regencies=list(regencies),
        counts=queries.counts(session, statement), rows=queries.page(session, statement, number),
        number=number, page_size=queries.PAGE_SIZE, kits=KITS, reason_labels=queries.REASON_LABELS,
    )  # fmt: skip


@bp.route("/digitalisasi/sekolah/<id:school_id>/ruang-aman", methods=["POST"])
@login_required
def confirm_safe_room(school_id: int):
    session = get_session()
    if not can_see_school(session, current_user, school_id):
        abort(404)
    if not permissions.acts_for_school(current_user, school_id):
        abort(403)
    note = request.form.get("note", "")
    operations.confirm_safe_room(session, current_user, school_id, note, threshold=_threshold())
    flash("Ruang aman dikonfirmasi; kesiapan sekolah dihitung ulang.", "success")
    return redirect(url_for("schools.detail", school_id=school_id) + "#digitalisasi")
