from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from spmp.accounts.models import CONFLICT_KINDS, ROLE_LABELS
from web.forms import FlaskForm

REQUIRED = "Wajib diisi."
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class ScopeFields:
    role = SelectField("Peran", choices=ROLE_CHOICES)
    school_npsn = StringField(
        "NPSN sekolah", validators=[Optional(), Length(min=8, max=8, message="NPSN 8 digit.")]
    )
    unit_code = SelectField("Unit B/BPMP", choices=[], validate_choice=False)
    province_code = SelectField("Provinsi (Dinas Provinsi)", choices=[], validate_choice=False)
    regency_code = StringField("Kode kabupaten/kota (Dinas Kab/Kota)", validators=[Optional(), Length(max=5)])


class UserCreateForm(ScopeFields, FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(REQUIRED), Length(max=80)])
    full_name = StringField("Nama lengkap", validators=[DataRequired(REQUIRED), Length(max=150)])
    email = EmailField("Email", validators=[Optional(), Length(max=200)])
    password = PasswordField("Kata sandi awal", validators=[DataRequired(REQUIRED), Length(max=128)])


class UserRoleForm(ScopeFields, FlaskForm):
    pass


class PasswordResetForm(FlaskForm):
    password = PasswordField("Kata sandi baru", validators=[DataRequired(REQUIRED), Length(max=128)])


class AssignForm(FlaskForm):
    npsns = TextAreaField("NPSN (satu per baris atau dipisah koma)", validators=[DataRequired(REQUIRED)])


class CoverageForm(FlaskForm):
    unit_code = SelectField("Unit yang membina", choices=[], validate_choice=False)


class ConflictForm(FlaskForm):
    username = StringField("Nama pengguna Widyaprada", validators=[DataRequired(REQUIRED), Length(max=80)])
    npsn = StringField(
        "NPSN sekolah", validators=[DataRequired(REQUIRED), Length(min=8, max=8, message="NPSN 8 digit.")]
    )
    kind = SelectField("Jenis konflik", choices=[SelectChoice(k, v) for k, v in CONFLICT_KINDS.items()])
    reason = TextAreaField("Alasan", validators=[DataRequired(REQUIRED), Length(max=2000)])


class ConflictRemoveForm(FlaskForm):
    reason = StringField("Alasan penghapusan", validators=[DataRequired(REQUIRED), Length(max=2000)])
