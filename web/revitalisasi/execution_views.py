"""Revitalisasi execution pages (workflow version 2, after terpilih): the execution list (stage,
facilitator, progress, money; XLSX/CSV; bulk facilitator assignment by regency), the facilitator's
caseload, the facilitator's visit report form, and the POSTs of the execution panel on the proposal page
(P2SP, documents, progress reports, verification, facilitator). Refusals are answered by web/db.py."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp import clock
from spmp.engine import CaseNotFound, get_definition
from spmp.engine.calendar import WIB
from spmp.engine.evidence import read_limited
from spmp.revitalisasi import execution_ops as xops
from spmp.revitalisasi import execution_queries as xq
from spmp.revitalisasi import permissions
from spmp.revitalisasi.execution import DOCUMENT_KINDS, MILESTONES, P2SP_ROLES, ProgressPhoto, ProgressReport
from spmp.revitalisasi.operations import load_proposal, photo_note
from web.db import get_session
from web.export import export_response, requested_format
from web.navigation import EXTRA_MENU
from web.revitalisasi.views import _send, bp

EXTRA_MENU.append(("revitalisasi.facilitator_caseload", "Revitalisasi binaan", permissions.CASELOAD_ROLES))


def _proposal_or_404(proposal_id: int):
    try:
        return load_proposal(get_session(), current_user, proposal_id)
    except CaseNotFound:
        abort(404)


def _allowed_or_403(proposal_id: int, refusal):
    """The proposal (404 if unseen); 403 with the reason when ``refusal(user, case)`` says no."""
    proposal = _proposal_or_404(proposal_id)
    reason = refusal(current_user, proposal.case)
    if reason:
        abort(403, description=reason)
    return proposal


def _page(proposal_id: int, anchor: str):
    return redirect(url_for("revitalisasi.proposal_page", proposal_id=proposal_id) + f"#{anchor}")


def _root():
    return current_app.config["SPMP_SETTINGS"].evidence_path


def _limit() -> int:
    return current_app.config["SPMP_SETTINGS"].max_upload_mb * 1024 * 1024


def _uploads(name: str) -> list[xops.PhotoUpload]:
    return [
        xops.PhotoUpload(f.filename, read_limited(f.stream, _limit()))
        for f in request.files.getlist(name)
        if f and f.filename
    ]


def _whole(name: str) -> int | None:
    text = (request.form.get(name) or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def _id(name: str) -> int | None:
    text = (request.form.get(name) or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _year_arg() -> int | None:
    text = request.args.get("tahun", "")
    return int(text) if text.isascii() and text.isdigit() and 2025 <= int(text) <= 2100 else None


def execution_context(session, proposal) -> dict:
    """What the proposal page's execution panel shows (empty outside the execution)."""
    case = proposal.case
    if not permissions.is_in_execution(case):
        return {"execution": None}
    user = current_user
    return {"execution": {
        "members": xops.members(session, proposal.id), "documents": xops.documents(session, proposal.id),
        "tranches": xops.tranches(session, proposal.id), "reports": xops.reports(session, proposal.id),
        "latest": xops.latest_verified(session, proposal.id), "threshold": xops.tranche2_min_progress(),
        "facilitator": case.assignee_user, "roles": P2SP_ROLES, "kinds": DOCUMENT_KINDS, "milestones": MILESTONES,
        "can_p2sp": permissions.p2sp_refusal(user, case) is None,
        "document_kinds": [k for k in DOCUMENT_KINDS if permissions.document_refusal(user, case, k) is None],
        "can_report": permissions.progress_refusal(user, case) is None,
        "can_visit": permissions.visit_refusal(user, case) is None,
        "facilitators": xops.facilitators(session, user) if permissions.can_assign_facilitator(user) else [],
        "photo_note": photo_note,
    }}  # fmt: skip


# --- lists ----------------------------------------------------------------------------------------------
def _filters() -> xq.ExecutionFilters:
    regency = request.args.get("kabupaten", "")
    return xq.ExecutionFilters(
        year=_year_arg(), state=request.args.get("tahap") or None,
        regency_code=regency if len(regency) <= 5 and regency.replace(".", "").isdigit() else None,
    )  # fmt: skip


def _export(fmt, name, statement):
    return export_response(fmt, name, xq.EXPORT_HEADER, lambda session: xq.export_rows(session, statement),
                           title="Pelaksanaan")  # fmt: skip


@bp.route("/revitalisasi/pelaksanaan")
@login_required
def execution_list():
    if not permissions.can_list_execution(current_user):
        abort(403)
    statement = xq.execution_query(current_user, _filters())
    fmt = requested_format()
    if fmt:
        return _export(fmt, "pelaksanaan-revitalisasi", statement)
    session = get_session()
    can_assign = permissions.can_assign_facilitator(current_user)
    return render_template(
        "revitalisasi/execution_list.html", rows=xq.rows(session, statement), states=permissions.EXECUTION_STATES,
        workflow=get_definition("revitalisasi"), can_assign=can_assign,
        facilitators=xops.facilitators(session, current_user) if can_assign else [],
    )  # fmt: skip


