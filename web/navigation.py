"""The menu each role sees."""

from __future__ import annotations

from flask import url_for

from spmp.accounts.models import Role

# (endpoint, label, roles allowed or None for everyone logged in)
MENU: list[tuple[str, str, tuple[Role, ...] | None]] = [
    ("main.dashboard", "Beranda", None),
    ("schools.directory", "Direktori Sekolah", None),
    ("cases.index", "Kasus", None),
    ("caseload.mine", "Pekerjaan Saya", (Role.WIDYAPRADA,)),
    ("caseload.my_skp", "Bukti SKP", (Role.WIDYAPRADA,)),
    ("caseload.workload", "Beban Kerja", (Role.BPMP_STAFF, Role.BPMP_HEAD, Role.PUSAT, Role.ADMIN)),
    ("admin.users", "Pengguna", (Role.ADMIN,)),
    ("admin.units", "Unit B/BPMP", (Role.ADMIN,)),
    ("admin.conflicts_page", "Konflik Kepentingan", (Role.ADMIN,)),
    ("admin.audit_status", "Log Audit", (Role.ADMIN,)),
]
EXTRA_MENU: list[tuple[str, str, tuple[Role, ...] | None]] = []  # features append here


def navigation_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    role = Role(user.role)
    return [
        (url_for(endpoint), label)
        for endpoint, label, roles in MENU + EXTRA_MENU
        if roles is None or role in roles
    ]
