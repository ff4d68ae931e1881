"""Digitalisasi pages after the first steps: a Bimtek session's materials and follow-up questions (the list
of unanswered questions with their age), and the school returning a shipment's BAST with the B/BPMP's
correction. Routes on the Digitalisasi blueprint; the session and shipment pages include their sections
(``_bimtek_followup.html``, ``_shipment_return.html``) through the helpers below."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from spmp import clock
from spmp.digitalisasi import bimtek_followup as followup
from spmp.digitalisasi import handover, permissions
from spmp.digitalisasi.models import BimtekMaterial, Shipment
from spmp.engine.evidence import blob_path, read_limited
from web.db import get_session
from web.digitalisasi.forms import AnswerForm, CorrectionForm, MaterialForm, QuestionForm, ReturnForm
from web.digitalisasi.views import _bimtek_or_404, _shipment_or_404, _year, bp
from web.export import export_response, requested_format


def _settings():
    return current_app.config["SPMP_SETTINGS"]


@bp.app_context_processor
def _followup_helpers():
    def bimtek_followup(bimtek):
        """Materials, the questions the reader may see, and the forms the reader may use."""
        session = get_session()
        statement = followup.questions(current_user, followup.QuestionFilters(bimtek.year, False, bimtek.id))
        return {
            "materials": followup.materials(session, bimtek),
            "questions": list(session.scalars(statement)),
            "material_form": MaterialForm() if followup.can_run(current_user, bimtek) else None,
            "question_form": QuestionForm() if followup.may_ask(current_user, bimtek) else None,
            "answer_form": AnswerForm() if followup.can_answer(current_user, bimtek) else None,
            "age_days": followup.age_days,
        }

    def shipment_return(shipment: Shipment):
        state = shipment.case.state
        school = permissions.acts_for_school(current_user, shipment.school_id)
        return {
            "returns": handover.returns(get_session(), shipment),
            "return_form": ReturnForm() if school and state in handover.RETURNABLE_STATES else None,
            "correction_form": CorrectionForm()
            if permissions.can_manage(current_user) and state == "dikembalikan"
            else None,
        }

    return {"bimtek_followup": bimtek_followup, "shipment_return": shipment_return}


def bimtek_export(bimtek, kind: str, fmt: str):
    """``?format=xlsx&daftar=materi|pertanyaan`` on the session page."""
    if kind == "materi":
        rows = list(followup.material_rows(followup.materials(get_session(), bimtek)))
        return export_response(fmt, f"materi-bimtek-{bimtek.id}", followup.MATERIAL_HEADER, lambda _s: rows,
                               title="Materi")  # fmt: skip
    statement = followup.questions(current_user, followup.QuestionFilters(bimtek.year, False, bimtek.id))
    return export_response(fmt, f"pertanyaan-bimtek-{bimtek.id}", followup.QUESTION_HEADER,
                           lambda s: followup.question_rows(s, statement), title="Pertanyaan")  # fmt: skip


def _back(bimtek, anchor: str):
    return redirect(url_for("digitalisasi.bimtek_detail", session_id=bimtek.id) + anchor)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


# --- materials -------------------------------------------------------------------------------------------
@bp.route("/digitalisasi/bimtek/<id:session_id>/materi", methods=["POST"])
@login_required
def bimtek_material_add(session_id: int):
    bimtek = _bimtek_or_404(session_id)
    if not followup.can_run(current_user, bimtek):
        abort(403)
    form = MaterialForm()
    if not form.validate():
        _flash_errors(form)
        return _back(bimtek, "#materials")
    upload = form.file.data
    file = None
    if upload and upload.filename:
        file = (upload.filename, read_limited(upload.stream, _settings().max_upload_mb * 1024 * 1024))
    data = followup.MaterialInput(form.title.data, url=form.url.data or "", file=file)
    followup.add_material(get_session(), current_user, bimtek, data, _settings().evidence_path)
    flash("Materi ditambahkan.", "success")
    return _back(bimtek, "#materials")


@bp.route("/digitalisasi/bimtek/<id:session_id>/materi/<id:material_id>")
@login_required
def bimtek_material(session_id: int, material_id: int):
    bimtek = _bimtek_or_404(session_id)
    material = get_session().get(BimtekMaterial, material_id)
    if material is None or material.session_id != bimtek.id:
        abort(404)
    if material.kind == "link":
        return redirect(material.url)
    path = blob_path(_settings().evidence_path, material.sha256)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=material.media_type, as_attachment=True, download_name=material.filename,
                         max_age=86400)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.route("/digitalisasi/bimtek/<id:session_id>/materi/<id:material_id>/hapus", methods=["POST"])
@login_required
def bimtek_material_remove(session_id: int, material_id: int):
    bimtek = _bimtek_or_404(session_id)
    if not followup.can_run(current_user, bimtek):
        abort(403)
    followup.remove_material(get_session(), current_user, bimtek, material_id)
    flash("Materi dihapus.", "success")
    return _back(bimtek, "#materials")


# --- follow-up questions ---------------------------------------------------------------------------------
@bp.route("/digitalisasi/bimtek/<id:session_id>/pertanyaan", methods=["POST"])
@login_required
def bimtek_question_ask(session_id: int):
    bimtek = _bimtek_or_404(session_id)
    if not followup.may_ask(current_user, bimtek):
        abort(403)
    form = QuestionForm()
    if not form.validate():
        _flash_errors(form)
        return _back(bimtek, "#questions")
    followup.ask_question(get_session(), current_user, bimtek, form.asker_name.data, form.question.data)
    flash("Pertanyaan terkirim; B/BPMP penyelenggara diberi tahu.", "success")
    return _back(bimtek, "#questions")


@bp.route("/digitalisasi/bimtek/pertanyaan/<id:question_id>/jawab", methods=["POST"])
@login_required
def bimtek_question_answer(question_id: int):
    item = followup.get_question_for(get_session(), current_user, question_id)
    if item is None:
        abort(404)
    if not followup.can_answer(current_user, item.session):
        abort(403)
    form = AnswerForm()
    if not form.validate():
        _flash_errors(form)
    else:
        followup.answer_question(get_session(), current_user, item, form.answer.data)
        flash("Jawaban tersimpan; sekolah penanya diberi tahu.", "success")
    if request.form.get("dari") == "daftar":
        return redirect(url_for("digitalisasi.bimtek_questions", tahun=item.session.year))
    return _back(item.session, f"#question-{item.id}")


@bp.route("/digitalisasi/bimtek/pertanyaan")
@login_required
def bimtek_questions():
    """Follow-up questions of the year, unanswered ones by default, oldest first with their age."""
    filters = followup.QuestionFilters(_year(), open_only=request.args.get("status", "belum") != "semua")
    statement = followup.questions(current_user, filters)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, f"pertanyaan-bimtek-{filters.year}", followup.QUESTION_HEADER,
                               lambda s: followup.question_rows(s, statement), title="Pertanyaan")  # fmt: skip
    rows = list(get_session().scalars(statement.limit(300)))
    return render_template("digitalisasi/bimtek_questions.html", filters=filters, rows=rows, now=clock.now(),
                           age_days=followup.age_days, may_answer=lambda q: followup.can_answer(current_user, q.session),
                           answer_form=AnswerForm())  # fmt: skip


# --- the school returns a BAST; the B/BPMP corrects the shipment ----------------------------------------
def _back_to_shipment(shipment: Shipment):
    return redirect(url_for("digitalisasi.shipment", shipment_id=shipment.id) + "#bast-return")


@bp.route("/digitalisasi/pengiriman/<id:shipment_id>/kembalikan", methods=["POST"])
@login_required
def shipment_return(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    if not permissions.acts_for_school(current_user, shipment.school_id):
        abort(403)
    form = ReturnForm()
    if not form.validate():
        _flash_errors(form)
        return _back_to_shipment(shipment)
    handover.return_delivery(get_session(), current_user, shipment, form.reason.data, form.note.data,
                             handover.parse_serials(form.serials.data or ""))  # fmt: skip
    flash("BAST dikembalikan untuk dikoreksi; B/BPMP diberi tahu.", "success")
    return _back_to_shipment(shipment)


@bp.route("/digitalisasi/pengiriman/<id:shipment_id>/koreksi", methods=["POST"])
@login_required
def shipment_correct(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    if not permissions.can_manage(current_user):
        abort(403)
    form = CorrectionForm()
    if not form.validate():
        _flash_errors(form)
        return _back_to_shipment(shipment)
    data = handover.CorrectionInput(form.note.data, handover.parse_serials(form.remove.data or ""),
                                    handover.parse_devices(form.add.data or ""))  # fmt: skip
    handover.correct_shipment(get_session(), current_user, shipment, data)
    flash("Koreksi tersimpan; pengiriman dikirim ulang dan sekolah diberi tahu.", "success")
    return _back_to_shipment(shipment)
