"""Forms of Digitalisasi in the field: the monthly usage report (a phone form), the sosialisasi event and
its attendance and materials. Messages in Indonesian next to the fields; the operations check again."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from spmp.digitalisasi.field_models import ATTENDEE_KINDS, EVENT_KINDS, USAGE_CONDITIONS, USAGE_PROBLEMS
from spmp.digitalisasi.usage import MAX_COUNT, MAX_HOURS, MAX_NOTE
from web.forms import FlaskForm
from web.spmi.forms import AngkaField


def _count(label: str, top: int) -> AngkaField:
    return AngkaField(label, validators=[InputRequired("Isi dengan angka (0 bila tidak ada)."),
                                         NumberRange(0, top, f"Antara 0 dan {top}.")])  # fmt: skip


class UsageForm(FlaskForm):
    period = RadioField("Bulan laporan", validators=[InputRequired("Pilih bulan laporan.")])
    hours_per_week = _count("Panel dipakai berapa jam per minggu?", MAX_HOURS)
    classes_using = _count("Berapa kelas memakainya?", MAX_COUNT)
    teachers_using = _count("Berapa guru memakainya?", MAX_COUNT)
    condition = RadioField("Kondisi perangkat", choices=[SelectChoice(k, v) for k, v in USAGE_CONDITIONS.items()],
                           validators=[InputRequired("Pilih kondisi perangkat.")])  # fmt: skip
    problem = SelectField(
        "Bila ada masalah: jenisnya",
        choices=[
            SelectChoice("", "— tidak ada masalah —"),
            *(SelectChoice(k, v) for k, v in USAGE_PROBLEMS.items()),
        ],
        validators=[Optional()],
    )
    note = TextAreaField("Catatan (boleh kosong)", validators=[Optional(), Length(max=MAX_NOTE)])
    photo = FileField("Foto (boleh kosong; JPEG/PNG)")


class EventForm(FlaskForm):
    year = AngkaField(
        "Tahun program",
        validators=[InputRequired("Isi tahun."), NumberRange(2020, 2100, "Tahun tidak valid.")],
    )
    kind = SelectField("Jenis kegiatan", choices=[SelectChoice(k, v) for k, v in EVENT_KINDS.items()])
    regency_code = SelectField("Kabupaten/Kota", validators=[InputRequired("Pilih kabupaten/kota.")])
    held_on = DateField("Tanggal", validators=[InputRequired("Isi tanggal kegiatan.")])
    place = StringField("Tempat", validators=[InputRequired("Isi tempat."), Length(max=300)])
    notes = TextAreaField("Catatan / hasil kegiatan", validators=[Optional(), Length(max=5000)])


class AttendeeForm(FlaskForm):
    kind = SelectField("Peserta dari", choices=[SelectChoice(k, v) for k, v in ATTENDEE_KINDS.items()])
    npsn = StringField("NPSN (bila sekolah)", validators=[Optional(), Length(max=8)])
    name = StringField(
        "Nama instansi / pejabat (bila bukan sekolah)", validators=[Optional(), Length(max=200)]
    )
    people = AngkaField("Jumlah orang hadir", validators=[InputRequired("Isi jumlah orang."),
                                                           NumberRange(1, 10000, "Antara 1 dan 10.000.")])  # fmt: skip


class MaterialForm(FlaskForm):
    file = FileField("Materi (PDF, DOCX, XLSX, JPEG, PNG)")
