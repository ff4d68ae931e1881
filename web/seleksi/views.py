"""The Revitalisasi selection pages: parameters of a year (Pusat), the runs, one run's result with every
proposal's score, breakdown, decision and reason (XLSX/CSV), two runs side by side, and the publication."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from spmp import clock
from spmp.revitalisasi import selection_queries as queries
from spmp.revitalisasi import selection_runs as runs
from spmp.revitalisasi.selection import CRITERIA, CRITERION_LABELS, fmt, rupiah
from spmp.revitalisasi.selection_permissions import (
    SELECTION_ROLES,
    can_open_selection,
    can_publish,
    can_read_run,
    can_run,
    can_set_params,
)
from web.db import get_session
from web.export import export_response, requested_format
from web.ids import id_arg
from web.navigation import EXTRA_MENU
from web.seleksi.forms import ParamsForm, PublishForm, RunForm

bp = Blueprint("seleksi", __name__, template_folder="templates", url_prefix="/revitalisasi/seleksi")
EXTRA_MENU.append(("seleksi.index", "Seleksi Revitalisasi", SELECTION_ROLES))


@bp.app_template_filter("angka")
def _angka(value, digits: int = 1) -> str:
    return fmt(float(value or 0), digits)


@bp.app_template_filter("rupiah")
def _rupiah(value) -> str:
    return rupiah(float(value or 0))


def _year() -> int:
    year = id_arg(request.args, "tahun")
    return year if year and 2025 <= year <= 2100 else clock.now().year


def _run_or_404(run_id: int):
    run = queries.visible_run(get_session(), current_user, run_id)
    if run is None or not can_read_run(current_user, run):
        abort(404)
    return run


@bp.route("")
@login_required
def index():
    if not can_open_selection(current_user):
        abort(403)
    year = _year()
    return render_template(
        "seleksi/index.html", year=year, runs=queries.runs(get_session(), current_user, year),
        run_form=RunForm(formdata=None, data={"year": year}), can_run=can_run(current_user),
        can_set_params=can_set_params(current_user),
    )  # fmt: skip


@bp.route("/parameter/<int:year>", methods=["GET", "POST"])
@login_required
def parameters(year: int):
    if not can_set_params(current_user):
        abort(403)
    if not 2025 <= year <= 2100:
        abort(404)
    session = get_session()
    params, setting = runs.get_params(session, year)
    # Defaults only on the page: a POST takes every value from what was sent.
    if request.method == "POST":
        form = ParamsForm(formdata=request.form)
    else:
        form = ParamsForm(formdata=None, data=runs.values_from_params(params))
    if request.method == "POST" and form.validate():
        try:
            runs.save_params(session, current_user, year, runs.params_from_values(form.data))
        except runs.SelectionRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"Parameter seleksi {year} disimpan.", "success")
            return redirect(url_for("seleksi.index", tahun=year))
    status = 422 if request.method == "POST" else 200
    return render_template("seleksi/parameters.html", form=form, year=year, setting=setting), status


@bp.route("/jalankan", methods=["POST"])
@login_required
def run_now():
    if not can_run(current_user):
        abort(403)
    form = RunForm(formdata=request.form)
    if not form.validate():
        flash("Tahun program tidak sah.", "danger")
        return redirect(url_for("seleksi.index")), 303
    # A refusal (no verified proposal, constraints that cannot be met) is flashed by web/db.py.
    outcome = runs.run_selection(get_session(), current_user, form.year.data, note=form.note.data)
    seconds = fmt(outcome.result.seconds["total"], 2)
    flash(f"Seleksi selesai dalam {seconds} detik: run {outcome.run.id}.", "success")
    return redirect(url_for("seleksi.run_page", run_id=outcome.run.id), 303)


def _item_filter() -> queries.ItemFilter:
    args = request.args
    return queries.ItemFilter(
        decision=args.get("keputusan") if args.get("keputusan") in queries.DECISIONS else None,
        regency=args.get("kabupaten") or None,
        reason=args.get("alasan") if args.get("alasan") in queries.REASON_LABELS else None,
        search=(args.get("q") or "").strip()[:100] or None,
    )


@bp.route("/<id:run_id>")
@login_required
def run_page(run_id: int):
    if not can_open_selection(current_user):
        abort(403)
    run = _run_or_404(run_id)
    session = get_session()
    wanted = _item_filter()
    fmt_ = requested_format()
    if fmt_:
        statement = queries.items_statement(current_user, run.id, wanted)
        return export_response(fmt_, f"seleksi-{run.year}-run-{run.id}", queries.EXPORT_HEADER,
                               lambda s: queries.export_rows(s, statement), title="Seleksi")  # fmt: skip
    page = max(id_arg(request.args, "halaman") or 1, 1)
    rows, has_next = queries.item_page(session, current_user, run.id, wanted, page)
    return render_template(
        "seleksi/run.html", run=run, summary=queries.run_summary(run), rows=rows, page=page, has_next=has_next,
        wanted=wanted, regencies=queries.run_regencies(session, current_user, run.id),
        scoped=queries.scoped_counts(session, current_user, run.id), decisions=queries.DECISIONS,
        reasons=queries.REASON_LABELS, criteria=[CRITERION_LABELS[c] for c in CRITERIA],
        params=queries.params_rows(queries.run_params(run)),
        publish_form=PublishForm(formdata=None) if can_publish(current_user) and not run.is_published else None,
        undecided=runs.undecided_count(session, run) if run.is_published else 0,
        other_runs=[r for r in queries.runs(session, current_user, run.year) if r.id != run.id],
    )  # fmt: skip


@bp.route("/<id:run_id>/terbitkan", methods=["POST"])
@login_required
def publish(run_id: int):
    if not can_publish(current_user):
        abort(403)
    run = _run_or_404(run_id)
    form = PublishForm(formdata=request.form)
    if not form.validate():
        flash("Nomor SK dan nomor PKS wajib diisi (maksimal 100 karakter).", "danger")
        return redirect(url_for("seleksi.run_page", run_id=run.id), 303)
    runs.publish_run(get_session(), current_user, run, sk_number=form.sk_number.data,
                     pks_number=form.pks_number.data, limit=runs.PUBLISH_BATCH)  # fmt: skip
    flash(
        f"Hasil seleksi {run.year} diterbitkan (nomor SK: {run.sk_number}; nomor PKS: {run.pks_number}) dan dibekukan.",
        "success",
    )
    left = runs.undecided_count(get_session(), run)
    if left:
        flash(f"{left:,} usulan lagi dipindahkan ke status terpilih / tidak terpilih oleh penjadwal, "
              f"{runs.PUBLISH_BATCH:,} setiap putaran (lihat halaman ini).".replace(",", "."), "info")  # fmt: skip
    return redirect(url_for("seleksi.run_page", run_id=run.id), 303)


@bp.route("/banding")
@login_required
def compare():
    if not can_open_selection(current_user):
        abort(403)
    a_id, b_id = id_arg(request.args, "a"), id_arg(request.args, "b")
    if a_id is None or b_id is None:
        abort(404)
    a, b = _run_or_404(a_id), _run_or_404(b_id)
    page = max(id_arg(request.args, "halaman") or 1, 1)
    rows, total, has_next = queries.difference_page(get_session(), current_user, a.id, b.id, page)
    return render_template(
        "seleksi/compare.html", a=a, b=b, sa=queries.run_summary(a), sb=queries.run_summary(b), rows=rows,
        total=total, page=page, has_next=has_next,
        params=queries.params_rows(queries.run_params(a), queries.run_params(b)),
    )  # fmt: skip
