"""Field obstacle forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from spmp.kendala.models import CATEGORIES, PROGRAMMES
from web.forms import FlaskForm


def _choices(mapping):
    return [SelectChoice("", "— pilih —"), *(SelectChoice(k, v) for k, v in mapping.items())]


class KendalaForm(FlaskForm):
    npsn = StringField("NPSN sekolah", validators=[InputRequired("Isi NPSN sekolah."), Length(max=8)])
    programme = SelectField(
        "Program", choices=_choices(PROGRAMMES), validators=[DataRequired("Pilih program.")]
    )
    category = SelectField(
        "Kategori", choices=_choices(CATEGORIES), validators=[DataRequired("Pilih kategori.")]
    )
    description = TextAreaField(
        "Uraian kendala", validators=[DataRequired("Uraikan kendalanya."), Length(max=5000)]
    )
    linked_case_id = IntegerField(
        "Nomor kasus terkait (opsional, mis. usulan revitalisasi)", validators=[Optional()]
    )
    photo = FileField("Foto (opsional; tambah foto lain di halaman kendala)")


class PhotoForm(FlaskForm):
    photo = FileField("Foto atau dokumen (JPEG/PNG/PDF)")
