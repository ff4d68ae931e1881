"""SPME forms: accreditation decisions and external visits (messages in Indonesian next to fields)."""

from __future__ import annotations

from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from spmp.schools.models import ACCREDITATION_LABELS
from spmp.spme.models import VISIT_KINDS
from web.forms import FlaskForm
from web.spmi.forms import TanggalField

REQUIRED = "Wajib diisi."


class AccreditationForm(FlaskForm):
    rank = SelectField("Peringkat", choices=[SelectChoice("", "— pilih —"), *(SelectChoice(k, v) for k, v in ACCREDITATION_LABELS.items())],
                       validators=[DataRequired("Pilih peringkat.")])  # fmt: skip
    decree_number = StringField("Nomor SK BAN-PDM", validators=[DataRequired(REQUIRED), Length(max=100)])
    start_date = TanggalField("Mulai berlaku", validators=[DataRequired("Isi tanggal mulai berlaku.")])
    end_date = TanggalField("Berakhir (kosongkan: 5 tahun)", validators=[Optional()])
    is_automatic_extension = BooleanField("Perpanjangan otomatis (tanpa visitasi)")


class VisitForm(FlaskForm):
    kind = SelectField("Jenis kunjungan", choices=[SelectChoice("", "— pilih —"), *(SelectChoice(k, v) for k, v in VISIT_KINDS.items())],
                       validators=[DataRequired("Pilih jenis kunjungan.")])  # fmt: skip
    visit_date = TanggalField("Tanggal kunjungan", validators=[DataRequired("Isi tanggal kunjungan.")])
    visitor = StringField("Nama pengunjung", validators=[DataRequired(REQUIRED), Length(max=200)])
    organisation = StringField(
        "Instansi (Pemda / perguruan tinggi / organisasi profesi)",
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    purpose = TextAreaField("Tujuan", validators=[DataRequired(REQUIRED), Length(max=5000)])
    findings = TextAreaField("Temuan", validators=[DataRequired(REQUIRED), Length(max=5000)])
    follow_ups = TextAreaField("Tindak lanjut", validators=[Optional(), Length(max=5000)])
