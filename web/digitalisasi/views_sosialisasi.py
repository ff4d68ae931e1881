"""Sosialisasi and coordination with the Pemda, per regency: the list of the user's area (XLSX/CSV), a new
event (B/BPMP), and the event page with its attendance (downloadable) and materials."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from spmp import clock
from spmp.access import unit_provinces
from spmp.digitalisasi import permissions
from spmp.digitalisasi import sosialisasi as ops
from spmp.digitalisasi.field_models import SosialisasiMaterial
from spmp.engine.evidence import blob_path, read_limited
from spmp.regions.models import Regency
from spmp.regions.names import region_names
from web.db import get_session
from web.digitalisasi.field_forms import AttendeeForm, EventForm, MaterialForm
from web.digitalisasi.views import _year, bp
from web.export import export_response, requested_format


def _settings():
    return current_app.config["SPMP_SETTINGS"]


@bp.route("/digitalisasi/sosialisasi")
@login_required
def sosialisasi_list():
    if not permissions.can_monitor(current_user):
        abort(403)
    year = _year() if request.args.get("tahun") else None
    statement = ops.events_query(current_user, year, request.args.get("kabkota") or None)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "sosialisasi-digitalisasi", ops.EXPORT_HEADER,
                               lambda s: ops.export_rows(s, statement), title="Sosialisasi")  # fmt: skip
    session = get_session()
    return render_template("digitalisasi/sosialisasi_list.html", rows=list(session.scalars(statement.limit(200))),
                           year=year, names=region_names(session),
                           may_record=permissions.can_record_sosialisasi(current_user))  # fmt: skip


def _event_form() -> EventForm:
    data = {"year": clock.now().year, "held_on": clock.now().date()} if request.method == "GET" else None
    form = EventForm(data=data)
    regencies = get_session().scalars(
        select(Regency)
        .where(Regency.province_code.in_(unit_provinces(current_user.unit_id)))
        .order_by(Regency.name)
    )
    form.regency_code.choices = [
        SelectChoice("", "— pilih —"),
        *(SelectChoice(r.code, r.name) for r in regencies),
    ]
    return form


@bp.route("/digitalisasi/sosialisasi/baru", methods=["GET", "POST"])
@login_required
def sosialisasi_new():
    if not permissions.can_record_sosialisasi(current_user):
        abort(403)
    form = _event_form()
    if request.method == "POST" and form.validate():
        data = ops.EventInput(year=form.year.data, kind=form.kind.data, regency_code=form.regency_code.data,
                              held_on=form.held_on.data, place=form.place.data, notes=form.notes.data or "")  # fmt: skip
        try:
            event = ops.create_event(get_session(), current_user, data)
        except ops.SosialisasiRefused as exc:
            field = form._fields.get(exc.field) if exc.field else None
            (field.errors if field is not None else form.form_errors).append(str(exc))
        else:
            flash("Kegiatan tercatat. Tambahkan peserta dan materi.", "success")
            return redirect(url_for("digitalisasi.sosialisasi_detail", event_id=event.id))
    return render_template("digitalisasi/sosialisasi_new.html", form=form), (
        422 if request.method == "POST" else 200
    )


def _event_or_404(event_id: int):
    event = ops.get_event(get_session(), current_user, event_id)
    if event is None:
        abort(404)
    return event


@bp.route("/digitalisasi/sosialisasi/<id:event_id>", methods=["GET", "POST"])
@login_required
def sosialisasi_detail(event_id: int):
    """The event; a POST adds an attendee (a school by NPSN, or an office by name, with a head count)."""
    event = _event_or_404(event_id)
    fmt = requested_format()
    if fmt:
        rows = list(ops.attendee_rows(event))
        return export_response(fmt, f"peserta-sosialisasi-{event.id}", ops.ATTENDEE_HEADER, lambda _s: rows,
                               title="Peserta")  # fmt: skip
    session = get_session()
    may_record = ops.may_record(session, current_user, event)
    form = AttendeeForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate():
            try:
                ops.add_attendee(session, current_user, event, form.kind.data, form.npsn.data or "",
                                 form.name.data or "", form.people.data)  # fmt: skip
            except ops.SosialisasiRefused as exc:
                field = form._fields.get(exc.field) if exc.field else None
                (field.errors if field is not None else form.form_errors).append(str(exc))
            else:
                flash("Peserta dicatat.", "success")
                return redirect(url_for("digitalisasi.sosialisasi_detail", event_id=event.id))
    return render_template(
        "digitalisasi/sosialisasi.html", event=event, form=form if may_record else None,
        material_form=MaterialForm(formdata=None) if may_record else None, names=region_names(session),
    ), (422 if request.method == "POST" else 200)  # fmt: skip


@bp.route("/digitalisasi/sosialisasi/<id:event_id>/materi", methods=["POST"])
@login_required
def sosialisasi_material(event_id: int):
    event = _event_or_404(event_id)
    if not ops.may_record(get_session(), current_user, event):
        abort(403)
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash("Pilih berkas materi.", "danger")
    else:
        content = read_limited(upload.stream, _settings().max_upload_mb * 1024 * 1024)
        ops.add_material(
            get_session(), current_user, event, upload.filename, content, _settings().evidence_path
        )
        flash("Materi diunggah.", "success")
    return redirect(url_for("digitalisasi.sosialisasi_detail", event_id=event.id) + "#materi")


@bp.route("/digitalisasi/sosialisasi/<id:event_id>/materi/<id:material_id>")
@login_required
def sosialisasi_material_file(event_id: int, material_id: int):
    event = _event_or_404(event_id)
    material = get_session().get(SosialisasiMaterial, material_id)
    if material is None or material.event_id != event.id:
        abort(404)
    path = blob_path(_settings().evidence_path, material.sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype=material.media_type, as_attachment=True, download_name=material.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
