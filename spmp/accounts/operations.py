"""Use cases for people: create, authenticate (with lockout), change password/role, disable, TOTP,
Widyaprada school assignment. Each takes a session, flushes, and never commits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import school_scope, unit_provinces
from spmp.accounts import conflicts, throttle
from spmp.accounts.models import SCHOOL_ROLES, UNIT_ROLES, LoginThrottle, Role, SchoolAssignment, User
from spmp.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from spmp.errors import Refusal
from spmp.regions.models import Province, Regency, Unit
from spmp.schools.models import School

TOTP_ISSUER = "SPMP"


def _audit_account(session: Session, actor: User | None, action: str, user: User, changes: dict) -> None:
    """Account administration and logins go into the same tamper-evident audit trail as the cases
    (failed attempts on an unknown username are not: they name no account, and the login rate limit
    already meets them)."""
    from spmp import audit  # late import: audit imports the engine's fast SQL helpers

    session.flush()
    audit.append(
        session,
        action=f"user.{action}",
        actor_id=actor.id if actor else None,
        changes={"user_id": user.id, "username": user.username, **changes},
    )


# After NFKC and lower-casing: ASCII only, so no look-alike ("аdmin" with a Cyrillic а) of another name.
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{1,80}", re.ASCII)


class AccountError(Refusal, ValueError):
    """A request about an account that cannot be carried out; the message is for the user (Indonesian)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scope:
    """The org unit a role is scoped to; only the one matching the role is used."""

    school_npsn: str | None = None
    unit_code: str | None = None
    province_code: str | None = None
    regency_code: str | None = None


def _resolve_scope(session: Session, role: Role, scope: Scope) -> dict:
    values = {"school_id": None, "unit_id": None, "province_code": None, "regency_code": None}
    if role in SCHOOL_ROLES:
        school_id = session.scalar(select(School.id).where(School.npsn == (scope.school_npsn or "")))
        if school_id is None:
            raise AccountError(f"Sekolah dengan NPSN {scope.school_npsn!r} tidak ditemukan.", "school_npsn")
        values["school_id"] = school_id
    elif role in UNIT_ROLES:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == (scope.unit_code or "")))
        if unit_id is None:
            raise AccountError(f"Unit B/BPMP {scope.unit_code!r} tidak ditemukan.", "unit_code")
        values["unit_id"] = unit_id
    elif role == Role.DINAS_PROVINCE:
        if session.get(Province, scope.province_code or "") is None:
            raise AccountError(f"Provinsi {scope.province_code!r} tidak ditemukan.", "province_code")
        values["province_code"] = scope.province_code
    elif role == Role.DINAS_REGENCY:
        if session.get(Regency, scope.regency_code or "") is None:
            raise AccountError(f"Kabupaten/kota {scope.regency_code!r} tidak ditemukan.", "regency_code")
        values["regency_code"] = scope.regency_code
    return values


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"Peran {role!r} tidak dikenal.", "role") from None


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str,
    scope: Scope = Scope(),
    email: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an active user with a role scoped to an org unit (``actor``: who did it, None for the CLI)."""
    username = normalize_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError(
            "Nama pengguna 1–80 karakter: hanya huruf latin a–z, angka 0–9, titik, garis bawah dan minus "
            "(huruf yang mirip dari abjad lain, misalnya Kiril, tidak diterima).",
            "username",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"Nama pengguna {username!r} sudah dipakai.", "username")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "password")
    role_enum = _parse_role(role)
    now = clock.now()
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email or None,
        role=role_enum.value,
        password_hash=hash_password(password),
        created_at=now,
        password_changed_at=now,
        session_epoch=0,
        failed_logins=0,
        is_active=True,
        wants_daily_digest=False,
        **_resolve_scope(session, role_enum, scope),
    )
    session.add(user)
    session.flush()
    _audit_account(session, actor, "create", user, {"role": user.role, "scope": _scope_values(user)})
    return user


def _scope_values(user: User) -> dict:
    return {
        "school_id": user.school_id,
        "unit_id": user.unit_id,
        "province_code": user.province_code,
        "regency_code": user.regency_code,
    }


# --- authentication ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None


# Wrong passwords for one username are counted from each address (locks that pair after the threshold)
# and from all addresses together (locks the account after ACCOUNT_FACTOR times as many). Both back off
# and are capped at throttle.MAX_MINUTES, so nobody can keep an account locked for long, and a stranger
# typing wrong passwords from elsewhere locks only their own address first.
ACCOUNT_FACTOR = 4
# Wrong second-factor codes: per pending login (then the password step must be repeated), per account and
# address, and per account.
TOTP_PENDING_LIMIT = 5
TOTP_PAIR_THRESHOLD = 5
TOTP_ACCOUNT_THRESHOLD = 10
NOTICE_QUIET = timedelta(minutes=15)
GENERIC_LOGIN_ERROR = "Nama pengguna atau kata sandi salah."


def normalize_username(raw: str) -> str:
    """The form a username is stored and looked up in: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", raw or "").strip().lower()


