"""The base of every form of the app: WTForms' own messages in Indonesian, no silent cutting of long text,
and a record of the forms validated in this request so the page can show an error summary at the top.

Every ``web/<feature>/forms.py`` imports ``FlaskForm`` from here, not from flask_wtf (a test checks it)."""

from __future__ import annotations

import flask_wtf
from flask import g, has_request_context, request, session
from flask_login import current_user

# WTForms ships no Indonesian catalogue: its English messages (validators and fields) translated here.
MESSAGES = {
    "This field is required.": "Wajib diisi.",
    "Field must be at least %(min)d character long.": "Minimal %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Minimal %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": (
        "Terlalu panjang: maksimal %(max)d karakter (terisi %(length)d). Persingkat isian ini."
    ),
    "Field cannot be longer than %(max)d characters.": (
        "Terlalu panjang: maksimal %(max)d karakter (terisi %(length)d). Persingkat isian ini."
    ),
    "Field must be exactly %(max)d character long.": "Harus tepat %(max)d karakter.",
    "Field must be exactly %(max)d characters long.": "Harus tepat %(max)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.": "Harus %(min)d sampai %(max)d karakter.",
    "Field must be equal to %(other_name)s.": "Harus sama dengan %(other_name)s.",
    "Number must be at least %(min)s.": "Angka minimal %(min)s.",
    "Number must be at most %(max)s.": "Angka maksimal %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Date must be at least %(min)s.": "Tanggal paling awal %(min)s.",
    "Date must be at most %(max)s.": "Tanggal paling akhir %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Tanggal harus antara %(min)s dan %(max)s.",
    "Invalid input.": "Isian tidak valid.",
    "Invalid email address.": "Alamat email tidak valid.",
    "Invalid IP address.": "Alamat IP tidak valid.",
    "Invalid Mac address.": "Alamat MAC tidak valid.",
    "Invalid URL.": "Alamat URL tidak valid.",
    "Invalid UUID.": "UUID tidak valid.",
    "Invalid value, must be one of: %(values)s.": "Nilai tidak valid, harus salah satu dari: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Nilai tidak valid, tidak boleh: %(values)s.",
    "This field cannot be edited.": "Isian ini tidak dapat diubah.",
    "This field is disabled and cannot have a value.": "Isian ini nonaktif dan tidak boleh diisi.",
    "Invalid CSRF Token.": "Token keamanan formulir tidak valid. Muat ulang halaman lalu coba lagi.",
    "CSRF token missing.": "Token keamanan formulir tidak ada. Muat ulang halaman lalu coba lagi.",
    "CSRF failed.": "Pemeriksaan keamanan formulir gagal. Muat ulang halaman lalu coba lagi.",
    "CSRF token expired.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "The CSRF token is missing.": "Token keamanan formulir tidak ada. Muat ulang halaman lalu coba lagi.",
    "The CSRF token has expired.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "The CSRF token is invalid.": "Token keamanan formulir tidak valid. Muat ulang halaman lalu coba lagi.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Choices cannot be None.": "Pilihan belum tersedia.",
    "Not a valid choice.": "Pilih salah satu pilihan yang tersedia.",
    "Not a valid choice": "Pilih salah satu pilihan yang tersedia.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Ada pilihan yang tidak valid.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang tersedia.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' bukan pilihan yang tersedia.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid.",
    "Not a valid date value.": "Tanggal tidak valid (format: tttt-bb-hh).",
    "Not a valid time value.": "Jam tidak valid (format: jj:mm).",
    "Not a valid week value.": "Minggu tidak valid.",
    "Not a valid integer value.": "Harus berupa bilangan bulat.",
    "Not a valid decimal value.": "Harus berupa angka desimal.",
    "Not a valid float value.": "Harus berupa angka.",
    "File does not have an approved extension.": "Jenis berkas tidak diizinkan.",
    "File must be between %(min_size)s and %(max_size)s bytes.": (
        "Ukuran berkas harus antara %(min_size)s dan %(max_size)s byte."
    ),
}


class IndonesianTranslations:
    """The ``gettext``/``ngettext`` object WTForms asks for; an unknown message stays as it is."""

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


TRANSLATIONS = IndonesianTranslations()


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form with Indonesian messages, a "maksimal N karakter" limit that refuses instead of
    cutting, and registration for the error summary (``validated_forms()``)."""

    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form):
            return TRANSLATIONS

        def render_field(self, field, render_kw):
            # WTForms turns Length(max=N) into the HTML maxlength attribute: the browser then silently drops
            # what is typed or pasted beyond N. The server refuses it with a message instead (a data-
            # attribute keeps the limit for the help text and forms.js's counter).
            limit = getattr(field.flags, "maxlength", None)
            render_kw = {"maxlength": False, "minlength": False, **render_kw}
            if limit:
                render_kw.setdefault("data-maxlength", limit)
            return super().render_field(field, render_kw)

    def validate(self, extra_validators=None) -> bool:
        if has_request_context():
            validated = g.setdefault("validated_forms", [])
            if self not in validated:
                validated.append(self)
        return super().validate(extra_validators)


def validated_forms() -> list[FlaskForm]:
    """The forms validated in this request (for the error summary at the top of the page)."""
    return g.get("validated_forms", []) if has_request_context() else []


def form_problems(form) -> list[tuple[str | None, str, str]]:
    """(field id or None, label, message) for every error of a form, in field order."""
    problems = [(None, "", str(message)) for message in getattr(form, "form_errors", [])]
    for item in form:
        if item.type in ("CSRFTokenField",):
            continue
        for message in item.errors if isinstance(item.errors, list) else []:
            problems.append((item.id, item.label.text, str(message)))
    return problems


# --- page plumbing: error summary, upload limit, "draft saved" signal for web/static/forms.js --------------
SAVED_KEY = "saved_form"


def init_app(app) -> None:
    app.context_processor(_template_helpers)
    # A global (not a context variable): macros imported from _form.html see globals only.
    app.jinja_env.globals["max_upload_mb"] = app.config["SPMP_SETTINGS"].max_upload_mb
    app.after_request(_mark_saved_form)


def _template_helpers() -> dict:
    return {
        "error_summary": lambda: [(f, form_problems(f)) for f in validated_forms() if form_problems(f)],
        "pop_saved_form": lambda: session.pop(SAVED_KEY, None),
    }


def _mark_saved_form(response):
    """A POST answered by a redirect without a refusal flash was saved: the next page tells forms.js to drop
    the browser draft of that form (a re-shown form with errors, a 4xx page or a logout keeps it)."""
    if request.method != "POST" or response.status_code not in (301, 302, 303) or request.endpoint is None:
        return response
    if request.endpoint.startswith("auth.") or not current_user.is_authenticated:
        return response
    refused = any(category in ("danger", "warning") for category, _ in session.get("_flashes", []))
    if not refused:
        session[SAVED_KEY] = request.path
    return response
