"""Revitalisasi pages: the proposal list (filters, XLSX/CSV), the verifier's queue (oldest first), the form
for one proposal, and the proposal page (school data, damage breakdown, photos with their distance to the
school, documents, eligibility and completeness, the verval actions with reason codes)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from spmp import verval
from spmp.engine import CaseNotFound, available_actions, get_definition
from spmp.engine.evidence import blob_path, read_limited
from spmp.engine.queries import case_deadlines
from spmp.revitalisasi import importer, permissions, queries, visit_tasks
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.eligibility import completeness, eligibility
from spmp.revitalisasi.models import BANDS, REASON_LABELS, RevitalisasiPhoto
from spmp.schools.queries import get_school
from web.actions import read_action_post
from web.case_pages import case_page
from web.db import get_session
from web.export import export_response, requested_format
from web.navigation import EXTRA_MENU
from web.revitalisasi import forms

bp = Blueprint("revitalisasi", __name__, template_folder="templates")
EXTRA_MENU.append(("revitalisasi.proposal_list", "Revitalisasi", permissions.LIST_ROLES))


def _workflow():
    return get_definition(ops.WORKFLOW)


@case_page(ops.WORKFLOW)
def _proposal_page_of_case(session, case_id: int) -> str | None:
    """A Widyaprada task serving a Revitalisasi case links to the proposal's page."""
    proposal_id = queries.proposal_id_of_case(session, case_id)
    return url_for("revitalisasi.proposal_page", proposal_id=proposal_id) if proposal_id else None


def _proposal_or_404(proposal_id: int):
    try:
        return ops.load_proposal(get_session(), current_user, proposal_id)
    except CaseNotFound:
        abort(404)


def _year_arg() -> int | None:
    text = request.args.get("tahun", "")
    return int(text) if text.isascii() and text.isdigit() and 2025 <= int(text) <= 2100 else None


def _filters() -> queries.ProposalFilters:
    state = request.args.get("status") or None
    eligible = {"ya": True, "tidak": False}.get(request.args.get("layak", ""))
    return queries.ProposalFilters(
        year=_year_arg(), state=state if state == "terbuka" or state in _workflow().states else None,
        band=request.args.get("kategori") or None, eligible=eligible,
    )  # fmt: skip


def _export(fmt, name, statement):
    return export_response(fmt, name, queries.EXPORT_HEADER,
                           lambda session: queries.export_rows(session, statement), title="Usulan")  # fmt: skip


@bp.route("/revitalisasi/usulan")
@login_required
def proposal_list():
    if not permissions.can_list_proposals(current_user):
        abort(403)
    statement = queries.proposal_query(current_user, _filters())
    fmt = requested_format()
    if fmt:
        return _export(fmt, "usulan-revitalisasi", statement)
    return render_template("revitalisasi/list.html", rows=queries.rows(get_session(), statement), bands=BANDS,
                           workflow=_workflow(), can_propose=permissions.can_propose(current_user),
                           has_queue=queries.queue_state(current_user) is not None)  # fmt: skip


@bp.route("/revitalisasi/antrean")
@login_required
def queue():
    statement = queries.queue_query(current_user, _year_arg())
    if statement is None:
        abort(403)
    fmt = requested_format()
    if fmt:
        return _export(fmt, "antrean-verval-revitalisasi", statement)
    return render_template("revitalisasi/queue.html", rows=queries.rows(get_session(), statement, limit=200),
                           workflow=_workflow(), state=queries.queue_state(current_user))  # fmt: skip


def _render_form(form, proposal=None, status=200):
    return render_template("revitalisasi/form.html", form=form, proposal=proposal,
                           components=forms.COMPONENTS), status  # fmt: skip


