"""``spmp demo seed`` and the development-only ``spmp users totp-code``."""

from __future__ import annotations

import sys

import click
import pyotp
from sqlalchemy import select

from spmp.accounts.models import User
from spmp.cli import AppContext, cli, pass_app
from spmp.demo_seed import DEMO_PASSWORD, DEMO_TOTP, seed_demo


@cli.commands["demo"].command("seed")
@click.option(
    "--schools",
    "count",
    type=click.IntRange(1, 1_000_000),
    default=20_000,
    show_default=True,
    help="Demo schools to generate when the database has none.",
)
@pass_app
def demo_seed(app: AppContext, count: int) -> None:
    """Reference data, demo schools and one demo user per role (idempotent)."""
    with (
        click.progressbar(length=count, label="Sekolah demo", file=sys.stderr) as bar,
        app.db.transaction() as session,
    ):
        created = seed_demo(session, schools=count, progress=bar.update)
    click.echo("")
    click.echo(f"Akun demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
    for demo, is_new in created:
        note = " (baru)" if is_new else ""
        click.echo(f"  {demo.username:<13} {demo.full_name}{note}")
    for username, secret in DEMO_TOTP.items():
        click.echo(
            f"  {username} wajib verifikasi dua langkah. Kunci TOTP demo: {secret}"
            f"  (kode saat ini: spmp users totp-code {username})"
        )


@cli.commands["users"].command("totp-code")
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
