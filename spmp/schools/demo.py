"""Synthetic national school data for demos and benchmarks (``spmp demo generate``).

Rows come out in exactly the Dapodik import format (:data:`spmp.schools.importer.COLUMNS`), so the same
generator feeds a CSV file or, through :func:`spmp.schools.importer.import_rows`, the database. The mix
follows DOMAIN.md (Dapodik, Jan 2023): levels as counted there, Jawa Timur/Barat/Tengah at 67k/62k/53k
of about 439k with the other provinces in proportion to their regency count, about 76% of schools below
2,200 W, more remote/border/no-power schools in 3T regencies, 5-year accreditation with some expired.
Everything depends only on ``seed``: the same seed gives the same rows.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

import yaml
from lokal import wilayah

from spmp.regions.reference import DATA_DIR, T3_FILES
from spmp.schools.importer import COLUMNS

NATIONAL_TOTAL = 439_158
LEVEL_COUNTS = {
    "SD": 149_281,
    "SMP": 42_411,
    "SMA": 14_344,
    "SMK": 14_439,
    "SLB": 2_300,
    # PAUD 205,645 split across its forms (Dapodik does not publish a fixed split; roughly this).
    "TK": 92_540,
    "KB": 88_427,
    "TPA": 4_113,
    "SPS": 20_565,
    "PKBM": 10_277,
    "SKB": 461,
}
LARGE_PROVINCES = {"35": 67_000, "32": 62_000, "33": 53_000}
# Share of negeri schools per level (rounded from Dapodik statistics).
NEGERI_SHARE = {
    "SD": 0.88, "SMP": 0.57, "SMA": 0.49, "SMK": 0.26, "SLB": 0.30, "TK": 0.03,
    "KB": 0.01, "TPA": 0.01, "SPS": 0.02, "PKBM": 0.02, "SKB": 1.0,
}  # fmt: skip
ACCREDITED_SHARE = {
    "SD": 0.93, "SMP": 0.93, "SMA": 0.92, "SMK": 0.9, "SLB": 0.8, "TK": 0.6,
    "KB": 0.35, "TPA": 0.2, "SPS": 0.15, "PKBM": 0.5, "SKB": 0.5,
}  # fmt: skip
# Approximate province centres (lat, lon) and spread in degrees; schools cluster around their regency.
PROVINCE_CENTRES = {
    "11": (4.4, 96.9, 0.8), "12": (2.1, 99.4, 0.9), "13": (-0.8, 100.6, 0.6), "14": (0.5, 101.7, 0.7),
    "15": (-1.6, 103.0, 0.6), "16": (-3.3, 104.2, 0.8), "17": (-3.6, 102.3, 0.5), "18": (-4.9, 105.2, 0.5),
    "19": (-2.4, 106.3, 0.5), "21": (1.0, 104.5, 0.6), "31": (-6.2, 106.85, 0.08), "32": (-6.9, 107.6, 0.5),
    "33": (-7.2, 110.2, 0.5), "34": (-7.85, 110.4, 0.15), "35": (-7.6, 112.4, 0.6), "36": (-6.4, 106.1, 0.3),
    "51": (-8.4, 115.2, 0.25), "52": (-8.6, 117.4, 0.5), "53": (-9.3, 121.5, 1.2), "61": (0.0, 110.5, 1.0),
    "62": (-1.7, 113.4, 1.0), "63": (-3.1, 115.3, 0.6), "64": (0.5, 116.4, 0.9), "65": (3.0, 116.2, 0.6),
    "71": (1.2, 124.8, 0.5), "72": (-1.4, 121.4, 0.9), "73": (-4.1, 120.1, 0.8), "74": (-4.1, 122.2, 0.6),
    "75": (0.6, 122.4, 0.4), "76": (-2.5, 119.2, 0.5), "81": (-3.2, 129.5, 1.3), "82": (0.8, 127.6, 0.9),
    "91": (-2.2, 138.5, 1.0), "92": (-1.4, 133.2, 0.7), "93": (-6.5, 139.5, 0.8), "94": (-3.6, 136.5, 0.7),
    "95": (-4.1, 138.9, 0.6), "96": (-1.0, 131.5, 0.6),
}  # fmt: skip
FOUNDATIONS = (
    "Muhammadiyah", "Swasta Muhammadiyah", "Katolik Santo Yosef", "Kristen", "Islam Terpadu Al-Falah",
    "Al-Azhar", "PGRI", "Swasta Nurul Iman", "Advent", "Taman Siswa", "Ma'arif NU", "Kristen GMIT",
    "Katolik Santa Maria", "Islam Al-Hidayah", "Plus Darul Ulum", "Methodist", "Kristen Kalam Kudus",
)  # fmt: skip
PAUD_NAMES = (
    "Tunas Harapan", "Melati", "Pelangi", "Al-Hidayah", "Kasih Ibu", "Bintang Kecil", "Mutiara Bunda",
    "Ceria", "Permata Hati", "Cahaya", "Aisyiyah Bustanul Athfal", "Pertiwi", "Dharma Wanita", "Kartika",
    "Nurul Huda", "Bina Insani", "Anggrek", "Harapan Bangsa", "Sejahtera", "Mawar",
)  # fmt: skip
STREETS = (
    "Merdeka", "Jenderal Sudirman", "Diponegoro", "Pendidikan", "Pahlawan", "Kartini", "Ahmad Yani",
    "Gajah Mada", "Raya", "El Tari", "Sam Ratulangi", "Hasanuddin", "Imam Bonjol", "Veteran", "Sekolah",
    "Poros Desa", "Trans Sulawesi", "Lintas Timur", "Cut Nyak Dhien", "Pattimura",
)  # fmt: skip
VILLAGE_HEADS = (
    "Suka",
    "Tanjung",
    "Sumber",
    "Karang",
    "Mekar",
    "Sido",
    "Oe",
    "Wai",
    "Batu",
    "Lubuk",
    "Padang",
    "Sungai",
)
VILLAGE_TAILS = (
    "maju",
    "jaya",
    "makmur",
    "sari",
    "rejo",
    "baru",
    "indah",
    "mulya",
    "asri",
    "mekar",
    "bening",
    "raya",
)
WATTS = ((0, 4), (450, 12), (900, 30), (1300, 30), (2200, 11), (3500, 6), (5500, 4), (7700, 2), (11000, 1))
WATTS_3T = ((0, 14), (450, 20), (900, 30), (1300, 20), (2200, 9), (3500, 4), (5500, 2), (7700, 1), (11000, 0))
ACCREDITATION_START = date(2017, 1, 1)
ACCREDITATION_SPAN_DAYS = (date(2025, 10, 31) - ACCREDITATION_START).days


@dataclass(frozen=True)
class _Regency:
    code: str
    province_code: str
    place: str  # name without "Kabupaten"/"Kota", as schools use it
    lat: float
    lon: float
    is_3t: bool


def _t3_regency_codes() -> set[str]:
    """Regency codes on the 3T lists, mapped by name the same way ``spmp reference load`` does."""
    from spmp.regions.reference import _map_t3_name, _normalise

    index = {
        (province.code, _normalise(reg.name.removeprefix("Kabupaten "))): reg.code
        for province in wilayah.list_wilayah()
        for reg in wilayah.list_wilayah(province.code)
        if reg.type == "kabupaten"
    }
    codes = set()
    for filename in T3_FILES:
        data = yaml.safe_load((DATA_DIR / filename).read_text())
        for province_code, names in data["entries"].items():
            successors = data.get("successors", {}).get(province_code, [province_code])
            for name in names:
                code, _ = _map_t3_name(index, successors, name, data.get("renamed", {}))
                if code:
                    codes.add(code)
    return codes


def _regencies(rng: random.Random) -> list[_Regency]:
    t3 = _t3_regency_codes()
    out = []
    for province in wilayah.list_wilayah():
        lat, lon, spread = PROVINCE_CENTRES[province.code]
        for reg in wilayah.list_wilayah(province.code):
            place = reg.name.removeprefix("Kabupaten ").removeprefix("Kota ")
            out.append(
                _Regency(
                    reg.code,
                    province.code,
                    place,
                    lat + rng.gauss(0, spread),
                    lon + rng.gauss(0, spread),
                    reg.code in t3,
                )
            )
    return out


def _split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``weights`` (exact sum, deterministic)."""
    whole = sum(weights.values())
    raw = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(value) for key, value in raw.items()}
    for key in sorted(raw, key=lambda k: (counts[k] - raw[k], k))[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def _regency_weights(regencies: list[_Regency]) -> list[float]:
    per_province: dict[str, int] = defaultdict(int)
    for reg in regencies:
        per_province[reg.province_code] += 1
    others = NATIONAL_TOTAL - sum(LARGE_PROVINCES.values())
    other_regencies = sum(n for code, n in per_province.items() if code not in LARGE_PROVINCES)
    weights = []
    for reg in regencies:
        province_total = LARGE_PROVINCES.get(
            reg.province_code, others * per_province[reg.province_code] / other_regencies
        )
        weights.append(province_total / per_province[reg.province_code])
    return weights


class _SchoolMaker:
    """Makes one school row (import-format text) at a time; keeps per-regency name counters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[tuple[str, str], int] = defaultdict(int)
        self.npsn_offset = rng.randrange(90_000_000)

    def npsn(self, index: int) -> str:
        # i -> 10,000,000 + (i * 7919 + offset) mod 90,000,000 is a bijection (7919 is prime to 90,000,000):
        # unique 8-digit NPSNs without remembering the ones already used.
        return f"{10_000_000 + (index * 7_919 + self.npsn_offset) % 90_000_000:08d}"

    def name(self, bentuk: str, negeri: bool, reg: _Regency) -> str:
        rng = self.rng
        if bentuk in ("KB", "TPA", "SPS", "PKBM") or (bentuk == "TK" and not negeri):
            label = "Pos PAUD" if bentuk == "SPS" else bentuk
            stem = f"{label} {rng.choice(PAUD_NAMES)}"
        elif bentuk == "SKB":
            stem = "SKB"
        elif negeri:
            stem = f"{bentuk} {'Inpres' if bentuk == 'SD' and reg.province_code >= '71' and rng.random() < 0.3 else 'Negeri'}"
        else:
            stem = f"{bentuk} {rng.choice(FOUNDATIONS)}"
        key = (reg.code, stem)
        self.counters[key] += 1
        return f"{stem} {self.counters[key]} {reg.place}"

    def row(self, index: int, bentuk: str, reg: _Regency) -> dict[str, str]:
        rng = self.rng
        negeri = rng.random() < NEGERI_SHARE[bentuk]
        remote_odds, border_odds = (0.35, 0.12) if reg.is_3t else (0.05, 0.02)
        row = {
            "npsn": self.npsn(index),
            "nama": self.name(bentuk, negeri, reg),
            "bentuk_pendidikan": bentuk,
            "status_sekolah": "NEGERI" if negeri else "SWASTA",
            "kode_wilayah": reg.code,
            "alamat_jalan": f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 250)}",
            "desa_kelurahan": rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS),
            "daya_listrik": str(self._pick(WATTS_3T if reg.is_3t else WATTS)),
            "akses_internet": self._internet(reg.is_3t),
            "wilayah_terpencil": "1" if rng.random() < remote_odds else "0",
            "wilayah_perbatasan": "1" if rng.random() < border_odds else "0",
            "wilayah_bencana_alam": "1" if rng.random() < 0.08 else "0",
            "tahun_rehabilitasi_terakhir": str(rng.randint(1980, 2025)) if rng.random() < 0.6 else "",
        }
        row |= self._coordinates(reg) | self._accreditation(bentuk)
        return row

    def _pick(self, table) -> int:
        return self.rng.choices([value for value, _ in table], weights=[w for _, w in table])[0]

    def _internet(self, is_3t: bool) -> str:
        roll = self.rng.random()
        stable, limited = (0.2, 0.55) if is_3t else (0.5, 0.85)
        return "stabil" if roll < stable else "terbatas" if roll < limited else "tidak_ada"

    def _coordinates(self, reg: _Regency) -> dict[str, str]:
        if self.rng.random() < 0.1:
            return {"lintang": "", "bujur": ""}
        lat = min(max(reg.lat + self.rng.gauss(0, 0.12), -11.0), 6.0)
        lon = min(max(reg.lon + self.rng.gauss(0, 0.12), 95.0), 141.0)
        return {"lintang": f"{lat:.6f}", "bujur": f"{lon:.6f}"}

    def _accreditation(self, bentuk: str) -> dict[str, str]:
        rng = self.rng
        if rng.random() >= ACCREDITED_SHARE[bentuk]:
            return {"akreditasi": "", "sk_akreditasi": "", "tmt_akreditasi": "", "tst_akreditasi": ""}
        rank = rng.choices(("A", "B", "C", "TT"), weights=(25, 50, 20, 5))[0]
        start = ACCREDITATION_START + timedelta(days=rng.randrange(ACCREDITATION_SPAN_DAYS))
        board = "BAN-PDM" if start.year >= 2021 else "BAN-SM"
        decree = f"{rng.randint(100, 9999)}/{board}/SK/{start.year}"
        if rank == "TT":
            return {"akreditasi": "TT", "sk_akreditasi": decree, "tmt_akreditasi": "", "tst_akreditasi": ""}
        # Accreditation is valid for five years (so a start before late 2021 has expired by now).
        end = start.replace(year=start.year + 5, day=28 if (start.month, start.day) == (2, 29) else start.day)
        return {
            "akreditasi": rank,
            "sk_akreditasi": decree,
            "tmt_akreditasi": start.isoformat(),
            "tst_akreditasi": end.isoformat(),
        }


def generate_rows(
    count: int, seed: int = 1, pinned: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``count`` schools as ``(row number, {column: text})`` in import format (row 1 = header).

    ``pinned``: regency codes that get one school each (the first ones, as far as ``count`` allows), so a
    small national sample still has the schools a demo needs in those regencies."""
    rng = random.Random(seed)
    regencies = _regencies(rng)
    weights = _regency_weights(regencies)
    levels = [bentuk for bentuk, n in _split(count, LEVEL_COUNTS).items() for _ in range(n)]
    rng.shuffle(levels)
    maker = _SchoolMaker(rng)
    chosen = rng.choices(regencies, weights=weights, k=count)
    by_code = {reg.code: reg for reg in regencies}
    for index, code in enumerate(pinned[:count]):
        chosen[index] = by_code[code]
        levels[index] = "SD"
    for index, (bentuk, reg) in enumerate(zip(levels, chosen, strict=True)):
        yield index + 2, maker.row(index, bentuk, reg)


def write_csv(out: TextIO, count: int, seed: int = 1, progress=None) -> int:
    """Write ``count`` schools to ``out`` as an import-format CSV; returns the number of rows written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    written = 0
    for _, row in generate_rows(count, seed):
        writer.writerow(row)
        written += 1
        if progress and written % 1000 == 0:
            progress(1000)
    if progress and written % 1000:
        progress(written % 1000)
    return written


def generate_into_database(session, count: int, seed: int = 1, progress=None, pinned: tuple[str, ...] = ()):
    """Write ``count`` synthetic schools through the import's bulk path (reference data must be loaded).

    Returns the :class:`~spmp.schools.importer.ImportReport`; raises ValueError if rows were refused
    (e.g. the regions are missing). Flushes; the caller commits."""
    from spmp.schools.importer import import_rows

    report = import_rows(session, generate_rows(count, seed, pinned), progress=progress)
    if not report.written:
        raise ValueError("Data demo ditolak: " + "; ".join(str(e) for e in report.errors[:5]))
    return report
