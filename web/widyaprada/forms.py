"""Widyaprada task forms (messages in Indonesian next to fields)."""

from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from spmp.widyaprada.models import TASK_KINDS, TASK_SCOPES
from web.forms import FlaskForm
from web.ids import id_arg
from web.spmi.forms import TanggalField

REQUIRED = "Wajib diisi."
MAX_PURPOSE = 10_000
FOLLOW_UP_ROWS = 5


def _choices(mapping):
    return [SelectChoice("", "— pilih —"), *(SelectChoice(k, v) for k, v in mapping.items())]


class TaskForm(FlaskForm):
    kind = SelectField(
        "Jenis tugas", choices=_choices(TASK_KINDS), validators=[DataRequired("Pilih jenis tugas.")]
    )
    scope = SelectField("Cakupan", choices=_choices(TASK_SCOPES), validators=[DataRequired("Pilih cakupan.")])
    npsns = TextAreaField("NPSN sekolah sasaran (satu per baris; untuk satu sekolah atau kelompok sekolah)",
                          validators=[Optional(), Length(max=5000)])  # fmt: skip
    regency_code = SelectField(
        "Kabupaten/kota (untuk pemetaan satu kabupaten/kota)", choices=[], validate_choice=False
    )
    purpose = TextAreaField("Tujuan", validators=[DataRequired(REQUIRED), Length(max=MAX_PURPOSE)])
    planned_start = TanggalField("Awal periode", validators=[InputRequired("Isi awal periode.")])
    planned_end = TanggalField("Akhir periode", validators=[InputRequired("Isi akhir periode.")])
    due_date = TanggalField("Batas penyerahan laporan", validators=[InputRequired("Isi batas laporan.")])
    assignee_user_id = SelectField("Widyaprada penanggung jawab", choices=[], validate_choice=False)
    linked_case_id = IntegerField("Nomor kasus yang dilayani (opsional: siklus SPMI, visitasi, …)",
                                  validators=[Optional()])  # fmt: skip


def prefill(args) -> dict:
    """Initial values of a new task from a link's query string (``kasus``, ``npsn``, ``jenis``, ``cakupan``,
    ``tujuan``): only well-formed ones, the rest left empty. Nothing is trusted: the form is checked again
    when sent (the linked case and the school must be within the sender's reach)."""
    values = {
        "linked_case_id": id_arg(args, "kasus"),
        "npsns": args.get("npsn") if re.fullmatch(r"[0-9A-Za-z]{1,20}", args.get("npsn", "")) else None,
        "kind": args.get("jenis") if args.get("jenis") in TASK_KINDS else None,
        "scope": args.get("cakupan") if args.get("cakupan") in TASK_SCOPES else None,
        "purpose": args.get("tujuan", "")[:MAX_PURPOSE] or None,
    }
    return {name: value for name, value in values.items() if value is not None}


class ReportForm(FlaskForm):
    """The report: a plain form at a stable URL with the version it was loaded at (an offline copy sent
    twice, or after someone else saved, is refused cleanly)."""

    report_version = HiddenField()
    # One key per draft: the same copy sent twice (a double tap, an offline draft resent) is received once.
    draft_key = HiddenField(validators=[Optional(), Length(max=64)])
    findings = TextAreaField("Temuan", validators=[DataRequired(REQUIRED), Length(max=10000)])
    recommendations = TextAreaField("Rekomendasi", validators=[DataRequired(REQUIRED), Length(max=10000)])


class FollowUpDoneForm(FlaskForm):
    note = TextAreaField("Keterangan penyelesaian", validators=[DataRequired(REQUIRED), Length(max=10000)])
    evidence = FileField("Berkas bukti")


class ScheduleForm(FlaskForm):
    visit_date = TanggalField("Tanggal kunjungan", validators=[InputRequired("Isi tanggal kunjungan.")])
    reason = StringField("Catatan (opsional)", validators=[Optional(), Length(max=2000)])
