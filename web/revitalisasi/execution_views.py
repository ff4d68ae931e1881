"""Revitalisasi execution pages (workflow version 2, after terpilih): the execution list (stage,
facilitator, progress, money; XLSX/CSV; bulk facilitator assignment by regency), the facilitator's
caseload, the facilitator's visit report form, and the POSTs of the execution panel on the proposal page
(P2SP, documents, progress reports, verification, facilitator). Refusals are answered by web/db.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp import clock
from spmp.engine import ActionRefused, CaseNotFound, get_definition
from spmp.engine.evidence import read_limited
from spmp.regions.timezones import localize
from spmp.revitalisasi import execution_ops as xops
from spmp.revitalisasi import execution_queries as xq
from spmp.revitalisasi import permissions
from spmp.revitalisasi.execution import DOCUMENT_KINDS, MILESTONES, P2SP_ROLES, ProgressPhoto, ProgressReport
from spmp.revitalisasi.operations import load_proposal, photo_note
from web.db import get_session
from web.export import export_response, requested_format
from web.localtime import user_zone
from web.navigation import EXTRA_MENU
from web.offline import service_worker, wants_json
from web.revitalisasi.views import _send, bp
from web.security import CSP_BLOB_IMAGES

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


@bp.route("/revitalisasi/sw.js")
def facilitator_service_worker():
    """The service worker of the facilitator's pages (the caseload and the visit report form), which then
    open with no signal. Served from here, its scope is /revitalisasi/; it keeps those pages and nothing
    else of the app."""
    return service_worker()


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


@dataclass(frozen=True)
class _VisitValues:
    """What the visit form holds: shown again with the problems when the server refuses it."""

    visit_date: str
    percent: str
    notes: str
    draft_key: str


@bp.route("/revitalisasi/usulan/<id:proposal_id>/kunjungan", methods=["GET", "POST"])
@login_required
def visit_report(proposal_id: int):
    """The assigned facilitator's visit report: the physical progress verified on site, photos, notes. It
    works with no signal (web/static/report.js keeps the draft on the device and sends it, with its key,
    when there is a connection); a refused copy is answered with the reason and nothing typed is lost."""
    if request.method == "GET":
        proposal = _allowed_or_403(proposal_id, permissions.visit_refusal)
        today = localize(clock.now(), user_zone()).date().isoformat()  # the facilitator's own day
        return _render_visit(proposal, _VisitValues(today, "", "", uuid.uuid4().hex))
    proposal = _proposal_or_404(proposal_id)
    f = request.form
    values = _VisitValues(f.get("tanggal", "").strip(), f.get("persen", "").strip(), f.get("catatan", ""),
                          f.get("draft_key", ""))  # fmt: skip
    percent = _whole("persen")
    try:
        xops.record_visit(get_session(), current_user, proposal.id, percent=-1 if percent is None else percent,
                          notes=values.notes, photos=_uploads("foto"), root=_root(),
                          visit_date=_visit_date(values.visit_date), draft_key=values.draft_key)  # fmt: skip
    except xops.DuplicateVisitError as exc:  # received before: the answer to the first copy was lost
        return _visit_done(proposal, f"{exc}.", "info", duplicate=True)
    except ActionRefused as exc:
        return _visit_refused(proposal, values, exc)
    message = f"Laporan kunjungan disimpan: progres fisik terverifikasi {percent} %."
    return _visit_done(proposal, message, "success")


def _visit_refused(proposal, values: _VisitValues, exc: ActionRefused):
    """Said next to the form (400), or 403 when the user may not (or no longer) report on this school: not
    the assigned facilitator any more, or the works are over. The offline script keeps its draft either way."""
    forbidden = permissions.visit_refusal(current_user, proposal.case) is not None
    if wants_json():
        return jsonify(ok=False, message=str(exc)), 403 if forbidden else 400
    if forbidden:
        abort(403, description=str(exc))
    return _render_visit(proposal, values, getattr(exc, "errors", None) or [("", str(exc))], 400)


def _visit_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise xops.ExecutionInputError(
            [("tanggal", f"Tanggal kunjungan tidak terbaca: {text[:20]!r} (format TTTT-BB-HH)")]
        ) from None


def _render_visit(proposal, values: _VisitValues, errors=(), status: int = 200):
    problems: dict[str, list[str]] = {}
    for name, message in errors:
        problems.setdefault(name, []).append(message)
    if errors and any(f.filename for f in request.files.getlist("foto")):
        problems.setdefault("foto", []).append("Lampirkan kembali fotonya: berkas tidak dapat diisi ulang.")
    html = render_template("revitalisasi/visit.html", proposal=proposal, values=values, problems=problems,
                           latest=xops.latest_verified(get_session(), proposal.id),
                           threshold=xops.tranche2_min_progress())  # fmt: skip
    # The offline script previews the photos kept on the device (blob: URLs).
    return html, status, {"Content-Security-Policy": CSP_BLOB_IMAGES}


def _visit_done(proposal, message: str, category: str, duplicate: bool = False):
    if wants_json():
        return jsonify(ok=True, duplicate=duplicate, message=message)
    flash(message, category)
    return _page(proposal.id, "progres")


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
