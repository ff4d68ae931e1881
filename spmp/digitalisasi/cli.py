"""``spmp digitalisasi readiness``: list the target schools of a programme year and compute their
readiness, with progress (one transaction)."""

from __future__ import annotations

import sys

import click

from spmp.cli import AppContext, cli, pass_app


@cli.group()
def digitalisasi() -> None:
    """Digitalisasi Pembelajaran: sasaran dan kesiapan sekolah."""


@digitalisasi.command("readiness")
@click.option("--year", type=click.IntRange(2020, 2100), required=True, help="Tahun program.")
@click.option("--province", default=None, help="Batasi ke satu kode provinsi (mis. 53).")
@pass_app
def readiness(app: AppContext, year: int, province: str | None) -> None:
    """Hitung kesiapan setiap sekolah dalam cakupan (daya listrik, kelas internet dan paket, ruang aman)."""
    from spmp.digitalisasi.readiness import compute_readiness

    threshold = app.settings.digital_min_watts
    with (
        app.db.transaction() as session,
        click.progressbar(length=1, label="Menghitung kesiapan", file=sys.stderr) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = compute_readiness(
                session, year, threshold=threshold, province_code=province, progress=progress
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
