"""``spmp digitalisasi open-verval`` (open the verval cases of a regency's target schools) and
``spmp digitalisasi remind-usage`` (the monthly usage reminder the scheduler sends, run once now). Each is one
transaction."""

from __future__ import annotations

import click

from spmp.cli import AppContext, pass_app
from spmp.digitalisasi.cli import digitalisasi


@digitalisasi.command("open-verval")
@click.option("--year", type=click.IntRange(2020, 2100), required=True, help="Tahun program.")
@click.option("--regency", required=True, help="Kode kabupaten/kota (mis. 53.71).")
@click.option("--as", "username", required=True, help="Staf atau kepala B/BPMP yang membuka.")
@pass_app
def open_verval(app: AppContext, year: int, regency: str, username: str) -> None:
    """Buka kasus verval untuk setiap sekolah sasaran kabupaten/kota yang belum memilikinya."""
    from spmp.digitalisasi.verval import open_cases
    from spmp.errors import Refusal
    from spmp.spmi.cli import _actor

    with app.db.transaction() as session:
        try:
            opened = open_cases(session, _actor(session, username), year, regency)
        except Refusal as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Verval dibuka: {opened} sekolah sasaran {regency} tahun {year}")


@digitalisasi.command("remind-usage")
@pass_app
def remind_usage(app: AppContext) -> None:
    """Ingatkan sekolah yang belum melapor penggunaan perangkat bulan lalu (sekali per sekolah per bulan)."""
    from spmp.scheduler import run_usage_reminders

    for line in run_usage_reminders(app.db):
        click.echo(line)