def _save(form, proposal=None):
    """Validate and save the form; the page again (400) with every problem beside its field."""
    if not form.validate_on_submit():
        return _render_form(form, proposal, 400)
    session = get_session()
    school_id = forms.school_id(session, current_user, form)
    if school_id is None:
        return _render_form(form, proposal, 400)
    data, positions = forms.proposal_input(form, school_id)
    try:
        if proposal is None:
            proposal = ops.create_proposal(session, current_user, data)
        else:
            proposal = ops.update_proposal(session, current_user, proposal.id, data)
    except ops.ProposalInputError as exc:
        forms.place_errors(form, exc.errors, positions)
        return _render_form(form, proposal, 400)
    flash("Usulan disimpan. Lengkapi foto dan dokumen, lalu ajukan.", "success")
    return redirect(url_for("revitalisasi.proposal_page", proposal_id=proposal.id))


@bp.route("/revitalisasi/usulan/baru", methods=["GET", "POST"])
@login_required
def new_proposal():
    if not permissions.can_propose(current_user):
        abort(403)
    if request.method == "GET":
        return _render_form(forms.empty_form(forms.room_rows(request.args.get("ruang"))))
    return _save(forms.ProposalForm())


@bp.route("/revitalisasi/impor", methods=["GET", "POST"])
@login_required
def import_proposals():
    """The bulk import on the web (as ``spmp revitalisasi import-proposals``): every bad row is listed with
    row, column and reason, and nothing is saved while any row is bad."""
    if not permissions.can_propose(current_user):
        abort(403)
    if request.method == "GET":
        return render_template("revitalisasi/import.html", form=forms.ImportForm(formdata=None, year=_current_year()),
                               report=None, columns=importer.COLUMNS)  # fmt: skip
    form, report = forms.ImportForm(), None
    storage = form.file.data
    if form.validate_on_submit() and storage and storage.filename:
        try:
            report = importer.import_proposals(get_session(), current_user, storage.stream, year=form.year.data,
                                               filename=storage.filename)  # fmt: skip
        except importer.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            if report.ok:
                flash(report.summary(), "success")
                return redirect(url_for("revitalisasi.proposal_list", tahun=form.year.data, status="draf"))
    elif not (storage and storage.filename):
        form.file.errors.append("Pilih berkas CSV atau XLSX.")
    return render_template(
        "revitalisasi/import.html", form=form, report=report, columns=importer.COLUMNS
    ), 400


def _current_year() -> int:
    from spmp import clock

    return clock.now().year


