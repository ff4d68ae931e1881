from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

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
