"""Revitalisasi monitoring page: per B/BPMP unit → province → regency → school, for one programme year, in
the user's area; every table downloadable (XLSX/CSV) as shown."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from spmp import clock
from spmp.regions.models import Unit, UnitCoverage
from spmp.regions.names import region_names
from spmp.revitalisasi import monitoring
from spmp.revitalisasi.permissions import MONITOR_ROLES, can_view_monitoring
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg
from web.navigation import EXTRA_MENU

bp = Blueprint("pemantauan", __name__, template_folder="templates")
EXTRA_MENU.append(("pemantauan.index", "Pemantauan Revitalisasi", MONITOR_ROLES))

_PROVINCE = re.compile(r"\d{2}", re.ASCII)
_REGENCY = re.compile(r"\d{2}\.\d{2}", re.ASCII)


def _year() -> int:
    year = id_arg(request.args, "tahun")
    return year if year and 2025 <= year <= 2100 else clock.now().year


def _place(session, year: int) -> monitoring.Place:
    """The place asked for (``unit``, ``provinsi``, ``kabupaten``), or the user's own start; a code that
    is not a region is 404 (a region outside the user's area just shows nothing)."""
    args = request.args
    unit, province, regency = id_arg(args, "unit"), args.get("provinsi"), args.get("kabupaten")
    if unit is None and not province and not regency:
        return monitoring.start_place(current_user, year)
    names = region_names(session)
    if regency is not None and not (_REGENCY.fullmatch(regency) and regency in names.regencies):
        abort(404)
    if province is not None and not (_PROVINCE.fullmatch(province) and province in names.provinces):
        abort(404)
    if unit is not None and session.get(Unit, unit) is None:
        abort(404)
    if regency:
        province = regency[:2]
    return monitoring.Place(year, unit_id=unit, province=province, regency=regency)


def _crumbs(session, place: monitoring.Place) -> list[tuple[str, dict]]:
    """(label, query arguments) from the nation down to the place."""
    crumbs = [("Nasional", {})]
    unit_id = place.unit_id
    if unit_id is None and place.province:
        unit_id = session.scalar(select_unit(place.province))
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        crumbs.append((unit.name if unit else str(unit_id), {"unit": unit_id}))
    names = region_names(session)
    if place.province:
        crumbs.append((names.province(place.province), {"provinsi": place.province}))
    if place.regency:
        crumbs.append((names.regency(place.regency), {"kabupaten": place.regency}))
    return crumbs


def select_unit(province: str):
    return select(UnitCoverage.unit_id).where(UnitCoverage.province_code == province)


@bp.route("/revitalisasi/pemantauan")
@login_required
def index():
    if not can_view_monitoring(current_user):
        abort(403)
    session = get_session()
    place = _place(session, _year())
    result = monitoring.monitoring(session, current_user, place)
    fmt = requested_format()
    if fmt:
        rows = list(monitoring.export_rows(result))
        return export_response(fmt, f"pemantauan-revitalisasi-{place.year}-{place.level}",
                               monitoring.export_header(result), lambda _session: rows,
                               title=f"Pemantauan {place.year}")  # fmt: skip
    return render_template(
        "revitalisasi/monitoring.html", result=result, place=place, crumbs=_crumbs(session, place),
        level_label=monitoring.LEVELS[place.level], workflow=monitoring.get_definition(monitoring.WORKFLOW),
        milestones=monitoring.MILESTONES,
    )  # fmt: skip