@bp.route("/revitalisasi/usulan/<id:proposal_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_proposal(proposal_id: int):
    proposal = _editable_or_abort(proposal_id)
    if request.method == "GET":
        return _render_form(forms.filled_form(proposal, forms.room_rows(request.args.get("ruang"))), proposal)
    return _save(forms.ProposalForm(), proposal)


@bp.route("/revitalisasi/usulan/<id:proposal_id>")
@login_required
def proposal_page(proposal_id: int):
    session = get_session()
    proposal = _proposal_or_404(proposal_id)
    case = proposal.case
    return render_template(
        "revitalisasi/proposal.html", proposal=proposal, case=case, workflow=_workflow(),
        school=get_school(session, current_user, proposal.school_id) or proposal.school,
        options=available_actions(session, case, current_user), deadlines=case_deadlines(session, case.id),
        checks=eligibility(session, proposal), documents=completeness(proposal), photo_note=ops.photo_note,
        reason_labels=REASON_LABELS, can_edit=permissions.can_edit_proposal(current_user, case),
        photo_form=forms.PhotoForm(formdata=None), document_form=forms.DocumentForm(formdata=None),
        decisions=verval.decisions(session, case), **execution_views.execution_context(session, proposal),
        visit_offers=visit_tasks.visit_offers(current_user, proposal),
        visits=visit_tasks.linked_visits(session, current_user, case.id),
    )  # fmt: skip


@bp.route("/revitalisasi/usulan/<id:proposal_id>/aksi/<trigger>", methods=["POST"])
@login_required
def act(proposal_id: int, trigger: str):
    post = read_action_post("usulan")
    # A refusal (role, guard, reason code, stale page, unknown proposal) is answered by web/db.py.
    ops.act(get_session(), current_user, proposal_id, trigger, post.seen_version, inputs=post.inputs,
            reason=post.reason)  # fmt: skip
    flash("Berhasil.", "success")
    return redirect(url_for("revitalisasi.proposal_page", proposal_id=proposal_id))


def _editable_or_abort(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    refusal = permissions.edit_refusal(current_user, proposal.case)
    if refusal:
        abort(403, description=refusal)
    return proposal


def _upload(storage):
    if not storage or not storage.filename:
        return None
    settings = current_app.config["SPMP_SETTINGS"]
    return read_limited(storage.stream, settings.max_upload_mb * 1024 * 1024)


@bp.route("/revitalisasi/usulan/<id:proposal_id>/foto", methods=["POST"])
@login_required
def upload_photo(proposal_id: int):
    _editable_or_abort(proposal_id)
    form = forms.PhotoForm()
    back = redirect(url_for("revitalisasi.proposal_page", proposal_id=proposal_id) + "#foto")
    data = _upload(form.photo.data)
    if not form.validate_on_submit() or data is None:
        flash("Pilih foto (JPEG atau PNG).", "danger")
        return back
    photo = ops.add_photo(get_session(), current_user, proposal_id, form.photo.data.filename, data,
                          current_app.config["SPMP_SETTINGS"].evidence_path, form.caption.data or "")  # fmt: skip
    note = ops.photo_note(photo, photo.proposal.school)
    flash(
        f"Foto diunggah. {note}" if note else "Foto diunggah; lokasinya sesuai sekolah.",
        "warning" if note else "success",
    )
    return back


@bp.route("/revitalisasi/usulan/<id:proposal_id>/dokumen", methods=["POST"])
@login_required
def upload_document(proposal_id: int):
    _editable_or_abort(proposal_id)
    form = forms.DocumentForm()
    back = redirect(url_for("revitalisasi.proposal_page", proposal_id=proposal_id) + "#dokumen")
    data = _upload(form.document.data)
    if not form.validate_on_submit() or data is None or form.kind.data not in ops.DOCUMENTS:
        flash("Pilih berkas dokumen (PDF, JPEG atau PNG).", "danger")
        return back
    ops.attach_document(get_session(), current_user, proposal_id, form.kind.data, form.document.data.filename, data,
                        current_app.config["SPMP_SETTINGS"].evidence_path)  # fmt: skip
    flash(f"Dokumen {ops.DOCUMENTS[form.kind.data]} diunggah.", "success")
    return back


def _send(sha256: str | None, media_type: str, name: str, attachment: bool):
    path = blob_path(current_app.config["SPMP_SETTINGS"].evidence_path, sha256 or "0000")
    if not sha256 or not path.exists():
        abort(404)
    response = send_file(
        path, mimetype=media_type, as_attachment=attachment, download_name=name, max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.route("/revitalisasi/foto/<id:photo_id>")
@login_required
def photo_file(photo_id: int):
    """The photo's thumbnail (``?asli=1``: the original file, EXIF included) to those who see its proposal."""
    photo = get_session().get(RevitalisasiPhoto, photo_id)
    if photo is None:
        abort(404)
    _proposal_or_404(photo.proposal_id)
    if request.args.get("asli") == "1" or not photo.thumb_sha256:
        return _send(photo.sha256, photo.media_type, photo.filename, attachment=False)
    return _send(photo.thumb_sha256, "image/jpeg", f"kecil-{photo.filename}", attachment=False)


@bp.route("/revitalisasi/usulan/<id:proposal_id>/dokumen/<kind>")
@login_required
def document_file(proposal_id: int, kind: str):
    proposal = _proposal_or_404(proposal_id)
    if kind == "lahan":
        sha256, name = proposal.land_proof_sha256, proposal.land_proof_filename
    elif kind == "formulir":
        sha256, name = proposal.damage_form_sha256, proposal.damage_form_filename
    else:
        abort(404)
    return _send(sha256, "application/octet-stream", name or "dokumen", attachment=True)


# The execution pages register on this blueprint (imported last: they use ``bp`` and ``_send``).
from web.revitalisasi import execution_views  # noqa: E402
