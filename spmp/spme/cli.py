"""``spmp spme remind-expiring``: the accreditation expiry reminders (one transaction; for cron)."""

from __future__ import annotations

import click

from spmp.cli import AppContext, cli, pass_app


@cli.group()
def spme() -> None:
    """SPME: akreditasi dan kunjungan eksternal."""


@spme.command("remind-expiring")
@click.option(
    "--months",
    type=int,
    default=None,
    help="Jendela pengingat (bawaan: SPMP_ACCREDITATION_REMINDER_MONTHS atau 12).",
)
@pass_app
def remind_expiring(app: AppContext, months: int | None) -> None:
    """Kirim pengingat ke sekolah yang akreditasinya segera berakhir (sekali per keputusan)."""
    from spmp.spme.operations import send_expiry_reminders

    with app.db.transaction() as session:
        count = send_expiry_reminders(session, months=months)
    click.echo(f"Pengingat akreditasi dikirim untuk {count} sekolah")
