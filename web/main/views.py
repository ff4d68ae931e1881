from flask import Blueprint, render_template
from flask_login import current_user, login_required

from spmp.accounts.permissions import has_caseload
from spmp.revitalisasi.permissions import has_facilitator_caseload
from web.db import get_session

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@login_required
def dashboard():
    from spmp import clock
    from spmp.accounts.operations import assigned_schools
    from spmp.engine.definitions import get_definition
    from spmp.worklist import EXPORT_HEADER, export_rows, my_worklist
    from web.export import export_response, requested_format

    session = get_session()
    work = my_worklist(session, current_user)
    if fmt := requested_format():
        rows = export_rows(work)  # read now: the download is streamed after this session is closed
        return export_response(fmt, "pekerjaan-saya", EXPORT_HEADER, lambda _session: rows, "Pekerjaan saya")
    caseload = assigned_schools(session, current_user) if has_caseload(current_user) else None
    return render_template(
        "main/dashboard.html", caseload=caseload, work=work, now=clock.now(), get_definition=get_definition,
        revitalisasi_caseload=has_facilitator_caseload(current_user),
    )


@bp.route("/healthz")
def health():
    return {"status": "ok"}
