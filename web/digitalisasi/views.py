"""Digitalisasi Pembelajaran pages: the readiness list of a unit (filtered, downloadable), the readiness
section of the school page with the school's safe-room confirmation."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from spmp import clock
from spmp.access import can_see_school, visible_provinces
from spmp.digitalisasi import bimtek as bimtek_ops
from spmp.digitalisasi import handover, operations, permissions, queries
from spmp.digitalisasi import shipments as shipments_ops
from spmp.digitalisasi.models import KITS, BimtekParticipant, BimtekSession, Shipment
from spmp.digitalisasi.readiness import explain
from spmp.engine import CaseNotFound, can_see_case, get_definition, list_evidence
from spmp.errors import Refusal
from spmp.regions.models import Regency
from spmp.regions.timezones import zone_for_province
from web.db import get_session
from web.digitalisasi.forms import BimtekForm, HandoverForm, ParticipantForm, ShipmentImportForm
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

    def digital_deliveries(school_id: int):
        session = get_session()
        return queries.school_shipments(session, school_id), queries.school_assets(session, school_id)

    def digital_acts_for_school(school_id: int) -> bool:
        return permissions.acts_for_school(current_user, school_id)

    return {
        "digital_readiness": digital_readiness,
        "digital_acts_for_school": digital_acts_for_school,
        "digital_deliveries": digital_deliveries,
        "digital_state_label": _state_label,
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


# --- delivery and receipt ------------------------------------------------------------------------------
def _state_label(state: str) -> str:
    return get_definition(shipments_ops.WORKFLOW).label(state)


@bp.route("/digitalisasi/pengiriman")
@login_required
def deliveries():
    if not permissions.can_monitor(current_user):
        abort(403)
    session, year = get_session(), _year()
    regency = request.args.get("kabkota") or None
    fmt = requested_format()
    if regency:
        statement = queries.shipments(current_user, year, regency, request.args.get("status") or None)
        if fmt:
            return export_response(fmt, f"pengiriman-{regency}-{year}", queries.SHIPMENT_HEADER,
                                   lambda s: queries.shipment_rows(s, statement, _state_label), title="Pengiriman")  # fmt: skip
        rows = list(session.scalars(statement.limit(200)))
        return render_template("digitalisasi/shipments.html", year=year, regency=session.get(Regency, regency),
                               rows=rows, state_label=_state_label)  # fmt: skip
    counts = queries.delivery_by_regency(session, current_user, year, request.args.get("provinsi") or None)
    if fmt:
        return export_response(fmt, f"pengiriman-per-kabkota-{year}", queries.DELIVERY_HEADER,
                               lambda _s: (row.cells() for row in counts), title="Pengiriman")  # fmt: skip
    return render_template("digitalisasi/deliveries.html", year=year, counts=counts,
                           can_import=permissions.can_manage(current_user))  # fmt: skip


@bp.route("/digitalisasi/pengiriman/impor", methods=["GET", "POST"])
@login_required
def import_shipments():
    if not permissions.can_manage(current_user):
        abort(403)
    form = ShipmentImportForm(data={"year": clock.now().year} if request.method == "GET" else None)
    errors: list[str] = []
    if request.method == "POST" and form.validate():
        upload = form.file.data
        try:
            report = shipments_ops.import_shipments(get_session(), current_user, upload.read(), upload.filename,
                                                    year=form.year.data, supplier=form.supplier.data or "")  # fmt: skip
        except shipments_ops.ShipmentImportError as exc:
            errors = exc.errors  # shown with row and field; the 422 answer rolls back (web/db.py)
        else:
            flash(report.summary() + "; sekolah penerima diberi tahu.", "success")
            return redirect(url_for("digitalisasi.deliveries", tahun=form.year.data))
    status = 422 if request.method == "POST" else 200
    return render_template("digitalisasi/import.html", form=form, errors=errors), status


def _shipment_or_404(shipment_id: int) -> Shipment:
    shipment = get_session().get(Shipment, shipment_id)
    if shipment is None or not can_see_school(get_session(), current_user, shipment.school_id):
        abort(404)
    return shipment


@bp.route("/digitalisasi/pengiriman/<id:shipment_id>", methods=["GET", "POST"])
@login_required
def shipment(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    may_record = permissions.acts_for_school(current_user, shipment.school_id)
    form = HandoverForm(data={"received_on": clock.now().date()} if request.method == "GET" else None)
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate():
            try:
                handover.record_handover(
                    get_session(), current_user, shipment, _handover_input(form), _evidence_root()
                )
            except Refusal as exc:  # shown on the form; the 422 answer rolls back what was written
                form.form_errors.append(str(exc))
            else:
                flash(
                    "BAST tersimpan; perangkat tercatat sebagai aset sekolah dan B/BPMP diberi tahu.",
                    "success",
                )
                return redirect(url_for("digitalisasi.shipment", shipment_id=shipment.id))
    return render_template(
        "digitalisasi/shipment.html", shipment=shipment, form=form if may_record else None,
        state_label=_state_label, evidence=_photos(shipment),
        sees_case=can_see_case(get_session(), current_user, shipment.case_id),
    ), (422 if request.method == "POST" else 200)  # fmt: skip


def _photos(shipment: Shipment):
    try:
        return list_evidence(get_session(), current_user, shipment.case_id)
    except CaseNotFound:  # sees the school, not its cases (a facilitator not assigned to this one)
        return []


def _handover_input(form) -> handover.HandoverInput:
    photos = tuple((f.filename, f.read()) for f in form.photos.data or () if f and f.filename)
    return handover.HandoverInput(received_on=form.received_on.data, receiver_name=form.receiver_name.data,
                                  serials=handover.parse_serials(form.serials.data), photos=photos,
                                  note=form.note.data or "")  # fmt: skip


def _evidence_root():
    return current_app.config["SPMP_SETTINGS"].evidence_path


EXTRA_MENU.append(("digitalisasi.deliveries", "Pengiriman Perangkat", permissions.MONITOR_ROLES))


# --- Bimtek --------------------------------------------------------------------------------------------
def _bimtek_or_404(session_id: int):
    bimtek = bimtek_ops.get_session_for(get_session(), current_user, session_id)
    if bimtek is None:
        abort(404)
    return bimtek


@bp.route("/digitalisasi/bimtek")
@login_required
def bimtek_list():
    year = _year()
    statement = (
        select(BimtekSession)
        .where(BimtekSession.year == year, bimtek_ops.visible_sessions(current_user))
        .order_by(BimtekSession.starts_at.desc())
    )
    fmt = requested_format()
    if fmt:
        return export_response(fmt, f"bimtek-digitalisasi-{year}", bimtek_ops.SESSION_HEADER,
                               lambda s: bimtek_ops.session_rows(s, statement), title="Bimtek")  # fmt: skip
    return render_template("digitalisasi/bimtek_list.html", year=year, rows=list(get_session().scalars(statement.limit(200))),
                           can_create=bimtek_ops.can_run(current_user))  # fmt: skip


def _local(value, bimtek=None):
    """A datetime-local value (wall clock in the unit's zone) as UTC."""
    zone = (
        bimtek_ops.session_zone(bimtek) if bimtek else zone_for_province(current_user.unit.seat_province_code)
    )
    return value.replace(tzinfo=zone.zone).astimezone(UTC)


@bp.route("/digitalisasi/bimtek/baru", methods=["GET", "POST"])
@login_required
def bimtek_new():
    if not bimtek_ops.can_run(current_user):
        abort(403)
    form = BimtekForm(data={"year": clock.now().year} if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        data = bimtek_ops.SessionInput(
            year=form.year.data, title=form.title.data, mode=form.mode.data, starts_at=_local(form.starts_at.data),
            ends_at=_local(form.ends_at.data), place=form.place.data,
            npsns=tuple(dict.fromkeys(n.strip() for n in form.npsns.data.replace(",", "\n").splitlines() if n.strip())),
        )  # fmt: skip
        try:
            created = bimtek_ops.create_session(get_session(), current_user, data)
        except Refusal as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Sesi Bimtek direncanakan.", "success")
            return redirect(url_for("digitalisasi.bimtek_detail", session_id=created.id))
    return render_template("digitalisasi/bimtek_new.html", form=form), (
        422 if request.method == "POST" else 200
    )


def _participant_form(bimtek):
    form = ParticipantForm(formdata=request.form if request.method == "POST" else None)
    session = get_session()
    schools = [i.school for i in bimtek.invites if can_see_school(session, current_user, i.school_id)]
    mine = [s for s in schools if permissions.acts_for_school(current_user, s.id)]
    form.school_id.choices = [SelectChoice(s.id, f"{s.name} ({s.npsn})") for s in (mine or schools)]
    may_add = bool(mine) or bimtek_ops.can_run(current_user, bimtek)
    return form if may_add else None


@bp.route("/digitalisasi/bimtek/<id:session_id>", methods=["GET", "POST"])
@login_required
def bimtek_detail(session_id: int):
    bimtek = _bimtek_or_404(session_id)
    fmt = requested_format()
    if fmt and request.args.get("daftar") in ("materi", "pertanyaan"):
        return followup_views.bimtek_export(bimtek, request.args["daftar"], fmt)
    if fmt:
        rows = list(bimtek_ops.participant_rows(bimtek))
        return export_response(fmt, f"peserta-bimtek-{bimtek.id}", bimtek_ops.PARTICIPANT_HEADER,
                               lambda _s: rows, title="Peserta")  # fmt: skip
    form = _participant_form(bimtek)
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate():
            try:
                bimtek_ops.add_participant(get_session(), current_user, bimtek, form.school_id.data,
                                           form.name.data, form.position.data)  # fmt: skip
            except Refusal as exc:
                form.form_errors.append(str(exc))
            else:
                flash("Peserta didaftarkan.", "success")
                return redirect(url_for("digitalisasi.bimtek_detail", session_id=bimtek.id))
    session = get_session()
    participants = [p for p in bimtek.participants if can_see_school(session, current_user, p.school_id)]
    return render_template(
        "digitalisasi/bimtek.html", bimtek=bimtek, form=form, participants=participants,
        can_run=bimtek_ops.can_run(current_user, bimtek), zone=bimtek_ops.session_zone(bimtek),
        wall_clock=bimtek_ops.wall_clock,
        may_certify=lambda p: p.attended and bimtek_ops.may_see_participant(session, current_user, p),
    ), (422 if request.method == "POST" else 200)  # fmt: skip


@bp.route("/digitalisasi/bimtek/<id:session_id>/kehadiran", methods=["POST"])
@login_required
def bimtek_attendance(session_id: int):
    bimtek = _bimtek_or_404(session_id)
    if not bimtek_ops.can_run(current_user, bimtek):
        abort(403)
    attended = {int(v) for v in request.form.getlist("hadir") if v.isascii() and v.isdigit() and len(v) < 10}
    count = bimtek_ops.record_attendance(get_session(), current_user, bimtek, attended)
    flash(f"Kehadiran dicatat: {count} peserta hadir.", "success")
    return redirect(url_for("digitalisasi.bimtek_detail", session_id=bimtek.id))


@bp.route("/digitalisasi/bimtek/<id:session_id>/sertifikat/<id:participant_id>")
@login_required
def bimtek_certificate(session_id: int, participant_id: int):
    bimtek = _bimtek_or_404(session_id)
    participant = get_session().get(BimtekParticipant, participant_id)
    if participant is None or participant.session_id != bimtek.id:
        abort(404)
    if not bimtek_ops.may_see_participant(get_session(), current_user, participant):
        abort(403)
    if not participant.attended:
        abort(404, description="Sertifikat hanya untuk peserta yang hadir.")
    from weasyprint import HTML

    html = render_template("digitalisasi/certificate.html", bimtek=bimtek, participant=participant,
                           number=bimtek_ops.certificate_number(participant), zone=bimtek_ops.session_zone(bimtek),
                           wall_clock=bimtek_ops.wall_clock)  # fmt: skip
    pdf = HTML(string=html, base_url=request.host_url).write_pdf()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="sertifikat-bimtek-{bimtek.id}-{participant.id}.pdf"'
    )
    return response


EXTRA_MENU.append(("digitalisasi.bimtek_list", "Bimtek Digitalisasi", None))

# Pages of the later steps, on this blueprint (imported last: they use the helpers above): Bimtek follow-up,
# sosialisasi, verval, usage and the monitoring.
from web.digitalisasi import (  # noqa: E402, F401
    followup_views,
    monitoring_views,
    views_sosialisasi,
    views_usage,
    views_verval,
)
