"""Every route × every role: ``MATRIX`` lists each (method, path) with the status every role must get, and
``test_matrix_lists_every_route`` FAILS for any endpoint/method of ``app.url_map`` that no row reaches.

Adding a route? Add its rows to MATRIX: ``(method, path template, {role: status}[, form data])``. The path
is matched against ``app.url_map`` to find its endpoint. POSTs carry a valid CSRF token and DEFAULT_FORM
(overridden by the row's own form data). Rows run in order, one logged-in client per role, on a fresh world
per role; ``/logout`` rows run last.

The world: school "inside" is in Kota Kupang (NTT), covered by BPMP NTT; "outside" is in Surabaya (Jawa
Timur). Each role's user is scoped to NTT / Kota Kupang / the inside school (tests/web/conftest.py ``world``).
Placeholders: {inside} {outside} (schools), {self_user} {other_user} {widyaprada_user}, {inside_case} {outside_case}
(school_visit cases), {inside_npsn} {outside_npsn}, {inside_cycle} {outside_cycle} (SPMI cycles), {inside_visit} (the inside Widyaprada's
visit), {evidence} (a file on the inside case),
{inside_task} {outside_task} (Widyaprada tasks), {open_follow_up} {done_follow_up} (follow-ups to the inside school),
{inside_photo} (a report photo of the inside task),
{inside_shipment} (a Digitalisasi shipment to the inside school, in transit), {inside_bimtek} and
{inside_participant} (a Bimtek session of BPMP NTT inviting the inside school, and its teacher who attended),
{inside_material} {inside_question} (a PDF material of that session and a question of the inside school),
{inside_proposal} {outside_proposal} (Revitalisasi proposals, drafts), {revit_photo} (a photo of the inside one),
{exec_proposal} (the inside school's 2027 proposal under construction, its facilitator the world's),
{exec_report} {exec_photo} (its school progress report, unverified, and photo), {selected_proposal}
{selected_member} (its 2028 proposal just selected, one P2SP member), {facilitator_user},
{inside_verval} (the Digitalisasi verval case of the inside school, waiting on the B/BPMP),
{inside_event} {inside_sos_material} (a Digitalisasi sosialisasi event of BPMP NTT in Kota Kupang, and its material).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.web.conftest import login, post

ROLES = [
    "school_operator",
    "principal",
    "widyaprada",
    "bpmp_staff",
    "bpmp_head",
    "dinas_province",
    "dinas_regency",
    "facilitator",
    "pusat",
    "admin",
]
NATIONAL = {"pusat", "admin"}
ADMIN = {"admin"}
SCHOOL = {"school_operator", "principal"}
BPMP = {"bpmp_staff", "bpmp_head"}
PROGRESS = {*BPMP, "dinas_province", "dinas_regency", *NATIONAL}
BULK = {*BPMP, *NATIONAL}
RECORD = {*BPMP, *NATIONAL}
VISIT = RECORD | {"dinas_province", "dinas_regency", "widyaprada", "facilitator"}
SEES_INSIDE_CASE = set(ROLES) - {"facilitator"}  # a facilitator sees only cases assigned to them
REVIEW = {"widyaprada", *BPMP, *NATIONAL}
OPENS_CASES = {"widyaprada", *BPMP, "admin"}  # school_visit's open_roles
VISIT_CALENDAR = {"widyaprada", *BPMP, *NATIONAL}
VISIT_PLANNERS = {"widyaprada", *BPMP}
TASK_LIST = {"widyaprada", *BPMP, "dinas_province", "dinas_regency", *NATIONAL}
CREATES_TASKS = {"widyaprada", *BPMP, "admin"}
REPORTS_OBSTACLES = set(ROLES) - {"pusat"}  # kendala's open_roles
OBSTACLE_FORM = {"npsn": "{inside_npsn}", "category": "listrik", "description": "Listrik padam sejak pekan lalu"}
DIGITAL_MONITOR = {*BPMP, "dinas_province", "dinas_regency", *NATIONAL}
DIGITAL_MANAGER = {*BPMP, *NATIONAL}
DIGITAL_USAGE = SCHOOL | DIGITAL_MONITOR  # a school its own reports, the rest their area's flags
USAGE_OBSTACLE = DIGITAL_USAGE - {"pusat"}  # ... and may open a kendala (not Pusat)
VERVAL_QUEUE = set(ROLES) - {"widyaprada", "facilitator"}  # every role with a step in the Digitalisasi verval
SEES_INSIDE_TASK = SEES_INSIDE_CASE - SCHOOL  # a school sees only the follow-ups addressed to it
PROPOSAL_LIST = set(ROLES) - {"facilitator"}
PROPOSERS = {*BPMP, "dinas_province", "dinas_regency", "admin"}
VERIFIERS = {*BPMP, "dinas_province", "dinas_regency", *NATIONAL}  # a verifier's queue: Pemda's or B/BPMP's step
REVIT_MONITOR = {*BPMP, "dinas_province", "dinas_regency", *NATIONAL}  # per unit, province, regency, school
SELECTION_READERS = {*BPMP, "dinas_province", "dinas_regency", *NATIONAL}  # runs: national; published: regional too
EXECUTORS = {*SCHOOL, "dinas_regency", "dinas_province", *BPMP, "admin"}  # revitalisasi execution data
ASSIGNS_FACILITATOR = {*BPMP, "admin"}
FACILITATOR = {"facilitator"}
# On the selected (terpilih) proposal, which has no facilitator yet: the facilitator does not see it.
ON_SELECTED = {r: 302 if r in EXECUTORS else 404 if r == "facilitator" else 403 for r in ROLES}
EDIT_PROPOSAL = {role: 200 if role in PROPOSERS else 404 if role == "facilitator" else 403 for role in ROLES}
SUGGEST_INSIDE_TASK = {role: 200 if role in BPMP | NATIONAL else 403 if role in SEES_INSIDE_TASK else 404 for role in ROLES}


def _expect_everyone(code: int = 200):
    return dict.fromkeys(ROLES, code)


def _only(roles: set[str], yes: int, no: int):
    return {role: (yes if role in roles else no) for role in ROLES}


# An edit page of the inside cycle's item 999999: the school finds no such item, others may not edit.
EDIT_INSIDE = {role: 404 if role in SCHOOL or role not in SEES_INSIDE_CASE else 403 for role in ROLES}
DEFAULT_FORM = {"npsns": "{inside_npsn}", "unit_code": "BPMP-NTT", "body": "komentar", "version": "1"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

MATRIX = [
    # --- main, static -------------------------------------------------------------------------------------
    ("GET", "/", _expect_everyone()),
    ("GET", "/healthz", _expect_everyone()),
    ("GET", "/static/app.css", _expect_everyone()),
    ("GET", "/tidak-ada-halaman-ini", _expect_everyone(404)),
    # --- auth ---------------------------------------------------------------------------------------------
    ("GET", "/login", _expect_everyone(302)),  # already logged in: sent on
    ("POST", "/login", _expect_everyone(302)),
    ("GET", "/login/totp", _expect_everyone(302)),  # no pending login
    ("POST", "/login/totp", _expect_everyone(302)),
    ("GET", "/login/totp/setup", _expect_everyone(200)),
    ("POST", "/login/totp/setup", _expect_everyone(200)),
    ("GET", "/akun", _expect_everyone()),
    ("POST", "/akun", _expect_everyone(200)),  # empty password form: shown again with errors
    ("POST", "/logout", _expect_everyone(302)),
    # --- schools ------------------------------------------------------------------------------------------
    ("GET", "/sekolah", _expect_everyone()),
    ("GET", "/sekolah?provinsi=35", _expect_everyone()),
    ("GET", "/sekolah?format=csv", _expect_everyone()),
    ("GET", "/sekolah?format=xlsx", _expect_everyone()),
    ("GET", "/sekolah?format=pdf", _expect_everyone(400)),
    ("GET", "/sekolah/{inside}", _expect_everyone()),
    ("GET", "/sekolah/{outside}", _only(NATIONAL, 200, 404)),
    ("GET", "/sekolah/999999999", _expect_everyone(404)),
    # --- admin --------------------------------------------------------------------------------------------
    ("GET", "/admin/pengguna", _only(ADMIN, 200, 403)),
    ("GET", "/admin/pengguna?format=xlsx", _only(ADMIN, 200, 403)),
    ("GET", "/admin/pengguna/baru", _only(ADMIN, 200, 403)),
    ("POST", "/admin/pengguna/baru", _only(ADMIN, 200, 403)),  # empty form: errors shown
    ("GET", "/admin/pengguna/{other_user}", _only(ADMIN, 200, 403)),
    ("POST", "/admin/pengguna/{other_user}", _only(ADMIN, 302, 403)),
    ("GET", "/admin/unit", _only(ADMIN, 200, 403)),
    ("GET", "/admin/audit", _only(ADMIN, 200, 403)),
    ("POST", "/admin/unit", _only(ADMIN, 200, 403)),
    ("POST", "/admin/pengguna/{other_user}/aktif", _only(ADMIN, 302, 403)),
    ("POST", "/admin/pengguna/{other_user}/sekolah", _only(ADMIN, 302, 403)),
    ("POST", "/admin/pengguna/{other_user}/sekolah/{inside}/hapus", _only(ADMIN, 302, 403)),
    ("POST", "/admin/pengguna/{other_user}/sandi", _only(ADMIN, 302, 403)),
    ("POST", "/admin/pengguna/{other_user}/totp", _only(ADMIN, 302, 403)),
    ("POST", "/admin/unit/cakupan/53", _only(ADMIN, 302, 403)),
    # conflicts of interest (issue 12): recorded and removed by an administrator only
    ("GET", "/admin/konflik-kepentingan", _only(ADMIN, 200, 403)),
    ("GET", "/admin/konflik-kepentingan?format=xlsx&cari=x", _only(ADMIN, 200, 403)),
    ("POST", "/admin/konflik-kepentingan", _only(ADMIN, 422, 403)),  # no username: errors shown
    ("POST", "/admin/konflik-kepentingan/999999/hapus", _only(ADMIN, 302, 403), {"reason": "x"}),
    # --- cases --------------------------------------------------------------------------------------------
    ("GET", "/kasus", _expect_everyone()),
    ("GET", "/kasus?sebelum=99999999999999999999999", _expect_everyone()),
    ("GET", "/kasus?terlambat=1&format=csv", _expect_everyone()),
    ("GET", "/alur-kerja", _expect_everyone()),
    ("GET", "/kasus/{inside_case}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/kasus/{outside_case}", _only(NATIONAL, 200, 404)),
    ("GET", "/kasus/99999999999999999999999", _expect_everyone(404)),
    ("POST", "/kasus/{outside_case}/komentar", _only(NATIONAL, 302, 404)),
    ("POST", "/kasus/{inside_case}/komentar", _only(SEES_INSIDE_CASE, 302, 404)),
    ("GET", "/bukti/{evidence}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/bukti/999999999", _expect_everyone(404)),
    ("POST", "/kasus/{outside_case}/bukti", _only(NATIONAL, 302, 404), {"file": (PDF, "bukti.pdf")}),
    ("POST", "/kasus/{inside_case}/bukti", _only(SEES_INSIDE_CASE, 302, 404), {"file": (PDF, "bukti.pdf")}),
    # Firing: everyone who sees the case gets a refusal or a success as a redirect back to it.
    ("POST", "/kasus/{outside_case}/aksi/cancel", _only(NATIONAL, 302, 404), {"seen_version": "1"}),
    ("POST", "/kasus/{inside_case}/aksi/tidak_ada", _only(SEES_INSIDE_CASE, 302, 404), {"seen_version": "1"}),
    ("POST", "/kasus/{inside_case}/aksi/schedule", _expect_everyone(400), {"seen_version": "x"}),
    ("POST", "/kasus/{outside_case}/jeda", _only(NATIONAL, 302, 404), {"seen_version": "1", "reason": "x"}),
    ("POST", "/kasus/{inside_case}/jeda", _expect_everyone(400), {"seen_version": "9" * 30}),
    # Changing the assignee: whoever sees the case is redirected back (refused with a reason, or done).
    ("POST", "/kasus/{outside_case}/penanggung-jawab", _only(NATIONAL, 302, 404), {"seen_version": "1"}),
    ("POST", "/kasus/{inside_case}/penanggung-jawab", _only(SEES_INSIDE_CASE, 302, 404), {"assignee": "x"}),
    # Only case types whose workflow says ``open_from_form`` (school_visit); SPMI/SPME open their own.
    ("GET", "/kasus/baru", _only(OPENS_CASES, 200, 403)),
    ("POST", "/kasus/baru", _only(OPENS_CASES, 400, 403)),  # empty form: refused, errors shown
    ("POST", "/kasus/baru", _only(OPENS_CASES, 400, 403), {"type_key": "spmi_cycle", "title": "x"}),
    # --- notifications ------------------------------------------------------------------------------------
    ("GET", "/notifikasi", _expect_everyone()),
    ("GET", "/notifikasi?sebelum=-5", _expect_everyone()),
    ("POST", "/notifikasi/baca-semua", _expect_everyone(302)),
    ("POST", "/notifikasi/999999999/baca", _expect_everyone(404)),
    ("POST", "/notifikasi/ringkasan", _expect_everyone(302)),
    # --- Widyaprada caseload (issue 12) ------------------------------------------------------------------
    ("GET", "/pekerjaan-saya", _only({"widyaprada"}, 200, 403)),
    ("GET", "/beban-kerja", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/beban-kerja?format=xlsx", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/beban-kerja/{widyaprada_user}", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/beban-kerja/{other_user}", _only(BPMP | NATIONAL, 404, 403)),  # not a Widyaprada
    ("GET", "/skp", _only({"widyaprada"}, 200, 403)),
    ("GET", "/skp?format=xlsx", _only({"widyaprada"}, 200, 403)),
    ("GET", "/skp?format=pdf", _only({"widyaprada"}, 200, 403)),
    ("GET", "/skp?tahun=19", _only({"widyaprada"}, 400, 403)),
    ("GET", "/beban-kerja/{widyaprada_user}/skp", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/beban-kerja/{other_user}/skp", _only(BPMP | NATIONAL, 404, 403)),
    # --- SPMI ---------------------------------------------------------------------------------------------
    ("GET", "/spmi/sekolah", _only(SCHOOL, 302, 403)),
    ("POST", "/spmi/sekolah/buka", _only(SCHOOL, 400, 403)),  # a cycle of this year is already open
    ("GET", "/spmi/siklus/{inside_cycle}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/spmi/siklus/{outside_cycle}", _only(NATIONAL, 200, 404)),
    ("GET", "/spmi/siklus/999999", _expect_everyone(404)),
    ("POST", "/spmi/siklus/{outside_cycle}/prioritas", _only(NATIONAL, 403, 404)),
    # National roles may look at any cycle but not edit it: refused before the priority is looked up.
    ("POST", "/spmi/siklus/{outside_cycle}/prioritas/999999/hapus", _only(NATIONAL, 403, 404)),
    ("GET", "/spmi/siklus/{outside_cycle}/prioritas/999999/hapus", _only(NATIONAL, 403, 404)),
    # Inside: the school finds no such item (404); others who see the cycle may not edit it (403).
    ("GET", "/spmi/siklus/{inside_cycle}/prioritas/999999/hapus", EDIT_INSIDE),
    ("GET", "/spmi/siklus/{inside_cycle}/akar-masalah/999999/ubah", EDIT_INSIDE),
    ("POST", "/spmi/siklus/{inside_cycle}/akar-masalah/999999/ubah", EDIT_INSIDE),
    ("GET", "/spmi/siklus/{outside_cycle}/akar-masalah/999999/ubah", _only(NATIONAL, 403, 404)),
    ("GET", "/spmi/siklus/{inside_cycle}/kegiatan/999999/ubah", EDIT_INSIDE),
    ("POST", "/spmi/siklus/{inside_cycle}/kegiatan/999999/ubah", EDIT_INSIDE),
    ("GET", "/spmi/siklus/{outside_cycle}/kegiatan/999999/ubah", _only(NATIONAL, 403, 404)),
    # Approving asks first; with nothing to approve the question is not asked (back to the cycle, with why).
    ("GET", "/spmi/siklus/{inside_cycle}/setujui", _only(SEES_INSIDE_CASE, 302, 404)),
    ("GET", "/spmi/siklus/{outside_cycle}/setujui", _only(NATIONAL, 302, 404)),
    ("POST", "/spmi/siklus/{outside_cycle}/ajukan", _only(NATIONAL, 400, 404)),
    ("POST", "/spmi/siklus/{outside_cycle}/setujui", _only(NATIONAL, 400, 404)),
    ("POST", "/spmi/siklus/{outside_cycle}/kembalikan", _only(NATIONAL, 400, 404)),
    ("GET", "/spmi/tinjauan", _only(REVIEW, 200, 403)),
    ("GET", "/spmi/progres", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/progres/53.71", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/progres/99.99", _only(PROGRESS, 404, 403)),
    ("GET", "/spmi/progres?terlambat=1&format=csv", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/progres/53.71?format=xlsx", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/terlambat", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/terlambat?format=csv", _only(PROGRESS, 200, 403)),
    ("GET", "/spmi/progres/buka", _only(BULK, 200, 403)),
    ("GET", "/spmi/tinjauan?terlambat=1&format=xlsx", _only(REVIEW, 200, 403)),
    ("POST", "/spmi/progres/buka", _only(BULK, 400, 403)),  # empty form: shown again with errors
    ("GET", "/spmi/sekolah/{inside}/indikator", _only(SCHOOL | BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{outside}/indikator", _only(NATIONAL, 200, 404)),
    ("POST", "/spmi/sekolah/{outside}/indikator", _only(NATIONAL, 400, 404)),
    ("GET", "/spmi/indikator", _only(BULK, 200, 403)),
    ("POST", "/spmi/indikator", _only(BULK, 400, 403)),
    ("GET", "/spmi/indikator/templat.xlsx", _only(BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{inside}/indikator/templat.xlsx", _only(SCHOOL | BULK, 200, 403)),
    ("GET", "/spmi/sekolah/{outside}/indikator/templat.xlsx", _only(NATIONAL, 200, 404)),
    # --- SPME ---------------------------------------------------------------------------------------------
    ("GET", "/sekolah/{inside}/linimasa", _expect_everyone()),
    ("GET", "/sekolah/{outside}/linimasa", _only(NATIONAL, 200, 404)),
    ("GET", "/sekolah/{inside}/spme", _expect_everyone()),
    ("GET", "/sekolah/{outside}/spme", _only(NATIONAL, 200, 404)),
    ("POST", "/sekolah/{outside}/kunjungan", _only(NATIONAL, 400, 404)),
    ("POST", "/sekolah/{inside}/akreditasi", _only(RECORD, 400, 403)),
    ("GET", "/spme/akreditasi-berakhir", _only(VISIT, 200, 403)),
    ("POST", "/sekolah/{outside}/visitasi", _only(NATIONAL, 302, 404)),
    ("POST", "/spme/visitasi/{outside_case}/salin-bukti-spmi", _only(NATIONAL, 302, 404)),
    # visit calendar (issue 12): a Widyaprada sees their own, the unit's staff and head the unit's
    ("GET", "/kunjungan", _only(VISIT_CALENDAR, 200, 403)),
    (
        "GET",
        "/kunjungan?format=csv&pegawai={self_user}",
        {**_only({"widyaprada"}, 200, 403), **dict.fromkeys(BPMP | NATIONAL, 404)},
    ),  # self_user: no Widyaprada
    ("GET", "/kunjungan/rencana", _only(VISIT_PLANNERS, 200, 403)),
    ("POST", "/kunjungan/rencana", _only(VISIT_PLANNERS, 422, 403)),
    ("GET", "/kunjungan/{inside_visit}", _only(VISIT_CALENDAR, 200, 403)),
    ("POST", "/kunjungan/{inside_visit}", _only(VISIT_PLANNERS, 422, 403)),
    # Cancel with a reason (none sent here: the form says so); Pusat and admin only read the calendar.
    ("POST", "/kunjungan/{inside_visit}/batal", _only(VISIT_PLANNERS, 422, 403)),
    ("GET", "/admin/libur-sekolah", _only(ADMIN, 200, 403)),
    ("GET", "/admin/libur-sekolah?format=xlsx", _only(ADMIN, 200, 403)),
    ("POST", "/admin/libur-sekolah", _only(ADMIN, 422, 403)),
    # --- Widyaprada tasks ---------------------------------------------------------------------------------
    ("GET", "/widyaprada/tugas", _only(TASK_LIST, 200, 403)),
    ("GET", "/widyaprada/tugas?status=terbuka&format=xlsx", _only(TASK_LIST, 200, 403)),
    ("GET", "/widyaprada/tugas?terlambat=1&format=csv", _only(TASK_LIST, 200, 403)),
    ("GET", "/widyaprada/tugas/baru", _only(CREATES_TASKS, 200, 403)),
    ("POST", "/widyaprada/tugas/baru", _only(CREATES_TASKS, 400, 403)),  # empty form: errors shown
    ("GET", "/widyaprada/tugas/{inside_task}", _only(SEES_INSIDE_TASK, 200, 404)),
    ("GET", "/widyaprada/tugas/{outside_task}", _only(NATIONAL, 200, 404)),
    ("GET", "/widyaprada/tugas/{inside_task}/laporan", _only(SEES_INSIDE_TASK, 200, 404)),
    # Not yet scheduled: nobody may write the report (the page says why); outsiders do not find it.
    ("POST", "/widyaprada/tugas/{inside_task}/laporan", _only(SEES_INSIDE_TASK, 403, 404)),
    ("POST", "/widyaprada/tugas/{outside_task}/laporan", _only(NATIONAL, 403, 404)),
    # The report's photos are seen with the task; a photo id of another task is not found.
    ("GET", "/widyaprada/tugas/{inside_task}/foto/{inside_photo}", _only(SEES_INSIDE_TASK, 200, 404)),
    ("GET", "/widyaprada/tugas/{outside_task}/foto/{inside_photo}", _expect_everyone(404)),
    # The offline report's service worker: plain code, no data (served at this path for its scope).
    ("GET", "/widyaprada/tugas/sw.js", _expect_everyone()),
    ("POST", "/widyaprada/tugas/{inside_task}/aksi/tidak_ada", _only(SEES_INSIDE_TASK, 302, 404), {"seen_version": "1"}),
    ("POST", "/widyaprada/tugas/{outside_task}/aksi/cancel", _only(NATIONAL, 302, 404), {"seen_version": "1"}),
    ("POST", "/widyaprada/tugas/{inside_task}/aksi/schedule", _expect_everyone(400), {"seen_version": "x"}),
    # "Sarankan" (issue 12): the unit's staff and head (and national roles) see proposals and choose one;
    # a Widyaprada or Dinas may see the task but not the unit's workload; outsiders do not find it.
    ("GET", "/widyaprada/tugas/{inside_task}/sarankan", SUGGEST_INSIDE_TASK),
    ("GET", "/widyaprada/tugas/{outside_task}/sarankan", _only(NATIONAL, 200, 404)),
    ("POST", "/widyaprada/tugas/{inside_task}/sarankan", {**SUGGEST_INSIDE_TASK, **dict.fromkeys(BPMP | NATIONAL, 400)}),
    # The task's own assignee is not among the proposals: refused with the reason, back to the page.
    ("POST", "/widyaprada/tugas/{inside_task}/sarankan", {**SUGGEST_INSIDE_TASK, **dict.fromkeys(BPMP | NATIONAL, 302)},
     {"seen_version": "1", "user_id": "{widyaprada_user}"}),
    ("GET", "/sekolah/{inside}/sarankan", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/sekolah/{outside}/sarankan", _only(NATIONAL, 200, 404)),
    ("POST", "/sekolah/{inside}/sarankan", _only(BPMP | NATIONAL, 400, 403)),  # no Widyaprada chosen
    # the optimal whole-unit assignment: the unit's staff and head (national roles pick a unit)
    ("GET", "/widyaprada/penugasan-optimal", _only(BPMP | NATIONAL, 200, 403)),
    ("GET", "/widyaprada/penugasan-optimal?unit=BPMP-NTT&format=xlsx", _only(BPMP | NATIONAL, 200, 403)),
    ("POST", "/widyaprada/penugasan-optimal", _only(BPMP | NATIONAL, 302, 403), {"unit": "BPMP-NTT"}),
    # bulk assignment with a preview: the unit's staff and head only
    ("GET", "/widyaprada/penugasan-massal", _only(BPMP, 200, 403)),
    ("GET", "/widyaprada/penugasan-massal?mode=tugas&ke={widyaprada_user}&format=xlsx", _only(BPMP, 200, 403)),
    ("GET", "/widyaprada/penugasan-massal?mode=tugas", _only(BPMP, 422, 403)),  # no Widyaprada chosen
    # A list that is not the one previewed: refused with the reason, nothing written.
    ("POST", "/widyaprada/penugasan-massal", _only(BPMP, 302, 403), {"mode": "tugas", "ke": "{widyaprada_user}", "keys": "x"}),
    ("GET", "/sekolah/{inside}/tindak-lanjut", _expect_everyone()),
    ("GET", "/sekolah/{inside}/tindak-lanjut?format=xlsx", _expect_everyone()),
    ("GET", "/sekolah/{outside}/tindak-lanjut", _only(NATIONAL, 200, 404)),
    # Only the school marks its follow-up done (no note or file here: told why, sent back).
    ("POST", "/widyaprada/tindak-lanjut/{open_follow_up}/selesai", _only(SCHOOL, 302, 403)),
    ("GET", "/widyaprada/tindak-lanjut/{done_follow_up}/bukti", _expect_everyone()),
    ("GET", "/widyaprada/tindak-lanjut/999999999/bukti", _expect_everyone(404)),
    # --- revitalisasi -------------------------------------------------------------------------------------
    ("GET", "/revitalisasi/usulan", _only(PROPOSAL_LIST, 200, 403)),
    ("GET", "/revitalisasi/usulan?tahun=2026&status=draf&format=xlsx", _only(PROPOSAL_LIST, 200, 403)),
    ("GET", "/revitalisasi/antrean", _only(VERIFIERS, 200, 403)),
    ("GET", "/revitalisasi/antrean?format=xlsx", _only(VERIFIERS, 200, 403)),
    ("GET", "/revitalisasi/usulan/baru", _only(PROPOSERS, 200, 403)),
    ("GET", "/revitalisasi/impor", _only(PROPOSERS, 200, 403)),
    ("POST", "/revitalisasi/impor", _only(PROPOSERS, 400, 403)),  # no file: told on the page
    ("POST", "/revitalisasi/usulan/baru", _only(PROPOSERS, 400, 403)),  # no NPSN: errors shown
    ("GET", "/revitalisasi/usulan/{inside_proposal}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/revitalisasi/usulan/{outside_proposal}", _only(NATIONAL, 200, 404)),
    ("GET", "/revitalisasi/usulan/{inside_proposal}/ubah", EDIT_PROPOSAL),
    ("GET", "/revitalisasi/usulan/{outside_proposal}/ubah", {r: 200 if r == "admin" else 403 if r == "pusat" else 404 for r in ROLES}),
    ("POST", "/revitalisasi/usulan/{inside_proposal}/ubah", {**EDIT_PROPOSAL, **dict.fromkeys(PROPOSERS, 400)}),
    ("POST", "/revitalisasi/usulan/{inside_proposal}/foto", {**EDIT_PROPOSAL, **dict.fromkeys(PROPOSERS, 302)}),
    ("POST", "/revitalisasi/usulan/{inside_proposal}/dokumen", {**EDIT_PROPOSAL, **dict.fromkeys(PROPOSERS, 302)}),
    ("GET", "/revitalisasi/foto/{revit_photo}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/revitalisasi/foto/{revit_photo}?asli=1", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/revitalisasi/foto/999999999", _expect_everyone(404)),
    ("GET", "/revitalisasi/usulan/{inside_proposal}/dokumen/lahan", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/revitalisasi/usulan/{inside_proposal}/dokumen/formulir", _expect_everyone(404)),  # not uploaded
    ("POST", "/revitalisasi/usulan/{inside_proposal}/aksi/tidak_ada", _only(SEES_INSIDE_CASE, 302, 404), {"seen_version": "1"}),
    ("POST", "/revitalisasi/usulan/{outside_proposal}/aksi/submit", _only(NATIONAL, 302, 404), {"seen_version": "1"}),
    ("POST", "/revitalisasi/usulan/{inside_proposal}/aksi/submit", _expect_everyone(400), {"seen_version": "x"}),
    # --- revitalisasi: execution (workflow v2) ---------------------------------------------------------------
    ("GET", "/revitalisasi/pelaksanaan", _expect_everyone(200)),
    ("GET", "/revitalisasi/pelaksanaan?tahun=2027&tahap=pelaksanaan&format=xlsx", _expect_everyone(200)),
    ("POST", "/revitalisasi/pelaksanaan/fasilitator", _only(ASSIGNS_FACILITATOR, 302, 403)),  # fields missing: flashed
    ("GET", "/revitalisasi/binaan", _only(FACILITATOR, 200, 403)),
    ("GET", "/revitalisasi/binaan?format=xlsx", _only(FACILITATOR, 200, 403)),
    ("GET", "/revitalisasi/usulan/{exec_proposal}", _expect_everyone(200)),
    ("GET", "/revitalisasi/usulan/{selected_proposal}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/revitalisasi/usulan/{selected_proposal}/p2sp?format=xlsx", _only(SEES_INSIDE_CASE, 200, 404)),
    ("POST", "/revitalisasi/usulan/{selected_proposal}/p2sp", ON_SELECTED, {"nama": "Budi", "nik": "123", "jabatan": "anggota"}),
    ("POST", "/revitalisasi/usulan/{exec_proposal}/p2sp", _expect_everyone(403)),  # after tranche I: closed
    ("POST", "/revitalisasi/usulan/{selected_proposal}/p2sp/{selected_member}/hapus", ON_SELECTED),
    ("POST", "/revitalisasi/usulan/{selected_proposal}/berkas", ON_SELECTED, {"kind": "rab"}),  # no file: flashed
    ("POST", "/revitalisasi/usulan/{exec_proposal}/berkas", _expect_everyone(403), {"kind": "rab"}),
    ("GET", "/revitalisasi/usulan/{exec_proposal}/berkas/rab", _expect_everyone(200)),
    ("GET", "/revitalisasi/usulan/{exec_proposal}/berkas/lpj", _expect_everyone(404)),  # not uploaded
    ("GET", "/revitalisasi/usulan/{exec_proposal}/progres?format=xlsx", _expect_everyone(200)),
    ("POST", "/revitalisasi/usulan/{exec_proposal}/progres", _only(EXECUTORS, 302, 403), {"persen": "50"}),  # no photo
    ("GET", "/revitalisasi/usulan/{exec_proposal}/kunjungan", _only(FACILITATOR, 200, 403)),
    # No photo: the form is shown again with the reason and what was typed (400).
    ("POST", "/revitalisasi/usulan/{exec_proposal}/kunjungan", _only(FACILITATOR, 400, 403), {"persen": "50"}),
    ("POST", "/revitalisasi/usulan/{selected_proposal}/kunjungan", _only(SEES_INSIDE_CASE, 403, 404)),
    # The facilitator pages' service worker (caseload, visit form offline): plain code, no data.
    ("GET", "/revitalisasi/sw.js", _expect_everyone()),
    ("GET", "/revitalisasi/usulan/{selected_proposal}/kunjungan", _only(SEES_INSIDE_CASE, 403, 404)),
    ("GET", "/revitalisasi/progres/foto/{exec_photo}", _expect_everyone(200)),
    ("GET", "/revitalisasi/progres/foto/{exec_photo}?asli=1", _expect_everyone(200)),
    ("GET", "/revitalisasi/progres/foto/999999999", _expect_everyone(404)),
    ("POST", "/revitalisasi/progres/{exec_report}/verifikasi", _only(FACILITATOR, 302, 403)),
    ("POST", "/revitalisasi/usulan/{exec_proposal}/fasilitator", _only(ASSIGNS_FACILITATOR, 302, 403), {"fasilitator": "{facilitator_user}"}),
    # --- revitalisasi: monitoring ---------------------------------------------------------------------------
    ("GET", "/revitalisasi/pemantauan", _only(REVIT_MONITOR, 200, 403)),
    ("GET", "/revitalisasi/pemantauan?tahun=2026&provinsi=53&format=xlsx", _only(REVIT_MONITOR, 200, 403)),
    ("GET", "/revitalisasi/pemantauan?tahun=2026&kabupaten=53.71", _only(REVIT_MONITOR, 200, 403)),
    ("GET", "/revitalisasi/pemantauan?kabupaten=99.99", _only(REVIT_MONITOR, 404, 403)),
    # --- revitalisasi: recommendation list ------------------------------------------------------------------
    ("GET", "/revitalisasi/rekomendasi", _only(REVIT_MONITOR, 200, 403)),  # national: pick a province first
    ("GET", "/revitalisasi/rekomendasi?tahun=2026&provinsi=53", _only(REVIT_MONITOR, 200, 403)),
    ("GET", "/revitalisasi/rekomendasi?tahun=2026&kabupaten=53.71&format=xlsx", _only(REVIT_MONITOR, 200, 403)),
    ("GET", "/revitalisasi/rekomendasi?provinsi=5", _only(REVIT_MONITOR, 404, 403)),
    ("POST", "/revitalisasi/rekomendasi/{inside}/usulan", _only(PROPOSERS, 303, 403), {"year": "2030"}),
    ("POST", "/revitalisasi/rekomendasi/{outside}/usulan", {**_only(PROPOSERS, 302, 403), "admin": 303}, {"year": "2030"}),  # refused: flashed
    ("POST", "/revitalisasi/rekomendasi/{inside}/usulan", _only(PROPOSERS, 303, 403), {"year": "x"}),  # flashed
    # --- revitalisasi: selection ----------------------------------------------------------------------------
    ("GET", "/revitalisasi/seleksi", _only(SELECTION_READERS, 200, 403)),
    ("GET", "/revitalisasi/seleksi?tahun=abc", _only(SELECTION_READERS, 200, 403)),
    ("GET", "/revitalisasi/seleksi/parameter/2026", _only({"pusat"}, 200, 403)),
    ("GET", "/revitalisasi/seleksi/parameter/1999", _only({"pusat"}, 404, 403)),
    ("POST", "/revitalisasi/seleksi/parameter/2026", _only({"pusat"}, 422, 403)),  # fields missing: shown
    ("POST", "/revitalisasi/seleksi/jalankan", _only(NATIONAL, 303, 403)),  # no year: flashed
    ("POST", "/revitalisasi/seleksi/jalankan", _only(NATIONAL, 302, 403), {"year": "2031"}),  # refused: flashed
    ("GET", "/revitalisasi/seleksi/{draft_run}", {**_only(SELECTION_READERS, 404, 403), **dict.fromkeys(NATIONAL, 200)}),
    ("GET", "/revitalisasi/seleksi/{published_run}", _only(SELECTION_READERS, 200, 403)),
    ("GET", "/revitalisasi/seleksi/{published_run}?format=xlsx&keputusan=terpilih", _only(SELECTION_READERS, 200, 403)),
    ("GET", "/revitalisasi/seleksi/999999999", _only(SELECTION_READERS, 404, 403)),
    ("POST", "/revitalisasi/seleksi/{draft_run}/terbitkan", _only({"pusat"}, 303, 403)),  # no SK: flashed
    ("POST", "/revitalisasi/seleksi/{published_run}/terbitkan", _only({"pusat"}, 302, 403), {"sk_number": "SK 2", "pks_number": "PKS 2"}),  # frozen
    ("GET", "/revitalisasi/seleksi/banding?a={draft_run}&b={published_run}", {**_only(SELECTION_READERS, 404, 403), **dict.fromkeys(NATIONAL, 200)}),
    ("GET", "/revitalisasi/seleksi/banding?a={published_run}", _only(SELECTION_READERS, 404, 403)),
    # --- kendala (field obstacles): everyone lists their own area's; all but Pusat report ------------------
    ("GET", "/kendala", _expect_everyone()),
    ("GET", "/kendala?status=semua&format=xlsx", _expect_everyone()),
    ("GET", "/kendala?kategori=listrik&terlambat=1&format=csv", _expect_everyone()),
    ("GET", "/kendala/baru", _only(REPORTS_OBSTACLES, 200, 403)),
    ("GET", "/kendala/baru?sekolah={inside}&kasus={inside_case}", _only(REPORTS_OBSTACLES, 200, 403)),
    ("POST", "/kendala/baru", _only(REPORTS_OBSTACLES, 302, 403), OBSTACLE_FORM),
    ("POST", "/kendala/baru", {**_only(REPORTS_OBSTACLES, 400, 403), "admin": 302},
     {**OBSTACLE_FORM, "npsn": "{outside_npsn}"}),  # outside the area: "not found" on the field
    # --- Digitalisasi Pembelajaran (issue 14) --------------------------------------------------------------
    ("GET", "/digitalisasi/kesiapan", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/kesiapan?tahun=2026&kabkota=53.71&siap=0&format=xlsx", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/kesiapan?tahun=abc", _only(DIGITAL_MONITOR, 400, 403)),
    # Only the school confirms its safe room; others who see the school may not (403), the rest do not find it.
    ("POST", "/digitalisasi/sekolah/{inside}/ruang-aman", _only(SCHOOL, 302, 403)),
    ("POST", "/digitalisasi/sekolah/{outside}/ruang-aman", _only(NATIONAL, 403, 404)),
    ("GET", "/digitalisasi/pengiriman", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pengiriman?tahun=2026&format=xlsx", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pengiriman?tahun=2026&kabkota=53.71", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pengiriman?tahun=2026&kabkota=53.71&format=csv", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pengiriman/impor", _only(DIGITAL_MANAGER, 200, 403)),
    ("POST", "/digitalisasi/pengiriman/impor", _only(DIGITAL_MANAGER, 422, 403)),  # no file: errors shown
    ("GET", "/digitalisasi/pengiriman/{inside_shipment}", _expect_everyone()),  # whoever sees the school
    ("GET", "/digitalisasi/pengiriman/999999999", _expect_everyone(404)),
    ("POST", "/digitalisasi/pengiriman/{inside_shipment}", _only(SCHOOL, 422, 403)),  # only the school: BAST
    ("GET", "/digitalisasi/bimtek", _expect_everyone()),  # each sees the sessions of their area
    ("GET", "/digitalisasi/bimtek?tahun=2026&format=xlsx", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/baru", _only(BPMP, 200, 403)),
    ("POST", "/digitalisasi/bimtek/baru", _only(BPMP, 422, 403)),  # empty form: errors shown
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}", _expect_everyone()),  # it invites the inside school
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}?format=csv", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/999999999", _expect_everyone(404)),
    # Teachers are named by the invited school or the organising unit (no name sent: shown again with errors).
    ("POST", "/digitalisasi/bimtek/{inside_bimtek}", _only(SCHOOL | BPMP, 422, 403)),
    # The certificate: the participant's school, the organising unit, the national roles.
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}/sertifikat/{inside_participant}", _only(SCHOOL | BPMP | NATIONAL, 200, 403)),
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}/sertifikat/999999999", _expect_everyone(404)),
    ("POST", "/digitalisasi/bimtek/{inside_bimtek}/kehadiran", _only(BPMP, 302, 403)),  # runs after the certificate
    # Bimtek materials and follow-up questions (every reader of the session sees them; empty forms: a flash).
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}?format=xlsx&daftar=materi", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}?format=csv&daftar=pertanyaan", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}/materi/{inside_material}", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/{inside_bimtek}/materi/999999999", _expect_everyone(404)),
    ("POST", "/digitalisasi/bimtek/{inside_bimtek}/materi", _only(BPMP, 302, 403)),
    ("POST", "/digitalisasi/bimtek/{inside_bimtek}/pertanyaan", _only(SCHOOL, 302, 403)),  # an invited school
    ("GET", "/digitalisasi/bimtek/pertanyaan", _expect_everyone()),
    ("GET", "/digitalisasi/bimtek/pertanyaan?tahun=2026&status=semua&format=xlsx", _expect_everyone()),
    # Answered by the organising unit's staff, head and facilitators.
    ("POST", "/digitalisasi/bimtek/pertanyaan/{inside_question}/jawab", _only(BPMP | {"facilitator"}, 302, 403)),
    ("POST", "/digitalisasi/bimtek/pertanyaan/999999999/jawab", _expect_everyone(404)),
    ("POST", "/digitalisasi/bimtek/{inside_bimtek}/materi/{inside_material}/hapus", _only(BPMP, 302, 403)),
    # Monitoring per unit -> province -> regency -> school (each reader's area; an unknown region: 404).
    ("GET", "/digitalisasi/pemantauan", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pemantauan?tahun=2026&unit=BPMP-NTT", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pemantauan?tahun=2026&provinsi=53&format=xlsx", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pemantauan?tahun=2026&provinsi=53&kabkota=53.71", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/pemantauan?provinsi=99", _only(DIGITAL_MONITOR, 404, 403)),
    # The school returns the BAST; the B/BPMP corrects the shipment (empty forms: a flash and back).
    ("POST", "/digitalisasi/pengiriman/{inside_shipment}/kembalikan", _only(SCHOOL, 302, 403)),
    ("POST", "/digitalisasi/pengiriman/{inside_shipment}/koreksi", _only(DIGITAL_MANAGER, 302, 403)),
    # --- Digitalisasi usage reports: the school reports; the area lists the flags and makes them obstacles ---
    ("GET", "/digitalisasi/penggunaan", _only(DIGITAL_USAGE, 200, 403)),
    ("GET", "/digitalisasi/penggunaan?periode=2026-11&tanda=ditandai&kabkota=53.71&format=xlsx", _only(DIGITAL_USAGE, 200, 403)),
    ("GET", "/digitalisasi/penggunaan?periode=abc&tanda=x", _only(DIGITAL_USAGE, 200, 403)),  # ignored: last month
    ("GET", "/digitalisasi/penggunaan/lapor", _only(SCHOOL, 200, 403)),
    ("POST", "/digitalisasi/penggunaan/lapor", _only(SCHOOL, 422, 403)),  # empty form: errors shown
    # The inside school received no device yet: refused (flash and back) for those who may open one.
    ("POST", "/digitalisasi/penggunaan/sekolah/{inside}/kendala", _only(USAGE_OBSTACLE, 302, 403), {"periode": "2026-11"}),
    ("POST", "/digitalisasi/penggunaan/sekolah/{outside}/kendala", {**_only(USAGE_OBSTACLE, 404, 403), "admin": 302},
     {"periode": "2026-11"}),
    ("POST", "/digitalisasi/penggunaan/sekolah/{inside}/kendala", _only(USAGE_OBSTACLE, 400, 403), {"periode": "11-2026"}),
    ("GET", "/digitalisasi/penggunaan/foto/999999999", _expect_everyone(404)),
    # --- Digitalisasi verval: the B/BPMP verifies; a Dinas and a school see what was returned to them --------
    ("GET", "/digitalisasi/verval", _only(VERVAL_QUEUE, 200, 403)),
    ("GET", "/digitalisasi/verval?status=perbaikan_dinas&tahun=2026&format=xlsx", _only(VERVAL_QUEUE, 200, 403)),
    ("GET", "/digitalisasi/verval?tahun=abc", _only(VERVAL_QUEUE, 400, 403)),
    ("POST", "/digitalisasi/verval/buka", _only(BPMP, 302, 403), {"tahun": "2026", "kabkota": "53.71"}),
    ("POST", "/digitalisasi/verval/buka", _only(BPMP, 400, 403), {"tahun": "20x6", "kabkota": "53.71"}),
    ("GET", "/digitalisasi/verval/{inside_verval}", _only(SEES_INSIDE_CASE, 200, 404)),
    ("GET", "/digitalisasi/verval/999999999", _expect_everyone(404)),
    # Everyone who sees the case may ask; only the B/BPMP's accept goes through (others: refused, flash and back).
    ("POST", "/digitalisasi/verval/{inside_verval}/aksi/accept", {**_expect_everyone(302), "facilitator": 404},
     {"seen_version": "1", "input_catatan": "Data sesuai"}),
    ("POST", "/digitalisasi/verval/999999999/aksi/accept", _expect_everyone(404), {"seen_version": "1"}),
    ("POST", "/digitalisasi/verval/{inside_verval}/aksi/accept", _expect_everyone(400), {"seen_version": "x"}),
    # --- Digitalisasi sosialisasi: the B/BPMP records; the Dinas, Pusat and admin see their area's ----------
    ("GET", "/digitalisasi/sosialisasi", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/sosialisasi?tahun=2026&kabkota=53.71&format=xlsx", _only(DIGITAL_MONITOR, 200, 403)),
    ("GET", "/digitalisasi/sosialisasi/baru", _only(BPMP, 200, 403)),
    ("POST", "/digitalisasi/sosialisasi/baru", _only(BPMP, 422, 403)),  # empty form: errors shown
    ("GET", "/digitalisasi/sosialisasi/{inside_event}", _only(DIGITAL_MONITOR, 200, 404)),
    ("GET", "/digitalisasi/sosialisasi/{inside_event}?format=csv", _only(DIGITAL_MONITOR, 200, 404)),
    ("GET", "/digitalisasi/sosialisasi/999999999", _expect_everyone(404)),
    ("POST", "/digitalisasi/sosialisasi/{inside_event}", {**_only(DIGITAL_MONITOR, 403, 404), "bpmp_staff": 302,
     "bpmp_head": 302}, {"kind": "dinas", "name": "Kabid SD", "people": "2"}),
    ("POST", "/digitalisasi/sosialisasi/{inside_event}/materi", {**_only(DIGITAL_MONITOR, 403, 404), "bpmp_staff": 302,
     "bpmp_head": 302}),  # no file: flash and back
    ("GET", "/digitalisasi/sosialisasi/{inside_event}/materi/{inside_sos_material}", _only(DIGITAL_MONITOR, 200, 404)),
    ("GET", "/digitalisasi/sosialisasi/{inside_event}/materi/999999999", _expect_everyone(404)),
]


@pytest.fixture
def world_cases(session, world, settings):
    from spmp.engine import evidence as evidence_ops
    from spmp.engine import operations as cases
    from spmp.spmi import operations as spmi
    from spmp.visits import operations as visits

    wp, admin = world["users"]["widyaprada"], world["users"]["admin"]
    world["inside_case"] = cases.open_case(
        session, wp, "school_visit", title="Supervisi", school_id=world["inside"].id, assignee_user_id=wp.id
    )
    world["outside_case"] = cases.open_case(
        session, admin, "school_visit", title="Supervisi", school_id=world["outside"].id
    )
    world["evidence"] = evidence_ops.store_evidence(
        session, wp, world["inside_case"].id, "laporan.pdf", PDF, settings.evidence_path
    )
    world["inside_cycle"] = spmi.open_cycle(session, admin, world["inside"].id, 2026)
    world["outside_cycle"] = spmi.open_cycle(session, admin, world["outside"].id, 2026)
    world["inside_visit"] = visits.plan_visit(
        session,
        wp,
        widyaprada=wp,
        school_id=world["inside"].id,
        start=date(2026, 9, 8),
        end=date(2026, 9, 9),
        purpose="Supervisi pembelajaran",
    )
    _add_tasks(session, world, settings)
    _add_proposals(session, world, settings)
    _add_shipment(session, world)
    _add_bimtek(session, world, settings)
    _add_verval(session, world)
    _add_sosialisasi(session, world, settings)
    _add_selection_runs(session, world)
    _add_execution(session, world, settings)
    return world


def _add_execution(session, world, settings):
    """Two selected proposals of the inside school (workflow v2): 2028 just selected (terpilih, one P2SP
    member); 2027 under construction (P2SP, documents, the facilitator, tranche I; a school report with a
    photo, not yet verified). Selection itself is tested elsewhere: here the state is set directly."""
    from sqlalchemy import update

    from spmp.engine.cases import CaseRecord
    from spmp.revitalisasi import execution_ops as xops
    from spmp.revitalisasi import operations as revit
    from tests.spmp.revitalisasi.execution_support import COMMITTEE, photos
    from tests.spmp.revitalisasi.support import proposal_input

    users, root = world["users"], settings.evidence_path

    def selected(year):
        proposal = revit.create_proposal(session, users["dinas_regency"], proposal_input(world["inside"], year=year))
        session.execute(update(CaseRecord).where(CaseRecord.id == proposal.case_id).values(state="terpilih"))
        session.expire_all()
        return proposal

    def fire(proposal, trigger, user):
        revit.act(session, users[user], proposal.id, trigger, session.get(CaseRecord, proposal.case_id).version)

    world["selected_proposal"] = selected(2028)
    name, nik, role = COMMITTEE[0]
    world["selected_member"] = xops.add_member(session, users["principal"], world["selected_proposal"].id,
                                               name=name, nik=nik, role=role)  # fmt: skip
    proposal = world["exec_proposal"] = selected(2027)
    for name, nik, role in COMMITTEE:
        xops.add_member(session, users["principal"], proposal.id, name=name, nik=nik, role=role)
    fire(proposal, "p2sp_formed", "principal")
    for kind in ("rab", "gambar", "jadwal", "pbg"):
        xops.upload_document(session, users["principal"], proposal.id, kind, f"{kind}.pdf", PDF, root)
    fire(proposal, "submit_documents", "principal")
    xops.assign_facilitator(session, users["bpmp_staff"], [proposal.id], users["facilitator"].id)
    fire(proposal, "disburse_tranche_1", "bpmp_staff")
    world["exec_report"] = xops.report_progress(session, users["principal"], proposal.id, percent=25, notes="",
                                                photos=photos(1), root=root)  # fmt: skip
    world["exec_photo"] = world["exec_report"].photos[0]


def _add_selection_runs(session, world):
    """A draft selection run and a published one of 2026 over the two proposals."""
    from tests.spmp.revitalisasi.selection_support import make_run

    pusat = world["users"]["pusat"]
    items = [(world["inside_proposal"], True), (world["outside_proposal"], False)]
    world["draft_run"] = make_run(session, pusat, 2026, items)
    world["published_run"] = make_run(session, pusat, 2026, items, published=True)


def _add_proposals(session, world, settings):
    """A Revitalisasi proposal (draft) on each school; the inside one with its land proof and a photo."""
    from spmp.revitalisasi import operations as revit
    from tests.spmp.revitalisasi.support import jpeg, proposal_input

    users = world["users"]
    world["inside_proposal"] = revit.create_proposal(session, users["dinas_regency"], proposal_input(world["inside"]))
    world["outside_proposal"] = revit.create_proposal(session, users["admin"], proposal_input(world["outside"]))
    inside = world["inside_proposal"].id
    revit.attach_document(session, users["dinas_regency"], inside, "lahan", "lahan.pdf", PDF, settings.evidence_path)
    world["revit_photo"] = revit.add_photo(session, users["dinas_regency"], inside, "foto.jpg", jpeg(), settings.evidence_path)


def _add_bimtek(session, world, settings):
    """A Bimtek session of BPMP NTT that started yesterday, inviting the inside school; one teacher attended."""
    from datetime import timedelta

    from spmp import clock
    from spmp.accounts import operations as accounts
    from spmp.digitalisasi import bimtek

    staff = accounts.create_user(session, username="staf_bimtek", full_name="Staf Bimtek", password="sandi-uji-12345",
                                 role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
    start = clock.now() - timedelta(days=1)
    world["inside_bimtek"] = bimtek.create_session(session, staff, bimtek.SessionInput(
        2026, "Bimtek panel interaktif", "luring", start, start + timedelta(hours=6), "Aula BPMP NTT",
        (world["inside"].npsn,)))  # fmt: skip
    world["inside_participant"] = bimtek.add_participant(session, staff, world["inside_bimtek"], world["inside"].id,
                                                         "Yohana Lani", "guru")  # fmt: skip
    bimtek.record_attendance(session, staff, world["inside_bimtek"], {world["inside_participant"].id})
    _add_bimtek_followup(session, world, staff, settings)


def _add_bimtek_followup(session, world, staff, settings):
    """A PDF material on the inside Bimtek session and a question from the inside school."""
    from spmp.digitalisasi import bimtek_followup as followup

    data = followup.MaterialInput("Modul panel", file=("modul.pdf", PDF))
    world["inside_material"] = followup.add_material(session, staff, world["inside_bimtek"], data, settings.evidence_path)
    world["inside_question"] = followup.ask_question(session, world["users"]["school_operator"], world["inside_bimtek"],
                                                     "Yohana Lani", "Bagaimana memperbarui konten?")  # fmt: skip


def _add_verval(session, world):
    """The verval case of the inside school (a Digitalisasi target since _add_shipment), opened by the unit."""
    from spmp.digitalisasi import verval
    from spmp.digitalisasi.field_models import VervalCase

    verval.open_cases(session, world["users"]["bpmp_staff"], 2026, "53.71")
    world["inside_verval"] = session.scalar(select_verval(VervalCase, world["inside"].id))


def _add_sosialisasi(session, world, settings):
    """A sosialisasi event of BPMP NTT in Kota Kupang with a material."""
    from spmp.digitalisasi import sosialisasi

    staff = world["users"]["bpmp_staff"]
    event = sosialisasi.create_event(session, staff, sosialisasi.EventInput(2026, "sosialisasi", "53.71",
                                     date(2026, 7, 14), "Aula Dinas Pendidikan Kota Kupang"))  # fmt: skip
    world["inside_event"] = event
    world["inside_sos_material"] = sosialisasi.add_material(session, staff, event, "paparan.pdf", PDF,
                                                        settings.evidence_path)  # fmt: skip


def select_verval(model, school_id):
    from sqlalchemy import select

    return select(model).where(model.school_id == school_id)


def _add_shipment(session, world):
    """The inside school as a Digitalisasi target, with one shipment in transit."""
    from sqlalchemy import select

    from spmp.digitalisasi.models import Shipment
    from spmp.digitalisasi.readiness import compute_readiness
    from spmp.digitalisasi.shipments import import_shipments

    compute_readiness(session, 2026, province_code="53")
    rows = f"npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri\n{world['inside'].npsn},SJ-1,2026-08-17,panel,SN-1\n"
    import_shipments(session, world["users"]["admin"], rows.encode(), "kiriman.csv", year=2026)
    world["inside_shipment"] = session.scalar(select(Shipment).where(Shipment.school_id == world["inside"].id))


def _add_tasks(session, world, settings):
    """A task on each school, and two published follow-ups to the inside school (one done, with a file)."""
    from datetime import date

    from spmp import clock
    from spmp.engine.evidence import write_blob
    from spmp.widyaprada import operations as tasks
    from spmp.widyaprada.models import FollowUpAction, ReportPhoto

    def task_input(school):
        return tasks.TaskInput("supervisi", "school", "Supervisi", date(2026, 3, 2), date(2026, 3, 31),
                               date(2026, 3, 20), (school.id,))  # fmt: skip

    world["inside_task"] = tasks.create_task(session, world["users"]["widyaprada"], task_input(world["inside"]))
    world["outside_task"] = tasks.create_task(session, world["users"]["admin"], task_input(world["outside"]))
    now, inside = clock.now(), world["inside_task"]
    world["open_follow_up"] = FollowUpAction(task_id=inside.id, school_id=world["inside"].id, description="Susun jadwal",
                                             status="open", published_at=now)  # fmt: skip
    world["done_follow_up"] = FollowUpAction(
        task_id=inside.id, school_id=world["inside"].id, description="Rapat guru", status="done", published_at=now,
        done_at=now, done_note="Selesai", evidence_sha256=write_blob(settings.evidence_path, PDF),
        evidence_filename="notulen.pdf", evidence_media_type="application/pdf",
    )  # fmt: skip
    world["inside_photo"] = ReportPhoto(task_id=inside.id, sha256=write_blob(settings.evidence_path, PNG),
                                        filename="kelas.png", media_type="image/png", size_bytes=len(PNG),
                                        report_version=1, uploaded_at=now, uploaded_by_id=inside.case.assignee_user_id)  # fmt: skip
    session.add_all([world["open_follow_up"], world["done_follow_up"], world["inside_photo"]])
    session.flush()


def _values(world, role: str) -> dict:
    other = world["users"]["pusat" if role != "pusat" else "bpmp_staff"]
    return {
        "inside": world["inside"].id,
        "inside_npsn": world["inside"].npsn,
        "outside_npsn": world["outside"].npsn,
        "outside": world["outside"].id,
        "self_user": world["users"][role].id,
        "widyaprada_user": world["users"]["widyaprada"].id,
        "other_user": other.id,
        "inside_case": world["inside_case"].id,
        "outside_case": world["outside_case"].id,
        "inside_cycle": world["inside_cycle"].id,
        "outside_cycle": world["outside_cycle"].id,
        "evidence": world["evidence"].id,
        "inside_visit": world["inside_visit"].id,
        "inside_task": world["inside_task"].id,
        "outside_task": world["outside_task"].id,
        "open_follow_up": world["open_follow_up"].id,
        "done_follow_up": world["done_follow_up"].id,
        "inside_proposal": world["inside_proposal"].id,
        "outside_proposal": world["outside_proposal"].id,
        "revit_photo": world["revit_photo"].id,
        "inside_photo": world["inside_photo"].id,
        "inside_shipment": world["inside_shipment"].id,
        "inside_bimtek": world["inside_bimtek"].id,
        "inside_participant": world["inside_participant"].id,
        "inside_material": world["inside_material"].id,
        "inside_question": world["inside_question"].id,
        "inside_verval": world["inside_verval"].id,
        "inside_event": world["inside_event"].id,
        "inside_sos_material": world["inside_sos_material"].id,
        "draft_run": world["draft_run"].id,
        "published_run": world["published_run"].id,
        "exec_proposal": world["exec_proposal"].id,
        "selected_proposal": world["selected_proposal"].id,
        "selected_member": world["selected_member"].id,
        "exec_report": world["exec_report"].id,
        "exec_photo": world["exec_photo"].id,
        "facilitator_user": world["users"]["facilitator"].id,
    }


def _form(row, values) -> dict:
    data = {**DEFAULT_FORM, **(row[3] if len(row) > 3 else {})}
    out = {}
    for key, value in data.items():
        if isinstance(value, tuple):  # (bytes, filename): a file upload
            import io

            out[key] = (io.BytesIO(value[0]), value[1])
        else:
            out[key] = value.format(**values)
    return out


def request_row(client, row, values):
    """Send one matrix row as the logged-in client; the response."""
    method, template = row[0], row[1]
    path = template.format(**values)
    if method == "GET":
        return client.get(path)
    return post(client, path, _form(row, values), content_type="multipart/form-data")


def _in_run_order(matrix):
    return sorted(matrix, key=lambda row: row[1] == "/logout")


@pytest.mark.parametrize("role", ROLES)
def test_route_access_for_role(client, world_cases, role):
    world = world_cases
    response = login(client, world["users"][role])
    assert response.status_code == 302, f"{role} could not log in"
    values = _values(world, role)
    failures = []
    for row in _in_run_order(MATRIX):
        method, template, expected = row[:3]
        response = request_row(client, row, values)
        status = response.status_code
        response.close()
        if status != expected[role]:
            failures.append(f"{method} {template}: expected {expected[role]}, got {status}")
    assert not failures, f"{role}:\n" + "\n".join(failures)


def endpoint_of(app, method: str, path: str) -> str | None:
    """The endpoint ``method path`` reaches in ``app.url_map`` (None for a path no rule matches)."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def all_routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app serves, HEAD and OPTIONS aside (Flask adds them itself)."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def missing_routes(app, matrix) -> list[tuple[str, str]]:
    """(endpoint, method) pairs of the app that no row of ``matrix`` reaches."""
    sample = dict.fromkeys(
        ("inside", "outside", "self_user", "other_user", "inside_case", "outside_case", "inside_cycle",
         "outside_cycle", "evidence", "widyaprada_user", "inside_visit", "inside_task", "outside_task",
         "open_follow_up", "done_follow_up", "inside_photo", "inside_shipment", "inside_bimtek",
         "inside_participant", "inside_proposal", "outside_proposal", "revit_photo", "draft_run",
         "published_run", "inside_material", "inside_question", "inside_verval", "inside_event",
         "inside_sos_material", "exec_proposal", "selected_proposal", "selected_member", "exec_report",
         "exec_photo", "facilitator_user"), 1)  # fmt: skip
    reached = {(endpoint_of(app, row[0], row[1].format(**sample)), row[0]) for row in matrix}
    return sorted(all_routes(app) - reached)


