"""SPME pages for one school: accreditation history (record a decision or an automatic extension),
selecting the school for an accreditation field visit, external visits, and the school timeline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from spmp.engine import get_definition
from spmp.schools.queries import get_school
from spmp.spme import operations as spme
from spmp.spme import permissions as perm
from spmp.timeline import school_due_next, school_timeline
from web.db import get_session
from web.navigation import EXTRA_MENU
from web.spme import forms

bp = Blueprint("spme", __name__, template_folder="templates")


@bp.app_context_processor
def _timeline_helpers():
    """Lets the school page include a short timeline without the schools view knowing about SPME."""

    def school_timeline_preview(school_id: int, limit: int = 8):
        session = get_session()
        items = school_timeline(session, current_user, school_id, limit=limit) or []
        return items, school_due_next(session, current_user, school_id)

    return {
        "school_timeline_preview": school_timeline_preview,
        "can_send_previsit_evidence": perm.can_send_previsit_evidence,
    }


def _school_or_404(school_id: int):
    school = get_school(get_session(), current_user, school_id)
    if school is None:
        abort(404)
    return school


@bp.route("/sekolah/<id:school_id>/linimasa")
@login_required
def timeline(school_id: int):
    school = _school_or_404(school_id)
    session = get_session()
    items = school_timeline(session, current_user, school.id) or []
    return render_template(
        "spme/timeline.html",
        school=school,
        items=items,
        due=school_due_next(session, current_user, school.id),
    )


def _render_spme(school, accreditation_form=None, visit_form=None, status=200):
    session = get_session()
    history = spme.accreditation_history(session, current_user, school.id)
    visits = spme.external_visits(session, current_user, school.id)
    can_record = perm.can_record_accreditation(current_user)
    can_visit = perm.can_record_visit(current_user)
    return render_template(
        "spme/school.html", school=school, history=history, visits=visits,
        visit_cases=spme.visit_cases(session, current_user, school.id),
        visit_definition=get_definition("accreditation_visit"),
        accreditation_form=accreditation_form or (forms.AccreditationForm(formdata=None) if can_record else None),
        visit_form=visit_form or (forms.VisitForm(formdata=None) if can_visit else None),
        reminder_months=spme.reminder_months(),
    ), status  # fmt: skip


@bp.route("/sekolah/<id:school_id>/spme")
@login_required
def school_page(school_id: int):
    return _render_spme(_school_or_404(school_id))


def _attach_error(form, exc) -> None:
    field = form._fields.get(getattr(exc, "field", ""))
    (field.errors if field is not None else form.form_errors).append(str(exc))


@bp.route("/sekolah/<id:school_id>/akreditasi", methods=["POST"])
@login_required
def record_accreditation(school_id: int):
    school = _school_or_404(school_id)
    if not perm.can_record_accreditation(current_user):
        abort(403)
    form = forms.AccreditationForm()
    if not form.validate_on_submit():
        return _render_spme(school, accreditation_form=form, status=400)
    data = spme.AccreditationInput(form.rank.data, form.decree_number.data, form.start_date.data, form.end_date.data,
                                   form.is_automatic_extension.data)  # fmt: skip
    try:
        spme.record_accreditation(get_session(), current_user, school.id, data)
    except spme.SpmeInputError as exc:
        _attach_error(form, exc)
        return _render_spme(school, accreditation_form=form, status=400)
    flash("Akreditasi dicatat.", "success")
    return redirect(url_for("spme.school_page", school_id=school.id))


@bp.route("/sekolah/<id:school_id>/kunjungan", methods=["POST"])
@login_required
def record_visit(school_id: int):
    school = _school_or_404(school_id)
    if not perm.can_record_visit(current_user):
        abort(403)
    form = forms.VisitForm()
    if not form.validate_on_submit():
        return _render_spme(school, visit_form=form, status=400)
    data = spme.VisitInput(form.kind.data, form.visit_date.data, form.visitor.data, form.organisation.data,
                           form.purpose.data, form.findings.data, form.follow_ups.data or "")  # fmt: skip
    try:
        spme.record_external_visit(get_session(), current_user, school.id, data)
    except spme.SpmeInputError as exc:
        _attach_error(form, exc)
        return _render_spme(school, visit_form=form, status=400)
    flash("Kunjungan dicatat.", "success")
    return redirect(url_for("spme.school_page", school_id=school.id))


@bp.route("/sekolah/<id:school_id>/visitasi", methods=["POST"])
@login_required
def open_visit(school_id: int):
    """Select the school as an accreditation field-visit target (opens the case)."""
    school = _school_or_404(school_id)
    if not perm.can_record_accreditation(current_user):  # the roles the page offers the button to
        abort(403)
    visit = spme.open_visit_case(get_session(), current_user, school.id)  # a refusal: see web/db.py
    flash("Sekolah dipilih sebagai sasaran visitasi akreditasi.", "success")
    return redirect(url_for("cases.detail", case_id=visit.case_id))


@bp.route("/spme/visitasi/<id:case_id>/salin-bukti-spmi", methods=["POST"])
@login_required
def copy_evidence(case_id: int):
    """Pravisitasi in one click: the school's SPMI evidence files are attached to the visit case."""
    added = spme.copy_spmi_evidence(get_session(), current_user, case_id)  # a refusal: see web/db.py
    flash(f"{added} berkas bukti SPMI ditambahkan sebagai bukti pravisitasi.", "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/spme/akreditasi-berakhir")
@login_required
def expiring():
    """Schools in the user's area whose accreditation ends within the reminder window."""
    if not perm.can_record_visit(current_user):
        abort(403)
    rows = spme.expiring_accreditations(get_session(), current_user)
    return render_template("spme/expiring.html", rows=rows, months=spme.reminder_months())


EXTRA_MENU.append(("spme.expiring", "Akreditasi Berakhir", perm.VISIT_ROLES))