def authenticate(
    session: Session, username: str, password: str, *, lockout_threshold: int, address: str = "-"
) -> LoginResult:
    """Check a username and password. An unknown username gets the same work (a hash is always checked),
    the same counting and the same messages as a known one, so neither timing nor wording tells them
    apart. Failures are counted per username and address and per username (see ACCOUNT_FACTOR)."""
    name = normalize_username(username)[:80]
    now = clock.now()
    user = session.scalar(select(User).where(User.username == name))
    # Always verify (against a dummy hash for an unknown user), before anything else can answer.
    password_ok = verify_password(user.password_hash if user is not None else None, password)
    keys = [f"pw:{name}|{address}", f"pw:{name}"]
    locked = throttle.locked_until(session, keys, now)
    if locked is not None:
        return LoginResult(None, _locked_message(locked))
    if user is None or not password_ok:
        pair_count, pair_lock = throttle.fail(session, keys[0], lockout_threshold, now)
        _, account_lock = throttle.fail(session, keys[1], lockout_threshold * ACCOUNT_FACTOR, now)
        lock = max((t for t in (pair_lock, account_lock) if t is not None), default=None)
        if user is not None:
            user.failed_logins += 1
            if lock is not None:
                user.locked_until = lock
            _audit_account(session, None, "login_failed", user, {
                "reason": "kata sandi salah", "failed_logins": user.failed_logins, "address": address,
                "locked_until": lock, "locked": None if lock is None else (
                    "akun" if lock == account_lock else "akun dan alamat"),
            })  # fmt: skip
            if lock is not None:
                _notify_lockout(session, user, lock, address, "kata sandi salah", lock == account_lock, now)
        return LoginResult(None, _locked_message(lock) if lock is not None else GENERIC_LOGIN_ERROR)
    if not user.is_active:
        _audit_account(session, None, "login_failed", user, {"reason": "akun nonaktif"})
        return LoginResult(None, "Akun ini dinonaktifkan. Hubungi administrator.")
    throttle.clear(session, keys)
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return LoginResult(user)


def account_locked_until(session: Session, user: User) -> datetime | None:
    """The end of a lock on the account from every address (password or second factor), or None."""
    return throttle.locked_until(session, [f"pw:{user.username}", f"totp:{user.id}"], clock.now())


def _locked_message(until: datetime) -> str:
    wib = until + timedelta(hours=7)
    return (
        "Akun terkunci sementara karena terlalu banyak percobaan masuk yang gagal. "
        f"Coba lagi setelah pukul {wib:%H:%M} WIB."
    )


