from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from web.forms import FlaskForm

REQUIRED = "Wajib diisi."


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(REQUIRED), Length(max=80)])
    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=128)])
    remember = BooleanField("Ingat saya di perangkat ini")
    next = HiddenField()


class TotpForm(FlaskForm):
    code = StringField("Kode verifikasi (6 digit)", validators=[DataRequired(REQUIRED), Length(min=6, max=7)])


class TotpReenrolForm(FlaskForm):
    """Moving an active second factor to a new device: the password and a code of the current device too."""

    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=128)])
    current_code = StringField(
        "Kode dari perangkat saat ini", validators=[DataRequired(REQUIRED), Length(min=6, max=7)]
    )
    code = StringField("Kode dari perangkat baru", validators=[DataRequired(REQUIRED), Length(min=6, max=7)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Kata sandi saat ini", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("Kata sandi baru", validators=[DataRequired(REQUIRED), Length(max=128)])
    confirm = PasswordField(
        "Ulangi kata sandi baru",
        validators=[DataRequired(REQUIRED), EqualTo("new_password", "Kata sandi baru tidak sama.")],
    )


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token (logout, simple confirmations)."""
