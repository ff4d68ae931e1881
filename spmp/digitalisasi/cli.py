"""``spmp digitalisasi readiness``: list the target schools of a programme year and compute their
readiness, with progress (one transaction)."""

from __future__ import annotations

import sys
from pathlib import Path

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


@digitalisasi.command("import-shipments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(2020, 2100), required=True, help="Tahun program.")
@click.option("--as", "username", required=True, help="Pengguna B/BPMP atau Pusat yang mengimpor.")
@click.option("--supplier", default="", help="Nama pemasok, bila berkas tidak memiliki kolom pemasok.")
@pass_app
def import_shipments_command(app: AppContext, path: Path, year: int, username: str, supplier: str) -> None:
    """Impor daftar kiriman pemasok (satu baris per perangkat): semua baris atau tidak sama sekali."""
    from spmp.digitalisasi.shipments import ShipmentImportError, import_shipments
    from spmp.spmi.cli import _actor

    with (
        app.db.transaction() as session,
        click.progressbar(length=1, label="Membuka pengiriman", file=sys.stderr) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = import_shipments(session, _actor(session, username), path.read_bytes(), path.name, year=year,
                                      supplier=supplier, progress=progress)  # fmt: skip
        except ShipmentImportError as exc:
            for error in exc.errors[:200]:
                click.echo(f"  {error}", err=True)
            raise click.ClickException("Berkas ditolak: tidak ada yang disimpan") from exc
    click.echo(report.summary())
