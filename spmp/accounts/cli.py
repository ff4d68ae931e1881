"""``spmp users ...``: manage people from the command line."""

from __future__ import annotations

import click
import pyotp
from sqlalchemy import select

from spmp.accounts import operations as accounts
from spmp.accounts.models import ROLE_LABELS, User
from spmp.cli import AppContext, cli, pass_app


@cli.group()
def users() -> None:
    """Pengguna, peran dan cakupannya."""


def _get_user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == accounts.normalize_username(username)))
    if user is None:
        raise click.ClickException(f"Pengguna {username!r} tidak ditemukan.")
    return user


ROLE_HELP = "; ".join(f"{r.value} = {label}" for r, label in ROLE_LABELS.items())


@users.command("create")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", required=True, help=ROLE_HELP)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--email")
@click.option("--school", "school_npsn", help="NPSN, for school operators and principals.")
@click.option(
    "--unit",
    "unit_code",
    help="B/BPMP unit code (e.g. BPMP-NTT), for Widyaprada, B/BPMP staff/head, facilitators.",
)
@click.option("--province", "province_code", help="Province code (e.g. 53), for Dinas Provinsi.")
@click.option("--regency", "regency_code", help="Regency code (e.g. 53.71), for Dinas Kab/Kota.")
@pass_app
def users_create(
    app: AppContext,
    username,
    full_name,
    role,
    password,
    email,
    school_npsn,
    unit_code,
    province_code,
    regency_code,
) -> None:
    """Create a user with a role scoped to an org unit."""
    scope = accounts.Scope(
        school_npsn=school_npsn, unit_code=unit_code, province_code=province_code, regency_code=regency_code
    )
    try:
        with app.db.transaction() as session:
            user = accounts.create_user(
                session,
                username=username,
                full_name=full_name,
                password=password,
                role=role,
                scope=scope,
                email=email,
            )
            click.echo(f"Pengguna {user.username} dibuat ({user.role_label}).")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("list")
@pass_app
def users_list(app: AppContext) -> None:
    """List users."""
    with app.db.transaction(write=False) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "aktif" if user.is_active else "nonaktif"
            click.echo(f"{user.username:<24} {user.role_label:<32} {state}")


@users.command("set-role")
@click.argument("username")
@click.option("--role", required=True, help=ROLE_HELP)
@click.option("--school", "school_npsn")
@click.option("--unit", "unit_code")
@click.option("--province", "province_code")
@click.option("--regency", "regency_code")
@pass_app
def users_set_role(
    app: AppContext, username, role, school_npsn, unit_code, province_code, regency_code
) -> None:
    """Change a user's role and scope (ends all their sessions)."""
    try:
        with app.db.transaction() as session:
            accounts.change_role(
                session,
                _get_user(session, username),
                role,
                accounts.Scope(
                    school_npsn=school_npsn,
                    unit_code=unit_code,
                    province_code=province_code,
                    regency_code=regency_code,
                ),
            )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Peran diubah; semua sesi pengguna diakhiri.")


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@pass_app
def users_set_password(app: AppContext, username, password) -> None:
    """Set a user's password (ends all their sessions)."""
    try:
        with app.db.transaction() as session:
            accounts.set_password(session, _get_user(session, username), password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Kata sandi diganti.")


@users.command("disable")
@click.argument("username")
@pass_app
def users_disable(app: AppContext, username) -> None:
    """Disable an account (ends all its sessions)."""
    with app.db.transaction() as session:
        accounts.set_active(session, _get_user(session, username), False)
    click.echo("Akun dinonaktifkan.")


@users.command("enable")
@click.argument("username")
@pass_app
def users_enable(app: AppContext, username) -> None:
    """Re-enable an account and clear its lockout."""
    with app.db.transaction() as session:
        accounts.set_active(session, _get_user(session, username), True)
    click.echo("Akun diaktifkan.")


@users.command("assign")
@click.argument("username")
@click.argument("npsns", nargs=-1, required=True)
@pass_app
def users_assign(app: AppContext, username, npsns) -> None:
    """Add schools (NPSN) to a Widyaprada's or facilitator's caseload."""
    try:
        with app.db.transaction() as session:
            user = _get_user(session, username)
            added = accounts.assign_schools(session, user, user, list(npsns))
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{added} sekolah ditambahkan.")


@users.command("reset-totp")
@click.argument("username")
@pass_app
def users_reset_totp(app: AppContext, username: str) -> None:
    """Remove a user's second factor (lost device); audited, ends all their sessions. A role that
    requires TOTP enrols a new device at the next login."""
    with app.db.transaction() as session:
        accounts.reset_totp(session, _get_user(session, username))
    click.echo(
        "Verifikasi dua langkah diatur ulang; pengguna mendaftarkan perangkat baru saat masuk berikutnya."
    )


@users.command("totp-code")
@click.argument("username")
@pass_app
def users_totp_code(app: AppContext, username: str) -> None:
    """Development only: print a user's current TOTP code (for the demo accounts)."""
    if app.settings.is_production:
        raise click.ClickException("Perintah ini hanya tersedia dalam mode pengembangan.")
    with app.db.transaction(write=False) as session:
        user = session.scalar(select(User).where(User.username == username.lower()))
        if user is None or not user.totp_secret:
            raise click.ClickException(f"Pengguna {username!r} tidak ada atau tidak memakai TOTP.")
        click.echo(pyotp.TOTP(user.totp_secret).now())
