"""Revitalisasi proposal forms (messages in Indonesian next to fields)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from spmp import tabular
from spmp.revitalisasi.models import COMPONENTS, ROOM_KINDS
from web.forms import FlaskForm
from web.spmi.forms import AngkaField

MAX_ROOM_ROWS = 30


class PercentField(StringField):
    """A share 0-100 % (decimal comma or point; empty = 0)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        if not self.raw:
            self.data = None
            return
        value = tabular.finite_number(self.raw.rstrip("%").strip())
        if value is None or not 0 <= value <= 100:
            self.data = None
            raise ValueError("Isi persen 0–100 (mis. 40 atau 37,5).")
        self.data = value

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else f"{self.data:g}")


class RupiahField(StringField):
    """Rupiah in digits; ``.`` as thousands separator allowed (1.500.000.000)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        text = self.raw.removeprefix("Rp").strip().replace(".", "")
        self.data = int(text) if text and tabular.is_ascii_digits(text) and len(text) <= 15 else None
        if self.raw and self.data is None:
            raise ValueError("Isi rupiah dalam angka (mis. 850000000 atau 850.000.000).")

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


class RoomForm(Form):
    """One room or building (a sub-form: the CSRF token is the outer form's)."""

    name = StringField("Nama ruang", validators=[Optional(), Length(max=150)])
    kind = SelectField("Jenis", choices=list(ROOM_KINDS.items()), default="ruang_kelas")
    requested = BooleanField("Diusulkan untuk direhabilitasi")


for _key, (_label, _weight) in COMPONENTS.items():
    setattr(RoomForm, _key, PercentField(f"{_label} (bobot {_weight} %)", validators=[Optional()]))


class ProposalForm(FlaskForm):
    npsn = StringField("NPSN sekolah", validators=[InputRequired("Isi NPSN sekolah."), Length(max=8)])
    year = AngkaField("Tahun program", validators=[InputRequired("Isi tahun program.")])
    requested_budget = RupiahField(
        "Anggaran yang diusulkan (Rp)", validators=[InputRequired("Isi anggaran.")]
    )
    pupils_affected = AngkaField("Jumlah siswa terdampak", validators=[Optional()])
    dapodik_since_year = AngkaField("Tahun mulai terisi Dapodik", validators=[Optional()])
    last_rehab_year = AngkaField(
        "Tahun rehabilitasi terakhir (kosong: data sekolah)", validators=[Optional()]
    )
    land_ready = BooleanField("Lahan siap bangun")
    land_proof = StringField(
        "Bukti kesiapan lahan (nomor sertifikat/surat)", validators=[Optional(), Length(max=300)]
    )
    surveyor_name = StringField("Nama surveyor", validators=[Optional(), Length(max=150)])
    damage_form_signed = BooleanField("Formulir kerusakan sudah ditandatangani surveyor")
    notes = TextAreaField("Catatan", validators=[Optional(), Length(max=10000)])
    rooms = FieldList(FormField(RoomForm), min_entries=1, max_entries=MAX_ROOM_ROWS)


class PhotoForm(FlaskForm):
    photo = FileField("Foto kerusakan (JPEG/PNG dengan lokasi GPS)")
    caption = StringField("Keterangan foto", validators=[Optional(), Length(max=300)])


class DocumentForm(FlaskForm):
    kind = HiddenField()
    document = FileField("Berkas (PDF/JPEG/PNG)")
