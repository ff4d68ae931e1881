"""Notification pages (thin: load, call one operation, render or redirect)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from spmp import clock
from spmp.notifications import operations as notifications
from spmp.notifications.text import format_time
from web.db import get_session
from web.ids import id_arg

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.route("/notifikasi")
@login_required
def index():
    session = get_session()
    page = notifications.list_notifications(session, current_user, before_id=id_arg(request.args, "sebelum"))
    return render_template("notifications/list.html", page=page, format_time=format_time)


@bp.route("/notifikasi/<id:notification_id>/baca", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    try:
        notification = notifications.mark_read(get_session(), current_user, notification_id, clock.now())
    except notifications.NotificationNotFound:
        abort(404)  # another user's notification is indistinguishable from a missing one
    if request.form.get("buka") and notification.case_id:
        return redirect(url_for("cases.detail", case_id=notification.case_id))
    return redirect(url_for("notifications.index"))


@bp.route("/notifikasi/baca-semua", methods=["POST"])
@login_required
def mark_all_read():
    count = notifications.mark_all_read(get_session(), current_user, clock.now())
    flash(f"{count} notifikasi ditandai sudah dibaca.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifikasi/ringkasan", methods=["POST"])
@login_required
def daily_digest():
    enabled = request.form.get("aktif") == "1"
    notifications.set_daily_digest(get_session(), current_user, enabled)
    message = "Ringkasan harian diaktifkan." if enabled else "Ringkasan harian dinonaktifkan."
    flash(message, "success")
    return redirect(url_for("notifications.index"))


def unread_count_processor() -> dict:
    """Template context: ``unread_notifications()``, counted only when a page actually shows it."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return notifications.unread_count(get_session(), current_user)
        except SQLAlchemyError:
            # An error page rendered after a failed transaction must still render: no count then.
            return 0

    return {"unread_notifications": unread_notifications}
