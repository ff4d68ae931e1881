"""Rules every request meets before any view runs.

No NUL character in a path, a query or a form: PostgreSQL text cannot hold one (the request ended in a
500) and SQLite would store it silently, so the two databases would disagree. Refused once, here.
"""

from __future__ import annotations

from flask import abort, request

NUL_MESSAGE = "Masukan berisi karakter NUL yang tidak diizinkan. Periksa isian lalu kirim ulang."


def _has_nul(multidict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in multidict.items(multi=True))


def refuse_nul() -> None:
    if "\x00" in request.path or _has_nul(request.args):
        abort(400, description=NUL_MESSAGE)
    if request.method not in ("GET", "HEAD", "OPTIONS") and _has_nul(request.form):
        abort(400, description=NUL_MESSAGE)


def init_app(app) -> None:
    app.before_request(refuse_nul)
