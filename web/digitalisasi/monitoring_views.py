"""``/digitalisasi/pemantauan``: the monitoring of a programme year per B/BPMP unit → province → regency →
school (``spmp.digitalisasi.monitoring``), each level a list with its XLSX/CSV, scoped to the reader."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from spmp.digitalisasi import monitoring, permissions
from spmp.regions.models import Province, Regency, Unit
from web.db import get_session
from web.digitalisasi.views import _year, bp
from web.export import export_response, requested_format
from web.navigation import EXTRA_MENU


def _scope() -> tuple[monitoring.Scope, list[tuple[str, dict]]]:
    """The level asked for (unit, then province, then regency narrow it) and the breadcrumbs above it."""
    session, year = get_session(), _year()
    unit_code, province_code, regency_code = (
        request.args.get(k) or None for k in ("unit", "provinsi", "kabkota")
    )
    crumbs: list[tuple[str, dict]] = [("Semua", {"tahun": year})]
    unit = province = regency = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code)) or abort(404)
        crumbs.append((unit.name, {"tahun": year, "unit": unit.code}))
    if province_code:
        province = session.get(Province, province_code) or abort(404)
        crumbs.append((province.name, {"tahun": year, "provinsi": province.code}))
    if regency_code:
        regency = session.get(Regency, regency_code) or abort(404)
        crumbs.append(
            (regency.name, {"tahun": year, "provinsi": regency.province_code, "kabkota": regency.code})
        )
    if regency:
        level = "school"
    elif province:
        level = "regency"
    elif unit:
        level = "province"
    else:
        level = monitoring.top_level(current_user)
    scope = monitoring.Scope(year, level, unit.id if unit else None, province.code if province else None,
                             regency.code if regency else None)  # fmt: skip
    return scope, crumbs


def _child_args(scope: monitoring.Scope, row: monitoring.Row) -> dict | None:
    """The drill-down link of a row (a school's row links to the school page instead)."""
    if scope.level == "unit":
        return {"tahun": scope.year, "unit": row.code}
    if scope.level == "province":
        return {"tahun": scope.year, "provinsi": row.code}
    if scope.level == "regency":
        return {"tahun": scope.year, "provinsi": scope.province_code or row.code[:2], "kabkota": row.code}
    return None


@bp.route("/digitalisasi/pemantauan")
@login_required
def monitoring_page():
    if not permissions.can_monitor(current_user):
        abort(403)
    scope, crumbs = _scope()
    session = get_session()
    found = monitoring.rows(session, current_user, scope)
    fmt = requested_format()
    if fmt:
        name = f"pemantauan-digitalisasi-{scope.year}-{monitoring.LEVEL_LABELS[scope.level].lower().replace('/', '-')}"
        return export_response(fmt, name, monitoring.header(scope.level), lambda _s: (r.cells() for r in found),
                               title="Pemantauan")  # fmt: skip
    return render_template(
        "digitalisasi/monitoring.html", scope=scope, crumbs=crumbs, rows=found, total=monitoring.total(session, current_user, scope),
        level_label=monitoring.LEVEL_LABELS[scope.level], child_args=lambda r: _child_args(scope, r),
        usage_period=monitoring.usage_period(), shown=found[: monitoring.PAGE_SIZE * 3],
    )  # fmt: skip


EXTRA_MENU.append(("digitalisasi.monitoring_page", "Pemantauan Digitalisasi", permissions.MONITOR_ROLES))
