"""Visit forms: plan a visit (with the override reason once warnings were shown), record the actual
dates, record a school holiday."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from web.forms import FlaskForm
from web.spmi.forms import TanggalField

REQUIRED = "Wajib diisi."


class PlanForm(FlaskForm):
    widyaprada_id = SelectField(
        "Widyaprada", coerce=int, choices=[], validators=[DataRequired("Pilih Widyaprada.")]
    )
    npsn = StringField(
        "NPSN sekolah", validators=[DataRequired(REQUIRED), Regexp(r"^\d{8}$", message="NPSN 8 angka.")]
    )
    start = TanggalField("Berangkat / mulai", validators=[DataRequired("Isi tanggal mulai.")])
    end = TanggalField("Kembali / selesai (kosongkan: satu hari)", validators=[Optional()])
    purpose = StringField("Tujuan kunjungan", validators=[DataRequired(REQUIRED), Length(max=300)])
    override_reason = TextAreaField("Alasan tetap merencanakan (jika ada peringatan)",
                                    validators=[Optional(), Length(max=2000)])  # fmt: skip


class ActualForm(FlaskForm):
    actual_start = TanggalField("Realisasi mulai", validators=[DataRequired("Isi tanggal mulai.")])
    actual_end = TanggalField("Realisasi selesai", validators=[DataRequired("Isi tanggal selesai.")])


class CancelForm(FlaskForm):
    cancel_reason = TextAreaField("Alasan pembatalan", validators=[DataRequired(REQUIRED), Length(max=2000)])


class SchoolHolidayForm(FlaskForm):
    province_code = SelectField("Provinsi", choices=[], validators=[DataRequired("Pilih provinsi.")])
    name = StringField("Nama libur", validators=[DataRequired(REQUIRED), Length(max=150)])
    start = TanggalField("Mulai", validators=[DataRequired("Isi tanggal mulai.")])
    end = TanggalField("Selesai", validators=[DataRequired("Isi tanggal selesai.")])
    source = StringField("Sumber (kalender pendidikan, SK Dinas)", validators=[Optional(), Length(max=300)])
