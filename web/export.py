"""``?format=csv|xlsx`` on any list page: the same filters, the whole list, streamed as a download.

A view builds its (scoped, filtered) query *before* answering, then hands ``export_response`` a function
that turns a database session into rows. The rows are produced while the response is sent, so they are
read in their own read-only session: the request's session is committed and closed by then (web/db.py).
Every statement the row function runs must therefore already carry the user's scope (build it in the
view, where ``current_user`` is known), not look the user up again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

from flask import Response, abort, request, stream_with_context
from sqlalchemy.orm import Session

from spmp import clock
from spmp import export as spmp_export
from web.db import database
from web.localtime import user_zone

RowsFunction = Callable[[Session], Iterable[Sequence]]


def requested_format() -> str | None:
    """The format, "csv" or "xlsx", when the list is asked for as a file, None for the HTML page (400 otherwise)."""
    fmt = request.args.get("format")
    if not fmt:
        return None
    if fmt not in spmp_export.FORMATS:
        abort(400, description="Format unduhan tidak dikenal. Pilih CSV atau XLSX.")
    return fmt


def export_response(fmt: str, filename: str, header: Sequence[str], rows: RowsFunction, title: str = "Data"):
    """A streamed download of ``rows(session)`` under ``header`` as ``<filename>-<date>.<fmt>``, times in the
    reader's zone (``{zona}`` in a header names it)."""
    db = database()
    zone = user_zone()  # now: the rows are written after the request has ended

    def generate():
        # A session of its own: the rows are read after the view returned (see the module docstring).
        with db.session() as session:
            yield from spmp_export.stream(fmt, header, rows(session), title, zone)

    stamp = clock.now().strftime("%Y%m%d")
    name = f"{filename}-{stamp}.{fmt}"
    response = Response(stream_with_context(generate()), mimetype=spmp_export.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    )
    # A download must not be held back by a compressing or buffering proxy.
    response.headers["X-Accel-Buffering"] = "no"
    return response
