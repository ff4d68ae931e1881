"""Forms of the Revitalisasi selection: the parameters of a year, a run, and the publication."""

from __future__ import annotations

from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from spmp.revitalisasi.selection_runs import PARAM_FIELDS
from web.forms import FlaskForm

TEXT_AREAS = {"faktor_jenjang", "kuota_jenjang", "batas_kab", "batas_prov", "pagu_kab", "pagu_prov"}
OPTIONAL = {"kab_pagu_min", "kab_pagu_maks", "prov_pagu_min", "prov_pagu_maks"}
HELP = {
    "anggaran": "Dalam rupiah, boleh dengan titik ribuan (12.000.000.000.000 = Rp 12 T).",
    "tahun_rehab": "Sekolah yang terakhir direhabilitasi lebih dari sekian tahun lalu (atau belum pernah) "
    "mendapat poin penuh.",
    "batas_pd": "Jumlah peserta didik terdampak yang mendapat poin penuh.",
    "kab_maks": "Kosongkan: tanpa batas.",
    "prov_maks": "Kosongkan: tanpa batas.",
    "faktor_jenjang": "Satu per baris, JENJANG: FAKTOR 0-1 (mis. SMP: 0,9).",
    "kuota_jenjang": "Satu per baris, JENJANG: MIN-MAKS (mis. SMA: 0-1200; SLB: 250-).",
    "batas_kab": "Satu per baris, KODE: MIN-MAKS (mis. 53.05: 2-20).",
    "batas_prov": "Satu per baris, KODE: MIN-MAKS (mis. 53: 50-800).",
    "kab_pagu_min": "Jumlah biaya sekolah terpilih di tiap kabupaten/kota paling sedikit ini. Kosongkan: tanpa minimum.",
    "kab_pagu_maks": "Jumlah biaya sekolah terpilih di tiap kabupaten/kota paling banyak ini. Kosongkan: tanpa pagu.",
    "prov_pagu_min": "Kosongkan: tanpa minimum.",
    "prov_pagu_maks": "Kosongkan: tanpa pagu.",
    "pagu_kab": "Satu per baris, KODE: MIN-MAKS dalam rupiah (mis. 53.05: 0-25.000.000.000).",
    "pagu_prov": "Satu per baris, KODE: MIN-MAKS dalam rupiah (mis. 53: 50.000.000.000-400.000.000.000).",
}


class ParamsForm(FlaskForm):
    """One text field per parameter (parsed by spmp.revitalisasi.selection_runs.params_from_values)."""


for _name, _label in PARAM_FIELDS.items():
    _field = TextAreaField if _name in TEXT_AREAS else StringField
    _required = (
        [Optional()]
        if _name in TEXT_AREAS or _name in OPTIONAL or _name.endswith("maks")
        else [DataRequired("Wajib diisi.")]
    )
    _checks = [*_required, Length(max=4000 if _name in TEXT_AREAS else 40)]
    setattr(ParamsForm, _name, _field(_label, validators=_checks, description=HELP.get(_name, "")))


class RunForm(FlaskForm):
    year = IntegerField("Tahun program", validators=[DataRequired("Isi tahun."), NumberRange(2025, 2100)])
    note = StringField("Catatan run (mis. skenario bobot)", validators=[Optional(), Length(max=300)])


class PublishForm(FlaskForm):
    sk_number = StringField("Nomor SK penetapan", validators=[DataRequired("Isi nomor SK."), Length(max=100)])
    pks_number = StringField("Nomor PKS", validators=[DataRequired("Isi nomor PKS."), Length(max=100)])
