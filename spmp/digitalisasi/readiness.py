"""Readiness of the target schools of a programme year, computed set-based in SQL.

The rule (one implementation: the SQL expressions of :func:`readiness_values`, used by the national
command and by the one-school recompute alike):

- the kit follows the internet class: ``stabil`` → panel only; ``terbatas`` → panel with modem;
  ``tidak_ada`` → offline content with off-grid power; unknown → no kit (reason ``internet_unknown``);
- electricity at least the threshold (``SPMP_DIGITAL_MIN_WATTS``, 2,200 W by default) for the two panel
  kits (``power_low`` / ``power_unknown``); the off-grid kit brings its own power, so there it is no
  condition;
- a safe room confirmed by the school (``no_safe_room``).

A school is ready when no reason remains. Each batch of 25,000 school ids is one UPDATE ... FROM school (rows whose result
changed) and one INSERT ... SELECT (targets not yet listed), so 440,000 schools are a few dozen statements, not 440,000 round trips
(``bench/digitalisasi_bench.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, insert, literal, or_, select, true, update
from sqlalchemy.orm import Session

from spmp import clock
from spmp.db import UTCDateTime
from spmp.digitalisasi.models import DigitalTarget, SafeRoom
from spmp.regions.models import Province
from spmp.schools.models import School

DEFAULT_MIN_WATTS = 2200

# code -> (why it is not ready, what would make it ready); {watts} and {threshold} are filled in.
REASONS = {
    "internet_unknown": (
        "Akses internet sekolah belum tercatat, sehingga paket perangkat belum dapat ditentukan.",
        "Isi akses internet (stabil, terbatas atau tidak ada) di Dapodik, lalu hitung ulang kesiapan.",
    ),
    "power_unknown": (
        "Daya listrik sekolah belum tercatat.",
        "Isi daya listrik (watt) di Dapodik; panel membutuhkan paling sedikit {threshold} W.",
    ),
    "power_low": (
        "Daya listrik {watts} W, di bawah batas {threshold} W untuk panel interaktif.",
        "Tambah daya listrik (PLN) menjadi paling sedikit {threshold} W dan perbarui data Dapodik.",
    ),
    "no_safe_room": (
        "Ruang aman untuk panel belum dikonfirmasi sekolah.",
        "Sekolah mengonfirmasi ruang yang dapat dikunci, kering dan memiliki stopkontak, di halaman ini.",
    ),
}


def _code(condition, code: str):
    return case((condition, literal(code + ",")), else_=literal(""))


def readiness_values(watts, internet, has_safe_room, threshold: int) -> dict:
    """Column values of ``DigitalTarget`` as SQL expressions of the school's electricity (W), internet
    class and safe-room flag."""
    kit = case(
        (internet == "stabil", literal("panel")),
        (internet == "terbatas", literal("panel_modem")),
        (internet == "tidak_ada", literal("offline_offgrid")),
        else_=None,
    )
    needs_grid = internet.is_(None) | (internet != "tidak_ada")
    reasons = func.rtrim(
        _code(internet.is_(None), "internet_unknown")
        .concat(_code(and_(needs_grid, watts.is_(None)), "power_unknown"))
        .concat(_code(and_(needs_grid, watts < threshold), "power_low"))
        .concat(_code(~has_safe_room, "no_safe_room")),
        ",",
    )
    return {
        "electricity_watts": watts,
        "internet_access": internet,
        "has_safe_room": has_safe_room,
        "threshold_watts": literal(threshold),
        "kit": kit,
        "reasons": reasons,
        # Every reason is a condition left unmet: ready exactly when none is.
        "is_ready": reasons == "",
    }


@dataclass
class ReadinessReport:
    year: int
    threshold: int
    added: int = 0
    changed: int = 0
    computed: int = 0
    ready: int = 0

    def summary(self) -> str:
        return (
            f"Kesiapan {self.year} (batas daya {_n(self.threshold)} W): {_n(self.computed)} sekolah dihitung, "
            f"{_n(self.added)} sasaran baru, {_n(self.changed)} berubah, {_n(self.ready)} siap, {_n(self.computed - self.ready)} belum siap"
        )


def _n(value: int) -> str:
    """1.234.567: thousands as Indonesian writes them."""
    return f"{value:,}".replace(",", ".")


BATCH = 25_000  # schools per statement pair: progress every few seconds, each a range scan


def _recompute(
    session: Session, year: int, threshold: int, schools, low: int, high: int
) -> tuple[int, int, int]:
    """Recompute the targets of ``year`` among the schools ``schools`` selects with ids in [low, high),
    then add the missing ones, computed as they are inserted; (schools, changed, added). Both sides are
    bounded by the id range, so each batch is index range scans, not a scan of every target of the year.
    Only rows whose result differs are rewritten: a recompute over unchanged data reads, not writes."""
    now = clock.now()
    in_range = and_(schools, School.id >= low, School.id < high)
    # The school's inputs with its safe room as one outer join (an EXISTS per use was three hashed
    # subplans over every safe room, per batch, on PostgreSQL).
    src = (
        select(
            School.id.label("school_id"),
            School.electricity_watts.label("watts"),
            School.internet_access.label("internet"),
            SafeRoom.school_id.is_not(None).label("room"),
        )  # fmt: skip
        .outerjoin(SafeRoom, SafeRoom.school_id == School.id)
        .where(in_range)
        .subquery("src")
    )
    values = readiness_values(src.c.watts, src.c.internet, src.c.room, threshold)
    differs = or_(*(getattr(DigitalTarget, name).is_distinct_from(value) for name, value in values.items()))
    connection = session.connection()
    changed = connection.execute(
        update(DigitalTarget)
        .where(
            DigitalTarget.school_id == src.c.school_id,
            DigitalTarget.year == year,
            DigitalTarget.school_id >= low,
            DigitalTarget.school_id < high,
            differs,
        )  # fmt: skip
        .values(**values, computed_at=now)
    ).rowcount
    # NOT IN, not NOT EXISTS: PostgreSQL then hashes the listed ids once; an anti-join planned on the
    # empty table's statistics rescanned the pages this very INSERT was adding, once per school.
    listed = select(DigitalTarget.school_id).where(
        DigitalTarget.year == year, DigitalTarget.school_id >= low, DigitalTarget.school_id < high
    )
    missing = select(literal(year), src.c.school_id, *values.values(), literal(now, UTCDateTime())).where(
        src.c.school_id.not_in(listed)
    )
    columns = ["year", "school_id", *values, "computed_at"]
    # Counted from RETURNING: an INSERT ... SELECT reports no row count through SQLAlchemy on psycopg.
    insert_missing = insert(DigitalTarget).from_select(columns, missing).returning(DigitalTarget.id)
    added = len(connection.execute(insert_missing).all())
    counted = connection.execute(select(func.count()).select_from(School).where(in_range)).scalar_one()
    return counted, changed, added


def compute_readiness(
    session: Session,
    year: int,
    *,
    threshold: int = DEFAULT_MIN_WATTS,
    province_code: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReadinessReport:
    """List every school of the province (or the nation) as a target of ``year`` and compute its
    readiness, in batches of school ids (``progress(done, total)`` counts schools). Flushes, never
    commits."""
    schools = true()
    if province_code is not None:
        if session.get(Province, province_code) is None:
            raise ValueError(f"Kode provinsi {province_code!r} tidak dikenal")
        schools = School.province_code == province_code
    # Batches of BATCH schools of the scope (a province's ids are spread over the whole id range).
    ids = session.scalars(select(School.id).where(schools).order_by(School.id)).all()
    total = len(ids)
    report = ReadinessReport(year, threshold)
    for first in range(0, total, BATCH):
        low, high = ids[first], ids[min(first + BATCH, total) - 1] + 1
        counted, changed, added = _recompute(session, year, threshold, schools, low, high)
        report.computed += counted
        report.changed += changed
        report.added += added
        if progress:
            progress(report.computed, total)
    report.ready = session.scalar(
        select(func.count())
        .select_from(DigitalTarget)
        .join(School, School.id == DigitalTarget.school_id)
        .where(DigitalTarget.year == year, DigitalTarget.is_ready, schools)
    )
    return report


def recompute_school(session: Session, school_id: int, threshold: int = DEFAULT_MIN_WATTS) -> None:
    """Recompute the school's readiness in every year it is a target of (after its safe room was
    confirmed, say). A school that is no target stays none."""
    years = session.scalars(select(DigitalTarget.year).where(DigitalTarget.school_id == school_id)).all()
    for year in years:
        _recompute(session, year, threshold, true(), school_id, school_id + 1)
    session.expire_all()


@dataclass(frozen=True)
class Explanation:
    reason: str
    remedy: str


def explain(target: DigitalTarget) -> list[Explanation]:
    """Why the target is not ready and what would make it ready, one line per reason, in Indonesian."""
    watts = _n(target.electricity_watts) if target.electricity_watts is not None else ""
    threshold = _n(target.threshold_watts)
    return [
        Explanation(*(text.format(watts=watts, threshold=threshold) for text in REASONS[code]))
        for code in target.reason_codes
        if code in REASONS
    ]
