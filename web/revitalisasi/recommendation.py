"""The recommendation list page: schools ranked by need from the school data (not from proposals), scoped
by role and region, 100 a page, XLSX/CSV of the whole list; a Dinas (or B/BPMP) turns a school into a
draft proposal in one click."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp import clock
from spmp.access import visible_provinces
from spmp.accounts.models import NATIONAL_ROLES
from spmp.regions.names import region_names
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi import recommendation as rec
from spmp.revitalisasi.permissions import MONITOR_ROLES, can_propose, can_view_recommendations
from spmp.revitalisasi.selection import CRITERIA, CRITERION_LABELS
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg
from web.navigation import EXTRA_MENU
from web.revitalisasi.forms import DraftFromRecommendationForm

bp = Blueprint("rekomendasi", __name__, template_folder="templates")
EXTRA_MENU.append(("rekomendasi.index", "Rekomendasi Revitalisasi", MONITOR_ROLES))

PAGE_SIZE = 100
_PROVINCE = re.compile(r"\d{2}", re.ASCII)
_REGENCY = re.compile(r"\d{2}\.\d{2}", re.ASCII)


def _year() -> int:
    year = id_arg(request.args, "tahun")
    return year if year and 2025 <= year <= 2100 else clock.now().year


def _filters(session) -> rec.RecommendationFilters:
    names = region_names(session)
    province, regency = request.args.get("provinsi") or None, request.args.get("kabupaten") or None
    if regency is not None and not (_REGENCY.fullmatch(regency) and regency in names.regencies):
        abort(404)
    if province is not None and not (_PROVINCE.fullmatch(province) and province in names.provinces):
        abort(404)
    return rec.RecommendationFilters(_year(), province=province, regency=regency)


def _needs_province(filters: rec.RecommendationFilters) -> bool:
    """The whole country is the command line's (``spmp revitalisasi recommend``): a national user picks a
    province on the page first."""
    return current_user.role in NATIONAL_ROLES and not (filters.province or filters.regency)


@bp.route("/revitalisasi/rekomendasi")
@login_required
def index():
    if not can_view_recommendations(current_user):
        abort(403)
    session = get_session()
    filters = _filters(session)
    names = region_names(session)
    provinces = [(p.code, p.name) for p in visible_provinces(session, current_user)]
    chosen = filters.province or (filters.regency or "")[:2]
    regencies = sorted(((c, n) for c, n in names.regencies.items() if chosen and c.startswith(chosen + ".")),
                       key=lambda item: item[1])  # fmt: skip
    places = {"provinces": provinces, "regencies": regencies}
    if _needs_province(filters):
        return render_template("revitalisasi/recommendation.html", filters=filters, rows=[], total=0, page=1,
                               has_next=False, needs_province=True, criteria=[], form=None, **places)  # fmt: skip
    rows = rec.recommend(session, current_user, filters)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, f"rekomendasi-revitalisasi-{filters.year}", rec.EXPORT_HEADER,
                               lambda _session: rec.export_rows(rows), title=f"Rekomendasi {filters.year}")  # fmt: skip
    page = max(id_arg(request.args, "halaman") or 1, 1)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "revitalisasi/recommendation.html", filters=filters, rows=shown, total=len(rows), page=page,
        has_next=len(rows) > page * PAGE_SIZE, needs_province=False, **places,
        criteria=[CRITERION_LABELS[c] for c in CRITERIA],
        form=DraftFromRecommendationForm(formdata=None, data={"year": filters.year}) if can_propose(current_user) else None,
    )  # fmt: skip


@bp.route("/revitalisasi/rekomendasi/<id:school_id>/usulan", methods=["POST"])
@login_required
def draft(school_id: int):
    if not can_propose(current_user):
        abort(403)
    form = DraftFromRecommendationForm(formdata=request.form)
    if not form.validate():
        flash("Tahun program tidak sah.", "danger")
        return redirect(url_for("rekomendasi.index"), 303)
    # A refusal (school outside the area, a proposal that year already) is flashed by web/db.py.
    proposal = ops.create_draft_from_recommendation(get_session(), current_user, school_id, form.year.data)
    flash(f"Draf usulan {form.year.data} dibuat untuk {proposal.school.name}: lengkapi ruang, kerusakan, lahan, "
          "formulir surveyor dan anggaran, lalu ajukan.", "success")  # fmt: skip
    return redirect(url_for("revitalisasi.edit_proposal", proposal_id=proposal.id), 303)