def _notify_lockout(
    session: Session, user: User, until: datetime, address: str, reason: str, everywhere: bool, now: datetime
) -> None:
    """Tell the account's owner and every active administrator (in-app and e-mail outbox) that the
    account was locked, at most once per account per NOTICE_QUIET."""
    from spmp.notifications.operations import notify  # late import: notifications imports accounts

    if not throttle.first_time_since(session, f"notice:{user.id}", now, NOTICE_QUIET):
        return
    wib = until + timedelta(hours=7)
    admins = session.scalars(
        select(User).where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
    ).all()
    title = f"Akun {user.username} dikunci sementara"
    detail = (
        f"Terlalu banyak percobaan masuk yang gagal ({reason}) pada akun {user.username}, "
        f"terakhir dari alamat {address}. "
        + ("Akun ini" if everywhere else "Percobaan dari alamat itu")
        + f" ditolak sementara sampai pukul {wib:%H:%M} WIB."
    )
    notify(session, user, "info", title, detail + (
        " Jika itu bukan Anda, segera ganti kata sandi dan beri tahu administrator."), now)  # fmt: skip
    for admin in admins:
        notify(session, admin, "info", title, detail, now)


def record_login(session: Session, user: User) -> None:
    """A completed login (password and, where required, the second factor): noted and audited."""
    user.last_login_at = clock.now()
    _audit_account(session, user, "login", user, {})


def end_all_sessions(session: Session, user: User) -> None:
    """Invalidate every session of the user (logout, password change, role change, disable)."""
    session.execute(
        User.__table__.update().where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
    )
    session.refresh(user, ["session_epoch"])


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("Kata sandi saat ini salah.", "current_password")
    set_password(session, user, new)


def set_password(session: Session, user: User, new: str, actor: User | None = None) -> None:
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    user.failed_logins = 0
    user.locked_until = None
    throttle.clear_account(session, user.username, user.id)
    session.flush()
    end_all_sessions(session, user)
    _audit_account(
        session, actor or user, "password", user, {"by_admin": actor is not None and actor.id != user.id}
    )


def change_role(session: Session, user: User, role: str, scope: Scope, actor: User | None = None) -> None:
    """Set the role and its scope; ends every session of the user (a scope change matters as much as a
    role change) and drops caseload schools that the new role or unit no longer covers."""
    role_enum = _parse_role(role)
    before = {"role": user.role, **_scope_values(user)}
    for name, value in _resolve_scope(session, role_enum, scope).items():
        setattr(user, name, value)
    user.role = role_enum.value
    session.flush()
    stale = delete(SchoolAssignment).where(SchoolAssignment.user_id == user.id)
    if role_enum in (Role.WIDYAPRADA, Role.FACILITATOR):
        in_area = select(School.id).where(School.province_code.in_(unit_provinces(user.unit_id)))
        stale = stale.where(SchoolAssignment.school_id.not_in(in_area))
    session.execute(stale)
    end_all_sessions(session, user)
    _audit_account(
        session, actor, "role", user, {"before": before, "after": {"role": user.role, **_scope_values(user)}}
    )


def set_active(session: Session, user: User, active: bool, actor: User | None = None) -> None:
    user.is_active = active
    if active:  # enabling is also how an administrator lifts a lockout
        user.failed_logins = 0
        user.locked_until = None
        throttle.clear_account(session, user.username, user.id)
    session.flush()
    if not active:
        end_all_sessions(session, user)
    _audit_account(session, actor, "enable" if active else "disable", user, {})


# --- TOTP ----------------------------------------------------------------------------------------------
def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str | None) -> int | None:
    """The time step whose code ``code`` is (one step of clock drift allowed), or None."""
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit() or not code.isascii() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(clock.now().timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * totp.interval) == code:
            return candidate
    return None


def verify_totp(session: Session, user: User, code: str, secret: str | None = None) -> bool:
    """Check a 6-digit code of the user's secret (one step of clock drift allowed); a code is accepted
    only once."""
    step = _matching_step(secret or user.totp_secret, code)
    if step is None or (user.totp_last_step or -1) >= step:
        return False
    user.totp_last_step = step
    session.flush()
    return True


@dataclass(frozen=True)
class SecondFactorResult:
    ok: bool
    error: str | None = None
    restart: bool = False  # the pending login is used up: back to the password step


