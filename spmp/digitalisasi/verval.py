"""Verval of the Digitalisasi target schools' data by the B/BPMP (``workflows/digitalisasi_verval.yaml``):
one case per target school of a programme year, opened by the unit for a regency's targets; the verifier
accepts, rejects or returns it to the school or the Dinas with a reason code and a comment (engine steps:
audited, with their notices); the readiness is recomputed before every step, so the verifier decides on the
school's current data. The queue and the decision history are the shared verval pattern (``spmp.verval``).
Operations take the session and the acting user, flush and never commit."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from spmp import verval
from spmp.access import school_scope
from spmp.accounts.models import NATIONAL_ROLES, Role, User
from spmp.digitalisasi import permissions
from spmp.digitalisasi.field_models import VERVAL_REASONS, VervalCase
from spmp.digitalisasi.models import KITS, DigitalTarget
from spmp.digitalisasi.readiness import DEFAULT_MIN_WATTS, recompute_school
from spmp.engine import fire, get_case, get_definition, open_case
from spmp.engine.cases import CaseRecord
from spmp.engine.permissions import case_scope
from spmp.errors import Refusal
from spmp.export import stream_rows
from spmp.regions.names import region_names
from spmp.schools.models import School

WORKFLOW = "digitalisasi_verval"
# The step each role works on: the B/BPMP (and Pusat, admin) verify; a Dinas and a school correct what was
# returned to them.
QUEUE_STATES = {
    Role.BPMP_STAFF: "verval",
    Role.BPMP_HEAD: "verval",
    **dict.fromkeys(NATIONAL_ROLES, "verval"),
    Role.DINAS_REGENCY: "perbaikan_dinas",
    Role.DINAS_PROVINCE: "perbaikan_dinas",
    Role.SCHOOL_OPERATOR: "perbaikan_sekolah",
    Role.PRINCIPAL: "perbaikan_sekolah",
}
MAX_OPEN = 5_000  # one regency's targets at a time (the largest regency has a few thousand schools)


class VervalRefused(Refusal):
    """A verval action refused; the message says why, in Indonesian."""


def queue_state(user: User) -> str | None:
    return verval.queue_state(user, QUEUE_STATES)


def open_cases(session: Session, user: User, year: int, regency_code: str) -> int:
    """Open the verval case of every target school of ``year`` in the regency (within the user's area) that
    has none; returns how many were opened. Each is an engine case (audited, with its deadlines)."""
    if not permissions.can_open_verval(user):
        raise VervalRefused("Hanya staf atau kepala B/BPMP yang dapat membuka verval data sasaran.")
    query = (
        select(DigitalTarget.id, School.id, School.name)
        .join(School, School.id == DigitalTarget.school_id)
        .outerjoin(VervalCase, VervalCase.target_id == DigitalTarget.id)
        .where(DigitalTarget.year == year, School.regency_code == regency_code, school_scope(user))
        .where(VervalCase.id.is_(None))
        .order_by(School.name_key, School.id)
    )
    rows = session.execute(query.limit(MAX_OPEN + 1)).all()
    if len(rows) > MAX_OPEN:
        raise VervalRefused(f"Lebih dari {MAX_OPEN} sasaran sekaligus: buka per kabupaten/kota.")
    for target_id, school_id, name in rows:
        case = open_case(session, user, WORKFLOW, title=f"Verval sasaran Digitalisasi {year} — {name}"[:200],
                         school_id=school_id)  # fmt: skip
        session.add(VervalCase(case_id=case.id, target_id=target_id, year=year, school_id=school_id))
    session.flush()
    return len(rows)


def _base(user: User, year: int | None) -> Select:
    query = (
        select(VervalCase, CaseRecord, School, DigitalTarget)
        .join(CaseRecord, CaseRecord.id == VervalCase.case_id)
        .join(School, School.id == VervalCase.school_id)
        .join(DigitalTarget, DigitalTarget.id == VervalCase.target_id)
        .where(case_scope(user))
    )
    return query.where(VervalCase.year == year) if year else query


def queue_query(user: User, year: int | None = None, state: str | None = None) -> Select | None:
    """The cases waiting in ``state`` (default: the user's own step), oldest first; None: the user's role has
    no step in the verval (no queue at all)."""
    own = queue_state(user)
    if own is None:
        return None
    state = state or own
    return verval.waiting_oldest_first(_base(user, year), state)


def load(session: Session, user: User, verval_id: int) -> VervalCase:
    """The verval case, if the user may see its case (``CaseNotFound`` otherwise)."""
    from spmp.engine import CaseNotFound

    record = session.get(VervalCase, verval_id)
    if record is None:
        raise CaseNotFound("Kasus verval tidak ditemukan")
    get_case(session, user, record.case_id)
    return record


def school_cases(session: Session, user: User, school_id: int) -> list[VervalCase]:
    """The school's verval cases the user may see, newest year first (the school page)."""
    query = (
        select(VervalCase).join(CaseRecord, CaseRecord.id == VervalCase.case_id)
        .where(VervalCase.school_id == school_id, case_scope(user)).order_by(VervalCase.year.desc())
    )  # fmt: skip
    return list(session.scalars(query))


def target_of(session: Session, record: VervalCase) -> DigitalTarget:
    return session.get(DigitalTarget, record.target_id)


def act(
    session: Session, user: User, verval_id: int, trigger: str, seen_version: int,
    inputs: Mapping[str, str] | None = None, reason: str | None = None, *, threshold: int = DEFAULT_MIN_WATTS,
):  # fmt: skip
    """Fire a verval step through the engine (role, scope, reason code and comment as inputs, audit and
    notices are the engine's), after recomputing the school's readiness so the decision sees today's data."""
    record = load(session, user, verval_id)
    recompute_school(session, record.school_id, threshold)
    return fire(session, record.case_id, trigger, user, seen_version, inputs=inputs, reason=reason)


def state_label(state: str) -> str:
    return get_definition(WORKFLOW).label(state)


EXPORT_HEADER = ("No. kasus", "Tahun", "NPSN", "Sekolah", "Kabupaten/Kota", "Provinsi", "Status",
                 "Masuk status (UTC)", "Daya listrik (W)", "Internet", "Ruang aman", "Paket", "Siap",
                 "Kode alasan terakhir")  # fmt: skip


def export_rows(session: Session, statement: Select):
    names = region_names(session)
    for record, case, school, target in stream_rows(session, statement):
        last = [d for d in verval.decisions(session, case) if d.reason_code]
        yield (case.id, record.year, school.npsn, school.name, names.regency(school.regency_code),
               names.province(school.province_code), state_label(case.state),
               case.state_entered_at.strftime("%Y-%m-%d %H:%M"), target.electricity_watts, target.internet_access,
               "ya" if target.has_safe_room else "tidak", KITS.get(target.kit or "", ""),
               "ya" if target.is_ready else "tidak",
               VERVAL_REASONS.get(last[-1].reason_code, "") if last else "")  # fmt: skip