@bp.route("/revitalisasi/pelaksanaan/fasilitator", methods=["POST"])
@login_required
def assign_facilitator_regency():
    """Bulk: one facilitator for every running selected school of a regency and year."""
    if not permissions.can_assign_facilitator(current_user):
        abort(403)
    regency, year, facilitator = request.form.get("kabupaten", "").strip(), _whole_year(), _id("fasilitator")
    if not regency or year is None or facilitator is None:
        flash("Isi kode kabupaten/kota, tahun program dan fasilitator.", "danger")
        return redirect(url_for("revitalisasi.execution_list"))
    count = xops.assign_facilitator_regency(get_session(), current_user, regency, year, facilitator)
    flash(f"Fasilitator ditugaskan pada {count} sekolah baru di {regency} tahun {year}.", "success")
    return redirect(url_for("revitalisasi.execution_list", kabupaten=regency, tahun=year))


def _whole_year() -> int | None:
    text = (request.form.get("tahun") or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 2025 <= int(text) <= 2100 else None


@bp.route("/revitalisasi/binaan")
@login_required
def facilitator_caseload():
    if not permissions.has_facilitator_caseload(current_user):
        abort(403)
    statement = xq.caseload_query(current_user, _filters())
    fmt = requested_format()
    if fmt:
        return _export(fmt, "binaan-revitalisasi", statement)
    return render_template("revitalisasi/caseload.html", rows=xq.rows(get_session(), statement, limit=None),
                           threshold=xops.tranche2_min_progress())  # fmt: skip


# --- the proposal page's execution panel -------------------------------------------------------------------
@bp.route("/revitalisasi/usulan/<id:proposal_id>/p2sp", methods=["GET", "POST"])
@login_required
def p2sp(proposal_id: int):
    """GET: the committee as XLSX/CSV; POST: add a member."""
    if request.method == "GET":
        proposal = _proposal_or_404(proposal_id)
        fmt = requested_format() or "xlsx"
        members = [
            (m.name, m.masked_nik, m.role_label, m.phone or "") for m in xops.members(get_session(), proposal.id)
        ]
        return export_response(fmt, f"p2sp-usulan-{proposal.id}", ("Nama", "NIK", "Jabatan", "Telepon"),
                               lambda _session: iter(members), title="P2SP")  # fmt: skip
    _allowed_or_403(proposal_id, permissions.p2sp_refusal)
    f = request.form
    xops.add_member(get_session(), current_user, proposal_id, name=f.get("nama", ""), nik=f.get("nik", ""),
                    role=f.get("jabatan", ""), phone=f.get("telepon", ""))  # fmt: skip
    flash("Anggota P2SP ditambahkan.", "success")
    return _page(proposal_id, "p2sp")


@bp.route("/revitalisasi/usulan/<id:proposal_id>/p2sp/<id:member_id>/hapus", methods=["POST"])
@login_required
def remove_p2sp_member(proposal_id: int, member_id: int):
    _allowed_or_403(proposal_id, permissions.p2sp_refusal)
    xops.remove_member(get_session(), current_user, proposal_id, member_id)
    flash("Anggota P2SP dihapus.", "success")
    return _page(proposal_id, "p2sp")


@bp.route("/revitalisasi/usulan/<id:proposal_id>/berkas", methods=["POST"])
@login_required
def upload_execution_document(proposal_id: int):
    kind, storage = request.form.get("kind", ""), request.files.get("document")
    _allowed_or_403(proposal_id, lambda user, case: permissions.document_refusal(user, case, kind))
    if not storage or not storage.filename:
        flash("Pilih jenis dokumen dan berkasnya (PDF, JPEG atau PNG).", "danger")
        return _page(proposal_id, "dokumen-pelaksanaan")
    xops.upload_document(get_session(), current_user, proposal_id, kind, storage.filename,
                         read_limited(storage.stream, _limit()), _root())  # fmt: skip
    flash(f"{DOCUMENT_KINDS[kind]} diunggah.", "success")
    return _page(proposal_id, "dokumen-pelaksanaan")


@bp.route("/revitalisasi/usulan/<id:proposal_id>/berkas/<kind>")
@login_required
def execution_document_file(proposal_id: int, kind: str):
    proposal = _proposal_or_404(proposal_id)
    document = xops.documents(get_session(), proposal.id).get(kind)
    if document is None:
        abort(404)
    return _send(document.sha256, document.media_type, document.filename, attachment=True)


@bp.route("/revitalisasi/usulan/<id:proposal_id>/progres", methods=["GET", "POST"])
@login_required
def progress(proposal_id: int):
    """GET: the progress reports as XLSX/CSV; POST: the school's report at a milestone, with photos."""
    proposal = _proposal_or_404(proposal_id)
    if request.method == "GET":
        fmt = requested_format() or "xlsx"
        rows = [(r.reported_at.strftime("%Y-%m-%d %H:%M"), r.source_label, r.percent, r.reported_by.full_name,
                 "ya" if r.is_verified else "tidak", r.verified_by.full_name if r.verified_by else "",
                 r.verified_at.strftime("%Y-%m-%d %H:%M") if r.verified_at else "", len(r.photos),
                 sum(1 for p in r.photos if p.is_far), r.notes or "")
                for r in xops.reports(get_session(), proposal.id)]  # fmt: skip
        header = ("Dilaporkan (UTC)", "Sumber", "Progres (%)", "Pelapor", "Terverifikasi", "Diverifikasi oleh",
                  "Diverifikasi (UTC)", "Foto", "Foto jauh dari sekolah", "Catatan")  # fmt: skip
        return export_response(
            fmt, f"progres-usulan-{proposal.id}", header, lambda _s: iter(rows), title="Progres"
        )
    _allowed_or_403(proposal_id, permissions.progress_refusal)
    percent = _whole("persen")
    xops.report_progress(get_session(), current_user, proposal_id, percent=-1 if percent is None else percent,
                         notes=request.form.get("catatan", ""), photos=_uploads("foto"), root=_root())  # fmt: skip
    flash("Laporan progres disimpan; menunggu verifikasi fasilitator.", "success")
    return _page(proposal_id, "progres")


@bp.route("/revitalisasi/usulan/<id:proposal_id>/kunjungan", methods=["GET", "POST"])
@login_required
def visit_report(proposal_id: int):
    """The assigned facilitator's visit report: the physical progress verified on site, photos, notes."""
    proposal = _allowed_or_403(proposal_id, permissions.visit_refusal)
    if request.method == "GET":
        return render_template("revitalisasi/visit.html", proposal=proposal, today=clock.now().astimezone(WIB).date().isoformat(),
                               latest=xops.latest_verified(get_session(), proposal.id),
                               threshold=xops.tranche2_min_progress())  # fmt: skip
    percent, text = _whole("persen"), request.form.get("tanggal", "").strip()
    visit_date = _date(text)
    if text and visit_date is None:
        flash(f"Tanggal kunjungan tidak terbaca: {text[:20]!r} (format TTTT-BB-HH).", "danger")
        return redirect(url_for("revitalisasi.visit_report", proposal_id=proposal_id))
    xops.record_visit(get_session(), current_user, proposal_id, percent=-1 if percent is None else percent,
                      notes=request.form.get("catatan", ""), photos=_uploads("foto"), root=_root(),
                      visit_date=visit_date)  # fmt: skip
    flash(f"Laporan kunjungan disimpan: progres fisik terverifikasi {percent} %.", "success")
    return _page(proposal_id, "progres")


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@bp.route("/revitalisasi/progres/<id:report_id>/verifikasi", methods=["POST"])
@login_required
def verify_progress(report_id: int):
    report = get_session().get(ProgressReport, report_id)
    if report is None:
        abort(404)
    _allowed_or_403(report.proposal_id, permissions.visit_refusal)
    xops.verify_report(get_session(), current_user, report_id)
    flash(f"Progres {report.percent} % diverifikasi.", "success")
    return _page(report.proposal_id, "progres")


@bp.route("/revitalisasi/progres/foto/<id:photo_id>")
@login_required
def progress_photo(photo_id: int):
    photo = get_session().get(ProgressPhoto, photo_id)
    if photo is None:
        abort(404)
    _proposal_or_404(photo.report.proposal_id)
    if request.args.get("asli") == "1" or not photo.thumb_sha256:
        return _send(photo.sha256, photo.media_type, photo.filename, attachment=False)
    return _send(photo.thumb_sha256, "image/jpeg", f"kecil-{photo.filename}", attachment=False)


@bp.route("/revitalisasi/usulan/<id:proposal_id>/fasilitator", methods=["POST"])
@login_required
def assign_facilitator(proposal_id: int):
    _proposal_or_404(proposal_id)
    if not permissions.can_assign_facilitator(current_user):
        abort(403)
    facilitator = _id("fasilitator")
    if facilitator is None:
        flash("Pilih fasilitator.", "danger")
        return _page(proposal_id, "fasilitator")
    xops.assign_facilitator(get_session(), current_user, [proposal_id], facilitator)
    flash("Fasilitator ditugaskan.", "success")
    return _page(proposal_id, "fasilitator")
