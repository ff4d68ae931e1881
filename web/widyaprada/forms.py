"""Widyaprada task forms (messages in Indonesian next to fields)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from spmp.widyaprada.models import TASK_KINDS, TASK_SCOPES
from web.forms import FlaskForm
from web.spmi.forms import TanggalField

REQUIRED = "Wajib diisi."
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
    purpose = TextAreaField("Tujuan", validators=[DataRequired(REQUIRED), Length(max=10000)])
    planned_start = TanggalField("Awal periode", validators=[InputRequired("Isi awal periode.")])
    planned_end = TanggalField("Akhir periode", validators=[InputRequired("Isi akhir periode.")])
    due_date = TanggalField("Batas penyerahan laporan", validators=[InputRequired("Isi batas laporan.")])
    assignee_user_id = SelectField("Widyaprada penanggung jawab", choices=[], validate_choice=False)
    linked_case_id = IntegerField("Nomor kasus yang dilayani (opsional: siklus SPMI, visitasi, …)",
                                  validators=[Optional()])  # fmt: skip


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
