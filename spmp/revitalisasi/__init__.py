"""Revitalisasi Sekolah (Inpres 7/2025): Pemda proposals for rehabilitating a school's rooms, with the damage
per component, land, geotagged photos and the surveyor's form; eligibility checks; verification and
validation (case type ``revitalisasi``, ``workflows/revitalisasi.yaml``); the selection
(``spmp.revitalisasi.selection``)."""