def check_second_factor(
    session: Session, user: User, code: str, *, pending_key: str, address: str = "-"
) -> SecondFactorResult:
    """The code step of a login. Wrong codes are counted per pending login (TOTP_PENDING_LIMIT, then the
    password must be given again), per account and address and per account (back-off, capped, owner and
    admins told); each is audited."""
    now = clock.now()
    used = session.get(LoginThrottle, pending_key)
    if used is not None and used.failures >= TOTP_PENDING_LIMIT:
        return SecondFactorResult(
            False, "Terlalu banyak kode verifikasi yang salah. Silakan masuk kembali.", True
        )
    keys = [f"totp:{user.id}|{address}", f"totp:{user.id}"]
    locked = throttle.locked_until(session, keys, now)
    if locked is not None:
        wib = locked + timedelta(hours=7)
        return SecondFactorResult(
            False, f"Terlalu banyak kode verifikasi yang salah. Coba lagi setelah pukul {wib:%H:%M} WIB."
        )
    if verify_totp(session, user, code):
        throttle.clear(session, [*keys, pending_key])
        return SecondFactorResult(True)
    pending_count, _ = throttle.fail(session, pending_key, TOTP_PENDING_LIMIT, now)
    _, pair_lock = throttle.fail(session, keys[0], TOTP_PAIR_THRESHOLD, now)
    account_count, account_lock = throttle.fail(session, keys[1], TOTP_ACCOUNT_THRESHOLD, now)
    lock = max((t for t in (pair_lock, account_lock) if t is not None), default=None)
    _audit_account(session, None, "login_failed", user, {
        "reason": "kode verifikasi salah", "failures": account_count, "address": address,
        "locked_until": lock,
    })  # fmt: skip
    if lock is not None:
        _notify_lockout(session, user, lock, address, "kode verifikasi salah", lock == account_lock, now)
    if pending_count >= TOTP_PENDING_LIMIT:
        return SecondFactorResult(
            False, "Terlalu banyak kode verifikasi yang salah. Silakan masuk kembali.", restart=True
        )
    return SecondFactorResult(False, "Kode verifikasi salah atau kedaluwarsa.")


def enable_totp(session: Session, user: User, secret: str, code: str) -> None:
    """First enrolment of a second factor, for an account that has none. An account that already has
    one re-enrols with ``reenrol_totp`` (password and current code) or after an admin's ``reset_totp``."""
    if user.totp_enabled:
        raise AccountError(
            "Verifikasi dua langkah sudah aktif. Untuk mengganti perangkat diperlukan kata sandi dan kode saat ini."
        )
    step = _matching_step(secret, code)
    if step is None:
        raise AccountError("Kode verifikasi salah atau kedaluwarsa.", "code")
    user.totp_secret = secret
    user.totp_last_step = step
    session.flush()
    _audit_account(session, user, "totp_enrol", user, {"reenrol": False})


def reenrol_totp(
    session: Session, user: User, password: str, current_code: str, secret: str, code: str
) -> None:
    """Move the second factor to a new secret: needs the password AND a current code of the old one."""
    if not user.totp_enabled:
        raise AccountError("Verifikasi dua langkah belum aktif.")
    now = clock.now()
    key = f"totp:{user.id}"  # shares the account's count of wrong codes at login
    locked = throttle.locked_until(session, [key], now)
    if locked is not None:
        wib = locked + timedelta(hours=7)
        raise AccountError(f"Terlalu banyak percobaan yang salah. Coba lagi setelah pukul {wib:%H:%M} WIB.")
    for ok, reason, message, field in (
        (lambda: verify_password(user.password_hash, password or ""), "kata sandi salah", "Kata sandi salah.",
         "password"),
        (lambda: verify_totp(session, user, current_code), "kode saat ini salah",
         "Kode verifikasi saat ini salah atau kedaluwarsa.", "current_code"),
    ):  # fmt: skip
        if not ok():
            _, lock = throttle.fail(session, key, TOTP_ACCOUNT_THRESHOLD, now)
            _audit_account(
                session, user, "totp_enrol_refused", user, {"reason": reason, "locked_until": lock}
            )
            raise AccountError(message, field)
    step = _matching_step(secret, code)
    if step is None:
        raise AccountError("Kode verifikasi perangkat baru salah atau kedaluwarsa.", "code")
    user.totp_secret = secret
    user.totp_last_step = max(step, user.totp_last_step or -1)
    session.flush()
    _audit_account(session, user, "totp_enrol", user, {"reenrol": True})


