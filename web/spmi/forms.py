"""SPMI forms: one per PBD step, with messages in Indonesian next to the fields."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from spmp.spmi.models import SNP
from web.forms import FlaskForm
from web.ids import IdField, parse_id

REQUIRED = "Wajib diisi."
SNP_CHOICES = [SelectChoice("", "— pilih standar —"), *(SelectChoice(k, v) for k, v in SNP.items())]


def _int_or_none(value):
    return parse_id(value)


class TanggalField(DateField):
    """A date field whose "not a date" message is Indonesian (WTForms' own is English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Tanggal tidak valid (format: tttt-bb-hh).") from exc


class AngkaField(IntegerField):
    """An integer field whose "not a number" message is Indonesian."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Harus berupa bilangan bulat.") from exc


class PriorityForm(FlaskForm):
    indicator_code = SelectField(
        "Indikator Rapor Pendidikan", choices=[], validators=[DataRequired("Pilih indikator.")]
    )
    reason = TextAreaField("Alasan memilih prioritas", validators=[DataRequired(REQUIRED), Length(max=5000)])


class RootCauseForm(FlaskForm):
    priority_id = SelectField(
        "Prioritas", choices=[], coerce=_int_or_none, validators=[InputRequired("Pilih prioritas.")]
    )
    description = TextAreaField("Akar masalah", validators=[DataRequired(REQUIRED), Length(max=5000)])


class ActivityForm(FlaskForm):
    root_cause_id = SelectField(
        "Akar masalah", choices=[], coerce=_int_or_none, validators=[InputRequired("Pilih akar masalah.")]
    )
    title = StringField("Nama kegiatan", validators=[DataRequired(REQUIRED), Length(max=200)])
    snp = SelectField(
        "Standar Nasional Pendidikan", choices=SNP_CHOICES, validators=[DataRequired("Pilih standar.")]
    )
    owner = StringField("Penanggung jawab", validators=[DataRequired(REQUIRED), Length(max=150)])
    start_date = TanggalField("Mulai", validators=[InputRequired("Isi tanggal mulai.")])
    end_date = TanggalField("Selesai", validators=[InputRequired("Isi tanggal selesai.")])
    budget_ref = StringField(
        "Rujukan anggaran (RKT/RKAS)", validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    target = TextAreaField("Target", validators=[DataRequired(REQUIRED), Length(max=5000)])


class StandardForm(FlaskForm):
    snp = SelectField(
        "Standar Nasional Pendidikan", choices=SNP_CHOICES, validators=[DataRequired("Pilih standar.")]
    )
    target = TextAreaField(
        "Target mutu yang ditetapkan", validators=[DataRequired(REQUIRED), Length(max=5000)]
    )


class ProgressForm(FlaskForm):
    activity_id = SelectField(
        "Kegiatan", choices=[], coerce=_int_or_none, validators=[InputRequired("Pilih kegiatan.")]
    )
    percent = AngkaField(
        "Kemajuan (%)",
        validators=[InputRequired("Isi angka 0–100."), NumberRange(0, 100, "Isi angka 0–100.")],
    )
    note = TextAreaField("Catatan kemajuan", validators=[DataRequired(REQUIRED), Length(max=5000)])
    file = FileField("Bukti (PDF/JPG/PNG/XLSX/DOCX, opsional)", validators=[Optional()])


class EvaluationForm(FlaskForm):
    indicator_code = SelectField(
        "Indikator prioritas", choices=[], validators=[DataRequired("Pilih indikator.")]
    )
    achievement = TextAreaField("Capaian", validators=[DataRequired(REQUIRED), Length(max=5000)])


class PlanForm(FlaskForm):
    plan = TextAreaField(
        "Rencana tindak lanjut tahun berikutnya", validators=[DataRequired(REQUIRED), Length(max=5000)]
    )


class StepForm(FlaskForm):
    """Submit / approve: carries the case version the user saw (a stale page cannot act)."""

    version = IdField(allow_zero=True, validators=[InputRequired()])
    comment = TextAreaField("Catatan (opsional)", validators=[Optional(), Length(max=5000)])


class OpenCycleForm(FlaskForm):
    year = AngkaField(
        "Tahun ajaran (awal)",
        validators=[
            InputRequired("Isi tahun, misalnya 2026."),
            NumberRange(2000, 2100, "Tahun tidak valid."),
        ],
    )


class BulkOpenForm(OpenCycleForm):
    pass


class IndicatorImportForm(FlaskForm):
    year = AngkaField(
        "Tahun Rapor Pendidikan",
        validators=[InputRequired("Isi tahun."), NumberRange(2000, 2100, "Tahun tidak valid.")],
    )
    file = FileField("Berkas CSV/XLSX", validators=[FileRequired("Pilih berkas.")])
