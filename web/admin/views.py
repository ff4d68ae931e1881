"""Administration: users, roles and scopes, Widyaprada caseloads, B/BPMP coverage."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from spmp.accounts import conflicts
from spmp.accounts import operations as accounts
from spmp.accounts.models import ROLE_LABELS, User
from spmp.accounts.permissions import has_caseload, is_admin
from spmp.accounts.queries import USER_EXPORT_HEADER, filtered_users, list_users, user_export_rows
from spmp.regions.models import Province, Unit
from spmp.regions.operations import all_units, coverage_table, move_province
from web.admin.forms import (
    AssignForm,
    ConflictForm,
    ConflictRemoveForm,
    CoverageForm,
    PasswordResetForm,
    UserCreateForm,
    UserRoleForm,
)
from web.auth.forms import ConfirmForm
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PAGE_SIZE = 50


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _scope_choices(form, session) -> None:
    none = SelectChoice("", "—")
    form.unit_code.choices = [none] + [
        SelectChoice(u.code, u.name) for u in session.scalars(select(Unit).order_by(Unit.name))
    ]
    form.province_code.choices = [none] + [
        SelectChoice(p.code, p.name) for p in session.scalars(select(Province).order_by(Province.name))
    ]


def _scope_from(form) -> accounts.Scope:
    return accounts.Scope(
        school_npsn=form.school_npsn.data or None,
        unit_code=form.unit_code.data or None,
        province_code=form.province_code.data or None,
        regency_code=form.regency_code.data or None,
    )


def _field_error(form, exc: accounts.AccountError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        flash(str(exc), "danger")


@bp.route("/pengguna")
@admin_required
def users():
    q = (request.args.get("q") or "").strip().lower()
    role = request.args.get("peran") or ""
    fmt = requested_format()
    if fmt:
        statement = filtered_users(q, role)
        return export_response(fmt, "pengguna", USER_EXPORT_HEADER,
                               lambda session: user_export_rows(session, statement), title="Pengguna")  # fmt: skip
    page = list_users(get_session(), q, role, id_arg(request.args, "setelah") or 0, PAGE_SIZE)
    return render_template(
        "admin/users.html", users=page.users, next_after=page.next_after, q=q, role=role, roles=ROLE_LABELS
    )


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@admin_required
def user_create():
    session = get_session()
    form = UserCreateForm()
    _scope_choices(form, session)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                session,
                username=form.username.data,
                full_name=form.full_name.data,
                password=form.password.data,
                role=form.role.data,
                scope=_scope_from(form),
                email=form.email.data,
                actor=current_user,
            )
        except accounts.AccountError as exc:
            _field_error(form, exc)
        else:
            flash(f"Pengguna {user.username} dibuat.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form)


def _load_user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/pengguna/<id:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    session = get_session()
    user = _load_user(user_id)
    form = UserRoleForm(
        obj=None,
        role=user.role,
        school_npsn=user.school.npsn if user.school else None,
        unit_code=user.unit.code if user.unit else "",
        province_code=user.province_code or "",
        regency_code=user.regency_code,
    )
    _scope_choices(form, session)
    if form.validate_on_submit():
        try:
            accounts.change_role(session, user, form.role.data, _scope_from(form), actor=current_user)
        except accounts.AccountError as exc:
            _field_error(form, exc)
        else:
            flash("Peran dan cakupan disimpan. Semua sesi pengguna ini diakhiri.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    caseload = accounts.assigned_schools(session, user) if has_caseload(user) else None
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        reset_form=PasswordResetForm(),
        assign_form=AssignForm(),
        confirm=ConfirmForm(),
        caseload=caseload,
        locked_until=accounts.account_locked_until(session, user),
    )


@bp.route("/pengguna/<id:user_id>/aktif", methods=["POST"])
@admin_required
def user_toggle_active(user_id: int):
    user = _load_user(user_id)
    if user.id == current_user.id:
        flash("Anda tidak dapat menonaktifkan akun Anda sendiri.", "danger")
    else:
        accounts.set_active(get_session(), user, not user.is_active, actor=current_user)
        flash(
            "Akun diaktifkan." if user.is_active else "Akun dinonaktifkan; semua sesinya diakhiri.", "success"
        )
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/pengguna/<id:user_id>/sandi", methods=["POST"])
@admin_required
def user_reset_password(user_id: int):
    user = _load_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        # An AccountError is a Refusal: web/db.py rolls back, flashes it and sends the admin back.
        accounts.set_password(get_session(), user, form.password.data, actor=current_user)
        flash("Kata sandi diganti; semua sesi pengguna ini diakhiri.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/pengguna/<id:user_id>/totp", methods=["POST"])
@admin_required
def user_reset_totp(user_id: int):
    """Reset a lost second factor (audited); the user enrols anew at the next login."""
    user = _load_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.reset_totp(get_session(), user, actor=current_user)  # a refusal: see web/db.py
        flash(
            "Verifikasi dua langkah diatur ulang; semua sesi pengguna ini diakhiri. "
            "Pengguna mendaftarkan perangkat baru saat masuk berikutnya.",
            "success",
        )
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/pengguna/<id:user_id>/sekolah", methods=["POST"])
@admin_required
def user_assign(user_id: int):
    user = _load_user(user_id)
    form = AssignForm()
    if form.validate_on_submit():
        npsns = form.npsns.data.replace(",", "\n").split()
        added = accounts.assign_schools(get_session(), current_user, user, npsns)  # a refusal: web/db.py
        flash(f"{added} sekolah ditambahkan ke sekolah binaan.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/pengguna/<id:user_id>/sekolah/<id:school_id>/hapus", methods=["POST"])
@admin_required
def user_unassign(user_id: int, school_id: int):
    user = _load_user(user_id)
    accounts.unassign_school(get_session(), current_user, user, school_id)
    flash("Sekolah dihapus dari sekolah binaan.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/konflik-kepentingan", methods=["GET", "POST"])
@admin_required
def conflicts_page():
    """Recorded conflicts of interest (XLSX/CSV of the filtered list) and the form to record one."""
    session = get_session()
    search = request.args.get("cari", "")
    query = conflicts.conflict_query(search)
    fmt = requested_format()
    if fmt:
        return export_response(fmt, "konflik-kepentingan", conflicts.EXPORT_HEADER,
                               lambda s: conflicts.export_rows(s, query), title="Konflik kepentingan")  # fmt: skip
    form = ConflictForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            conflicts.record_conflict(session, current_user, username=form.username.data, npsn=form.npsn.data,
                                      kind=form.kind.data, reason=form.reason.data)  # fmt: skip
        except conflicts.ConflictRefused as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            (target.errors if target is not None else form.form_errors).append(str(exc))
        else:
            flash("Konflik kepentingan dicatat.", "success")
            return redirect(url_for("admin.conflicts_page"))
    return render_template(
        "admin/conflicts.html", form=form, items=list(session.scalars(query.limit(500))), search=search,
        remove_form=ConflictRemoveForm(formdata=None),
    ), (422 if request.method == "POST" else 200)  # fmt: skip


@bp.route("/konflik-kepentingan/<id:conflict_id>/hapus", methods=["POST"])
@admin_required
def conflict_remove(conflict_id: int):
    form = ConflictRemoveForm()
    if not form.validate():
        flash("Tulis alasan penghapusan konflik kepentingan.", "danger")
    else:
        conflicts.remove_conflict(
            get_session(), current_user, conflict_id, form.reason.data
        )  # refusal: web/db.py
        flash("Konflik kepentingan dihapus (tercatat di log audit).", "success")
    return redirect(url_for("admin.conflicts_page"))


@bp.route("/audit")
@admin_required
def audit_status():
    from datetime import timedelta

    from flask import current_app

    from spmp.audit.status import seal_status

    settings = current_app.config["SPMP_SETTINGS"]
    status = seal_status(get_session(), timedelta(seconds=settings.audit_unsealed_alarm_seconds))
    return render_template("admin/audit.html", status=status)


@bp.route("/unit", methods=["GET", "POST"])
@admin_required
def units():
    session = get_session()
    return render_template(
        "admin/units.html", rows=coverage_table(session), units=all_units(session), form=CoverageForm()
    )


@bp.route("/unit/cakupan/<province_code>", methods=["POST"])
@admin_required
def move_coverage(province_code: str):
    # A CoverageError is a Refusal: web/db.py rolls back, flashes it and sends the admin back.
    unit = move_province(get_session(), current_user, province_code, request.form.get("unit_code", ""))
    if unit is None:
        abort(404)
    flash(f"Provinsi {province_code} kini dibina oleh {unit.name}.", "success")
    return redirect(url_for("admin.units"))
