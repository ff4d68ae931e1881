"""The obstacle report form (messages in Indonesian next to the fields)."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from spmp.kendala.models import CATEGORIES, PROGRAMMES
from spmp.kendala.operations import MAX_PHOTOS
from web.forms import FlaskForm


def _choices(mapping, empty):
    return [SelectChoice("", empty), *(SelectChoice(k, v) for k, v in mapping.items())]


class ObstacleForm(FlaskForm):
    npsn = StringField("NPSN sekolah", validators=[DataRequired("Isi NPSN sekolah."),
                                                   Regexp(r"^[0-9]{8}$", message="NPSN terdiri dari 8 angka.")])  # fmt: skip
    category = SelectField("Kategori kendala", choices=_choices(CATEGORIES, "— pilih —"),
                           validators=[DataRequired("Pilih kategori kendala.")])  # fmt: skip
    programme = SelectField("Program", choices=_choices(PROGRAMMES, "— dari kasus terkait, atau Umum —"),
                            validators=[Optional()])  # fmt: skip
    description = TextAreaField(
        "Uraian kendala", validators=[DataRequired("Uraikan kendalanya."), Length(max=4000)]
    )
    photos = MultipleFileField(f"Foto (JPEG atau PNG, paling banyak {MAX_PHOTOS})")
    about_case_id = HiddenField()
