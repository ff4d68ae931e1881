from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from web.forms import FlaskForm
from web.ids import IdField

REQUIRED = "Wajib diisi."


class CommentForm(FlaskForm):
    body = TextAreaField("Komentar", validators=[DataRequired(REQUIRED), Length(max=10_000)])


class EvidenceForm(FlaskForm):
    file = FileField("Berkas bukti (PDF, PNG, JPEG, DOCX, XLSX)", validators=[FileRequired("Pilih berkas.")])


class PauseForm(FlaskForm):
    seen_version = IdField(allow_zero=True, validators=[InputRequired("Versi kasus tidak terbaca.")])
    reason = TextAreaField("Alasan", validators=[Optional(), Length(max=2000)])


class AssignForm(FlaskForm):
    seen_version = IdField(allow_zero=True, validators=[InputRequired("Versi kasus tidak terbaca.")])
    assignee = SelectField("Penanggung jawab baru", coerce=int, choices=[])
    reason = StringField("Catatan (opsional)", validators=[Optional(), Length(max=2000)])


class OpenCaseForm(FlaskForm):
    type_key = SelectField("Jenis kasus", choices=[], validate_choice=False)
    npsn = StringField(
        "NPSN sekolah", validators=[DataRequired(REQUIRED), Length(min=8, max=8, message="NPSN 8 digit.")]
    )
    title = StringField("Judul", validators=[DataRequired(REQUIRED), Length(max=200)])
