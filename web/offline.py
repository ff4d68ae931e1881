"""Shared by the forms that work with no signal (web/static/report.js): the service worker's answer and
how a view tells the script's copy of a draft (it asks for JSON) from a plain form post."""

from __future__ import annotations

from flask import current_app, request, send_from_directory


def wants_json() -> bool:
    """The offline script sends the kept draft with ``Accept: application/json`` and reads the answer."""
    return request.accept_mimetypes.best == "application/json"


def service_worker():
    """web/static/report-sw.js, served by a route of the feature: a service worker's scope is at most the
    folder of its URL, so the route decides which pages it may keep (and the worker keeps only those)."""
    response = send_from_directory(current_app.static_folder, "report-sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # a new version is picked up at the next visit
    return response