def test_matrix_lists_every_route(app):
    missing = missing_routes(app, MATRIX)
    assert not missing, "routes without a row in MATRIX (add role × status rows):\n" + "\n".join(
        f"{method} {endpoint}" for endpoint, method in missing
    )
    for row in MATRIX:
        assert set(row[2]) == set(ROLES), f"{row[0]} {row[1]}: give a status for every role"


def test_matrix_check_notices_an_unlisted_route(app):
    without_act = [row for row in MATRIX if not (row[1].startswith("/kasus/") and "/aksi/" in row[1])]
    assert missing_routes(app, without_act) == [("cases.act", "POST")]
    assert len(all_routes(app)) >= 60  # 53 endpoints (static too), 63 endpoint × method pairs when written


def test_anonymous_is_sent_to_login(client, world_cases):
    values = _values(world_cases, "admin")
    public = {"/healthz", "/static/app.css", "/login", "/login/totp", "/login/totp/setup", "/logout"}
    public |= {"/widyaprada/tugas/sw.js", "/revitalisasi/sw.js"}  # the offline pages' service workers: code
    for method, template, expected, *_ in MATRIX:
        path = template.format(**values)
        if template in public:
            continue
        response = client.get(path) if method == "GET" else client.post(path)
        if set(expected.values()) == {404} and response.status_code == 404:
            continue  # a path that is not a route (or not an id) is not found before any login
        # A POST without a session has no CSRF token either: refused before anything else.
        assert response.status_code in ((302,) if method == "GET" else (400, 302)), path
        if method == "GET":
            assert "/login" in response.location


def test_directory_lists_only_schools_in_area(client, world):
    login(client, world["users"]["bpmp_staff"])
    html = client.get("/sekolah?q=SD+Negeri+1").get_data(as_text=True)
    assert "SD Negeri 1 Kupang" in html
    assert "SD Negeri 1 Surabaya" not in html
    html = client.get("/sekolah?provinsi=35").get_data(as_text=True)
    assert "SD Negeri 1 Surabaya" not in html


def test_school_operator_sees_only_own_school(client, world, session):
    from tests.factories import make_school

    neighbour = make_school(session, regency_code="53.71", name="SD Negeri 2 Kupang")
    login(client, world["users"]["school_operator"])
    html = client.get("/sekolah?q=Kupang").get_data(as_text=True)
    assert "SD Negeri 1 Kupang" in html and "SD Negeri 2 Kupang" not in html
    assert client.get(f"/sekolah/{neighbour.id}").status_code == 404
