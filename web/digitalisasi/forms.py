from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from spmp.digitalisasi.models import BIMTEK_MODES, PARTICIPANT_POSITIONS, RETURN_REASONS
from web.forms import FlaskForm
from web.spmi.forms import AngkaField


class ShipmentImportForm(FlaskForm):
    year = AngkaField(
        "Tahun program",
        validators=[InputRequired("Isi tahun."), NumberRange(2020, 2100, "Tahun tidak valid.")],
    )
    supplier = StringField("Pemasok (bila tidak ada kolom pemasok)", validators=[Optional(), Length(max=150)])
    file = FileField("Daftar kiriman pemasok (XLSX/CSV)", validators=[FileRequired("Pilih berkas.")])


class HandoverForm(FlaskForm):
    received_on = DateField("Tanggal terima", validators=[InputRequired("Isi tanggal terima.")])
    receiver_name = StringField(
        "Nama penerima", validators=[InputRequired("Isi nama penerima."), Length(max=150)]
    )
    serials = TextAreaField(
        "Nomor seri yang diterima (satu per baris)",
        validators=[InputRequired("Tulis nomor seri."), Length(max=20_000)],
    )
    photos = MultipleFileField("Foto serah terima (JPEG/PNG, paling sedikit satu)")
    note = TextAreaField(
        "Catatan (mis. perangkat rusak atau kurang)", validators=[Optional(), Length(max=2000)]
    )


class BimtekForm(FlaskForm):
    year = AngkaField(
        "Tahun program",
        validators=[InputRequired("Isi tahun."), NumberRange(2020, 2100, "Tahun tidak valid.")],
    )
    title = StringField("Judul sesi", validators=[InputRequired("Isi judul."), Length(max=200)])
    mode = SelectField("Bentuk", choices=[SelectChoice(k, v) for k, v in BIMTEK_MODES.items()])
    starts_at = DateTimeLocalField(
        "Mulai", format="%Y-%m-%dT%H:%M", validators=[InputRequired("Isi waktu mulai.")]
    )
    ends_at = DateTimeLocalField(
        "Selesai", format="%Y-%m-%dT%H:%M", validators=[InputRequired("Isi waktu selesai.")]
    )
    place = StringField(
        "Tempat, atau tautan pertemuan bila daring",
        validators=[InputRequired("Isi tempat."), Length(max=300)],
    )
    npsns = TextAreaField(
        "NPSN sekolah yang diundang (satu per baris)",
        validators=[InputRequired("Isi NPSN."), Length(max=10_000)],
    )


class ParticipantForm(FlaskForm):
    school_id = SelectField("Sekolah", coerce=int)
    name = StringField("Nama guru/peserta", validators=[InputRequired("Isi nama."), Length(max=150)])
    position = SelectField("Jabatan", choices=[SelectChoice(k, v) for k, v in PARTICIPANT_POSITIONS.items()])


class MaterialForm(FlaskForm):
    title = StringField("Judul materi", validators=[InputRequired("Isi judul materi."), Length(max=200)])
    file = FileField("Berkas (PDF, DOCX, XLSX, JPEG/PNG)")
    url = StringField("atau tautan (video, folder, slide daring)", validators=[Optional(), Length(max=500)])


class QuestionForm(FlaskForm):
    asker_name = StringField(
        "Nama guru yang bertanya", validators=[InputRequired("Isi nama."), Length(max=150)]
    )
    question = TextAreaField("Pertanyaan", validators=[InputRequired("Tulis pertanyaan."), Length(max=2000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField("Jawaban", validators=[InputRequired("Tulis jawaban."), Length(max=4000)])


class ReturnForm(FlaskForm):
    reason = SelectField("Alasan", choices=[SelectChoice(k, v) for k, v in RETURN_REASONS.items()])
    serials = TextAreaField(
        "Nomor seri yang bermasalah (satu per baris, boleh kosong)", validators=[Optional(), Length(max=5000)]
    )
    note = TextAreaField(
        "Keterangan (apa yang salah atau rusak)",
        validators=[InputRequired("Tulis keterangan."), Length(max=2000)],
    )


class CorrectionForm(FlaskForm):
    remove = TextAreaField(
        "Nomor seri yang ditarik pemasok (satu per baris)", validators=[Optional(), Length(max=5000)]
    )
    add = TextAreaField(
        "Perangkat pengganti: nomor seri dan jenis, satu per baris (mis. IFP-0099 panel)",
        validators=[Optional(), Length(max=10_000)],
    )
    note = TextAreaField(
        "Keterangan koreksi", validators=[InputRequired("Tulis keterangan."), Length(max=2000)]
    )
