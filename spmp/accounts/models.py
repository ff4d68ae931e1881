"""People, their role and the org unit their role is scoped to, and Widyaprada school assignments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.db import Base, UTCDateTime
from spmp.regions.models import Province, Regency, Unit
from spmp.schools.models import School


class Role(StrEnum):
    SCHOOL_OPERATOR = "school_operator"
    PRINCIPAL = "principal"
    WIDYAPRADA = "widyaprada"
    BPMP_STAFF = "bpmp_staff"
    BPMP_HEAD = "bpmp_head"
    DINAS_PROVINCE = "dinas_province"
    DINAS_REGENCY = "dinas_regency"
    FACILITATOR = "facilitator"
    PUSAT = "pusat"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.SCHOOL_OPERATOR: "Operator Sekolah",
    Role.PRINCIPAL: "Kepala Sekolah",
    Role.WIDYAPRADA: "Widyaprada",
    Role.BPMP_STAFF: "Staf B/BPMP",
    Role.BPMP_HEAD: "Kepala B/BPMP",
    Role.DINAS_PROVINCE: "Dinas Pendidikan Provinsi",
    Role.DINAS_REGENCY: "Dinas Pendidikan Kabupaten/Kota",
    Role.FACILITATOR: "Fasilitator Perguruan Tinggi",
    Role.PUSAT: "Pusat (Kementerian)",
    Role.ADMIN: "Administrator",
}

SCHOOL_ROLES = (Role.SCHOOL_OPERATOR, Role.PRINCIPAL)
UNIT_ROLES = (Role.WIDYAPRADA, Role.BPMP_STAFF, Role.BPMP_HEAD, Role.FACILITATOR)
NATIONAL_ROLES = (Role.PUSAT, Role.ADMIN)
# Roles that must log in with a second factor (TOTP).
TOTP_REQUIRED_ROLES = (Role.PUSAT, Role.ADMIN)


def _roles_sql(roles) -> str:
    return ", ".join(f"'{r.value}'" for r in roles)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(f"role IN ({_roles_sql(Role)})", name="role"),
        # The scope column that matches the role must be set (and only that one).
        CheckConstraint(
            f"(role IN ({_roles_sql(SCHOOL_ROLES)})) = (school_id IS NOT NULL)", name="school_scope"
        ),
        CheckConstraint(f"(role IN ({_roles_sql(UNIT_ROLES)})) = (unit_id IS NOT NULL)", name="unit_scope"),
        CheckConstraint("(role = 'dinas_province') = (province_code IS NOT NULL)", name="province_scope"),
        CheckConstraint("(role = 'dinas_regency') = (regency_code IS NOT NULL)", name="regency_scope"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("regency.code"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, password change, role change and disable: every older session becomes invalid.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuses a replayed TOTP code
    wants_daily_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    province: Mapped[Province | None] = relationship()
    regency: Mapped[Regency | None] = relationship()

    # Flask-Login's user protocol, without importing Flask here. The id carries the session epoch, so a
    # session cookie issued before a logout or password change no longer loads a user.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @property
    def totp_required(self) -> bool:
        return self.role in TOTP_REQUIRED_ROLES

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None


class LoginThrottle(Base):
    """Failed sign-in steps counted per key (``pw:<username>``, ``pw:<username>|<address>``,
    ``totp:<user id>``, ``totp:<user id>|<address>``, ``pending:<nonce>``, ``notice:<user id>``) and the
    lock each one has earned. In the database, so every worker shares the counts (see accounts/throttle.py)."""

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchoolAssignment(Base):
    """A school in a Widyaprada's (or facilitator's) caseload; within their unit's area."""

    __tablename__ = "school_assignment"
    __table_args__ = (UniqueConstraint("user_id", "school_id", name="user_school"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    school: Mapped[School] = relationship()


# Why a Widyaprada may not be assigned to a school (recorded by an administrator).
CONFLICT_KINDS = {
    "former_school": "Bekas sekolah (pernah bertugas/mengajar di sana)",
    "relative_school": "Sekolah kerabat",
    "other": "Lainnya",
}


class ConflictOfInterest(Base):
    """A conflict of interest between a person (a Widyaprada) and a school: they may not be made that
    school's assignee anywhere (caseload, cases, tasks, visits). Removing one is audited."""

    __tablename__ = "conflict_of_interest"
    __table_args__ = (
        UniqueConstraint("user_id", "school_id", name="uq_conflict_of_interest_user_school"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in CONFLICT_KINDS)})", name="kind"),
        Index("ix_conflict_of_interest_school", "school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    school: Mapped[School] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def kind_label(self) -> str:
        return CONFLICT_KINDS.get(self.kind, self.kind)
