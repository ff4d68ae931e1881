"""Field obstacle pages: the list of the user's unit or region (filters, XLSX/CSV), the report form, and the
obstacle's page (its photos, the triage and resolve actions; comments and reassignment on the case page)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from spmp import tabular
from spmp.access import school_scope
from spmp.engine import CaseNotFound, available_actions, get_definition, list_evidence
from spmp.engine.evidence import read_limited
from spmp.engine.queries import case_deadlines
from spmp.kendala import operations as ops
from spmp.kendala import permissions, queries
from spmp.kendala.models import CATEGORIES, PROGRAMMES
from spmp.schools.models import School
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg, parse_version
from web.kendala import forms
from web.navigation import EXTRA_MENU

bp = Blueprint("kendala", __name__, template_folder="templates")
EXTRA_MENU.append(("kendala.kendala_list", "Kendala", permissions.LIST_ROLES))


def _workflow():
    return get_definition(ops.WORKFLOW)


def _kendala_or_404(kendala_id: int):
    try:
        return ops.load_kendala(get_session(), current_user, kendala_id)
    except CaseNotFound:
        abort(404)


@bp.route("/kendala")
@login_required
def kendala_list():
    if not permissions.can_list(current_user):
        abort(403)
    state = request.args.get("status") or None
    filters = queries.KendalaFilters(
        state=state if state == "terbuka" or state in _workflow().states else None,
        category=request.args.get("kategori") or None, programme=request.args.get("program") or None,
        late=request.args.get("terlambat") == "1", linked_case_id=id_arg(request.args, "kasus"),
    )  # fmt: skip
    statement = queries.kendala_query(current_user, filters)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "kendala", queries.EXPORT_HEADER,
                               lambda session: queries.export_rows(session, statement), title="Kendala")  # fmt: skip
    return render_template("kendala/list.html", rows=queries.rows(get_session(), statement), workflow=_workflow(),
                           categories=CATEGORIES, programmes=PROGRAMMES,
                           can_report=permissions.can_report(current_user))  # fmt: skip


def _school_id(form) -> int | None:
    npsn = (form.npsn.data or "").strip()
    found = None
    if tabular.is_ascii_digits(npsn, 8):
        query = select(School.id).where(School.npsn == npsn, school_scope(current_user))
        found = get_session().scalar(query)
    if found is None:
        form.npsn.errors.append(f"Sekolah dengan NPSN {npsn!r} tidak ditemukan di wilayah Anda (8 angka).")
    return found


@bp.route("/kendala/baru", methods=["GET", "POST"])
@login_required
def new_kendala():
    if not permissions.can_report(current_user):
        abort(403)
    if request.method == "GET":
        form = forms.KendalaForm(formdata=None, npsn=request.args.get("npsn", "")[:8],
                                 programme=request.args.get("program"), linked_case_id=id_arg(request.args, "kasus"))  # fmt: skip
        return render_template("kendala/new.html", form=form)
    form = forms.KendalaForm()
    school_id = _school_id(form) if form.validate_on_submit() else None
    if school_id is None:
        return render_template("kendala/new.html", form=form), 400
    data = ops.KendalaInput(school_id, form.programme.data, form.category.data, form.description.data or "",
                            form.linked_case_id.data)  # fmt: skip
    session = get_session()
    try:
        kendala = ops.report_kendala(session, current_user, data)
    except ops.KendalaInputError as exc:
        getattr(form, exc.field).errors.append(str(exc))
        return render_template("kendala/new.html", form=form), 400
    storage = form.photo.data
    if storage and storage.filename:
        settings = current_app.config["SPMP_SETTINGS"]
        ops.add_photo(session, current_user, kendala.id, storage.filename,
                      read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024), settings.evidence_path)  # fmt: skip
    flash("Kendala dilaporkan; B/BPMP diberi tahu.", "success")
    return redirect(url_for("kendala.kendala_page", kendala_id=kendala.id))


@bp.route("/kendala/<id:kendala_id>")
@login_required
def kendala_page(kendala_id: int):
    session = get_session()
    kendala = _kendala_or_404(kendala_id)
    case = kendala.case
    return render_template(
        "kendala/page.html", kendala=kendala, case=case, workflow=_workflow(),
        options=available_actions(session, case, current_user), deadlines=case_deadlines(session, case.id),
        evidence=list_evidence(session, current_user, case.id), photo_form=forms.PhotoForm(formdata=None),
        can_add_photo=permissions.can_add_photo(current_user, case),
    )  # fmt: skip


@bp.route("/kendala/<id:kendala_id>/foto", methods=["POST"])
@login_required
def add_photo(kendala_id: int):
    kendala = _kendala_or_404(kendala_id)
    form = forms.PhotoForm()
    back = redirect(url_for("kendala.kendala_page", kendala_id=kendala.id))
    storage = form.photo.data
    if not form.validate_on_submit() or not storage or not storage.filename:
        flash("Pilih berkas foto atau dokumen.", "danger")
        return back
    settings = current_app.config["SPMP_SETTINGS"]
    ops.add_photo(get_session(), current_user, kendala.id, storage.filename,
                  read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024), settings.evidence_path)  # fmt: skip
    flash("Berkas diunggah.", "success")
    return back


@bp.route("/kendala/<id:kendala_id>/aksi/<trigger>", methods=["POST"])
@login_required
def act(kendala_id: int, trigger: str):
    from spmp.engine import fire

    seen = parse_version(request.form.get("seen_version"))
    if seen is None:
        abort(400, description="Versi kendala tidak terbaca. Muat ulang halaman.")
    kendala = _kendala_or_404(kendala_id)
    inputs = {
        k.removeprefix("input_"): v.strip()
        for k, v in request.form.items()
        if k.startswith("input_") and v.strip()
    }
    fire(get_session(), kendala.case_id, trigger, current_user, seen, inputs=inputs)  # refusals: web/db.py
    flash("Berhasil.", "success")
    return redirect(url_for("kendala.kendala_page", kendala_id=kendala.id))