def reset_totp(session: Session, user: User, actor: User | None = None) -> None:
    """An administrator's (or the server operator's, ``actor=None``) reset of a lost second factor: the
    secret is removed and every session ended; a role that requires TOTP enrols anew at the next login."""
    if actor is not None and actor.id == user.id:
        raise AccountError("Anda tidak dapat mengatur ulang verifikasi dua langkah akun Anda sendiri.")
    had = user.totp_enabled
    user.totp_secret = None
    user.totp_last_step = None
    session.flush()
    end_all_sessions(session, user)
    _audit_account(session, actor, "totp_reset", user, {"had_second_factor": had})


def disable_totp(session: Session, user: User) -> None:
    if user.totp_required:
        raise AccountError("Peran ini wajib memakai verifikasi dua langkah.")
    user.totp_secret = None
    user.totp_last_step = None
    session.flush()
    _audit_account(session, user, "totp_reset", user, {"had_second_factor": True})


# --- Widyaprada caseload -------------------------------------------------------------------------------
def assign_schools(session: Session, actor: User, user: User, npsns: list[str]) -> int:
    """Add schools (by NPSN) to a Widyaprada's or facilitator's caseload; all must lie in their unit's area."""
    if user.role not in (Role.WIDYAPRADA, Role.FACILITATOR):
        raise AccountError("Hanya Widyaprada atau fasilitator yang dapat diberi sekolah binaan.")
    wanted = sorted({n.strip() for n in npsns if n.strip()})
    found = dict(
        session.execute(
            select(School.npsn, School.id).where(
                School.npsn.in_(wanted), School.province_code.in_(unit_provinces(user.unit_id))
            )
        ).all()
    )
    missing = [n for n in wanted if n not in found]
    if missing:
        raise AccountError(
            "NPSN tidak ditemukan di wilayah unit pengguna: "
            + ", ".join(missing[:20])
            + (f" (dan {len(missing) - 20} lainnya)" if len(missing) > 20 else ""),
            "npsns",
        )
    conflicts.check_no_conflict(session, user.id, found.values())
    already = set(
        session.scalars(select(SchoolAssignment.school_id).where(SchoolAssignment.user_id == user.id))
    )
    now = clock.now()
    new_ids = [sid for sid in found.values() if sid not in already]
    session.add_all(
        SchoolAssignment(user_id=user.id, school_id=sid, assigned_by_id=actor.id, assigned_at=now)
        for sid in new_ids
    )
    session.flush()
    if new_ids:
        _audit_account(session, actor, "assign", user, {"school_ids": sorted(new_ids)})
    return len(new_ids)


def unassign_school(session: Session, actor: User, user: User, school_id: int) -> None:
    """Remove a school from a caseload (audited)."""
    removed = session.execute(
        delete(SchoolAssignment).where(
            SchoolAssignment.user_id == user.id, SchoolAssignment.school_id == school_id
        )
    ).rowcount
    if removed:
        _audit_account(session, actor, "unassign", user, {"school_ids": [school_id]})


def assigned_schools(session: Session, user: User) -> list[School]:
    return list(
        session.scalars(
            select(School)
            .join(SchoolAssignment, SchoolAssignment.school_id == School.id)
            .where(SchoolAssignment.user_id == user.id)
            .order_by(School.name_key)
        )
    )


def count_visible_schools(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(School).where(school_scope(user)))
