"""``spmp demo seed``: reference data, demo schools, demo users and demo work."""

from __future__ import annotations

import sys

import click

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
        created = seed_demo(
            session, schools=count, progress=bar.update, evidence_path=app.settings.evidence_path
        )
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
