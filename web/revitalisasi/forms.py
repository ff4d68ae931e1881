"""Revitalisasi proposal forms (messages in Indonesian next to fields)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

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
    kind = SelectField(
        "Jenis", choices=[SelectChoice(k, v) for k, v in ROOM_KINDS.items()], default="ruang_kelas"
    )
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


class ImportForm(FlaskForm):
    year = AngkaField("Tahun program", validators=[InputRequired("Isi tahun program.")])
    file = FileField("Berkas usulan (CSV atau XLSX, satu baris per ruang)")


class PhotoForm(FlaskForm):
    photo = FileField("Foto kerusakan (JPEG/PNG dengan lokasi GPS)")
    caption = StringField("Keterangan foto", validators=[Optional(), Length(max=300)])


class DocumentForm(FlaskForm):
    kind = HiddenField()
    document = FileField("Berkas (PDF/JPEG/PNG)")


DEFAULT_ROOM_ROWS = 3
ERROR_FIELDS = {
    "npsn": "npsn", "tahun": "year", "anggaran": "requested_budget", "jumlah_siswa": "pupils_affected",
    "dapodik_sejak": "dapodik_since_year", "tahun_rehabilitasi_terakhir": "last_rehab_year",
    "bukti_lahan": "land_proof", "surveyor": "surveyor_name", "catatan": "notes",
}  # fmt: skip
ROOM_ERROR_FIELDS = {"nama": "name", "jenis": "kind", "diusulkan": "requested"}


def room_rows(text: str | None, at_least: int = DEFAULT_ROOM_ROWS) -> int:
    """How many room rows the form shows (``?ruang=N`` adds rows; at most MAX_ROOM_ROWS)."""
    wanted = int(text) if text and text.isascii() and text.isdigit() and len(text) <= 3 else 0
    return max(1, min(MAX_ROOM_ROWS, max(wanted, at_least)))


def empty_form(rows: int) -> ProposalForm:
    from spmp import clock

    form = ProposalForm(formdata=None, year=clock.now().year)
    while len(form.rooms) < rows:
        form.rooms.append_entry()
    return form


def filled_form(proposal, rows: int) -> ProposalForm:
    rooms = [
        {"name": r.name, "kind": r.kind, "requested": r.is_requested,
         **{d.component: d.percent for d in r.damages}}
        for r in proposal.rooms
    ]  # fmt: skip
    form = ProposalForm(
        formdata=None, npsn=proposal.school.npsn, year=proposal.year, requested_budget=proposal.requested_budget,
        pupils_affected=proposal.pupils_affected, dapodik_since_year=proposal.dapodik_since_year,
        last_rehab_year=proposal.last_rehab_year, land_ready=proposal.land_ready, land_proof=proposal.land_proof,
        surveyor_name=proposal.surveyor_name, damage_form_signed=proposal.damage_form_signed,
        notes=proposal.notes, rooms=rooms,
    )  # fmt: skip
    while len(form.rooms) < max(rows, len(rooms) + 1):
        form.rooms.append_entry()
    return form


def school_id(session, user, form: ProposalForm) -> int | None:
    """The school named by the NPSN field, in the user's area; an error beside the field otherwise."""
    from sqlalchemy import select

    from spmp.access import school_scope
    from spmp.schools.models import School

    npsn = (form.npsn.data or "").strip()
    found = None
    if tabular.is_ascii_digits(npsn, 8):
        found = session.scalar(select(School.id).where(School.npsn == npsn, school_scope(user)))
    if found is None:
        form.npsn.errors.append(f"Sekolah dengan NPSN {npsn!r} tidak ditemukan di wilayah Anda (8 angka).")
    return found


def _blank(room: RoomForm) -> bool:
    return not (room.name.data or "").strip() and all(room[key].data is None for key in COMPONENTS)


def proposal_input(form: ProposalForm, school: int):
    """The operation's input from the form, and for each room given its row in the form (blank rows are
    left out, so the operation's "ruang N" is the N-th room given)."""
    from spmp.revitalisasi.operations import ProposalInput, RoomInput

    given = [(index, entry.form) for index, entry in enumerate(form.rooms) if not _blank(entry.form)]
    rooms = tuple(
        RoomInput(name=room.name.data or "", kind=room.kind.data, is_requested=bool(room.requested.data),
                  damages={key: room[key].data for key in COMPONENTS if room[key].data is not None})
        for _index, room in given
    )  # fmt: skip
    data = ProposalInput(
        school_id=school, year=form.year.data, requested_budget=form.requested_budget.data, rooms=rooms,
        land_ready=bool(form.land_ready.data), land_proof=form.land_proof.data or "",
        surveyor_name=form.surveyor_name.data or "", damage_form_signed=bool(form.damage_form_signed.data),
        dapodik_since_year=form.dapodik_since_year.data, last_rehab_year=form.last_rehab_year.data,
        pupils_affected=form.pupils_affected.data, notes=form.notes.data or "",
    )  # fmt: skip
    return data, [index for index, _room in given]


def place_errors(form: ProposalForm, errors, positions: list[int]) -> None:
    """Put each problem the operation found beside its field (``ruang_N_x`` on the N-th given room)."""
    for name, message in errors:
        parts = name.split("_", 2)
        if parts[0] == "ruang" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) <= len(positions):
            room = form.rooms[positions[int(parts[1]) - 1]].form
            room[ROOM_ERROR_FIELDS.get(parts[2], parts[2])].errors.append(message)
        elif name in ERROR_FIELDS:
            getattr(form, ERROR_FIELDS[name]).errors.append(message)
        else:
            form.form_errors.append(message)


class DraftFromRecommendationForm(FlaskForm):
    """The one-click "Buat draf usulan" on the recommendation list (the year; CSRF)."""

    year = IntegerField("Tahun program", validators=[InputRequired("Isi tahun."), NumberRange(2025, 2100)])
