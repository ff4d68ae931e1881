"""``spmp spmi open-cycles`` and ``spmp spmi import-indicators``: each runs in one transaction."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from spmp.accounts.models import User
from spmp.cli import AppContext, cli, pass_app
from spmp.schools.importer import ImportFileError


@cli.group()
def spmi() -> None:
    """Siklus SPMI: buka siklus massal, impor indikator Rapor Pendidikan."""


def _actor(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username, User.is_active))
    if user is None:
        raise click.ClickException(f"Pengguna {username!r} tidak ditemukan atau tidak aktif")
    return user


@spmi.command("open-cycles")
@click.option("--year", type=int, required=True, help="Tahun ajaran (2026 = 2026/2027).")
@click.option("--as", "username", required=True, help="Pengguna B/BPMP atau Pusat yang membuka.")
@click.option("--province", default=None, help="Batasi ke satu kode provinsi.")
@pass_app
def open_cycles(app: AppContext, year: int, username: str, province: str | None) -> None:
    """Buka siklus SPMI untuk semua sekolah dalam wilayah pengguna yang belum memilikinya."""
    from spmp.engine import EngineError
    from spmp.spmi.operations import open_cycles_bulk

    with app.db.transaction() as session:
        user = _actor(session, username)
        with click.progressbar(length=1, label="Membuka siklus", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            try:
                report = open_cycles_bulk(session, user, year, province_code=province, progress=progress)
            except EngineError as exc:
                raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())


@spmi.command("import-indicators")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="Pengguna yang mengimpor (menentukan wilayah).")
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="Tahun, bila file tidak memiliki kolom tahun (atau judul 'Rapor Pendidikan 2025').",
)
@click.option("--npsn", default=None, help="NPSN sekolah untuk rapor satu sekolah (tanpa kolom npsn).")
@click.option("--skip-invalid", is_flag=True, help="Simpan baris yang valid, laporkan yang ditolak.")
@pass_app
def import_indicators_command(
    app: AppContext, path: Path, username: str, year: int | None, npsn: str | None, skip_invalid: bool
) -> None:
    """Impor indikator Rapor Pendidikan: massal (CSV/XLSX/JSON dengan kolom npsn) atau rapor satu sekolah
    seperti diunduh (kolom Indikator, Capaian, Skor Rapor; NPSN pada judul atau --npsn)."""
    from spmp.spmi.importer import import_indicators

    with app.db.transaction() as session:
        try:
            report = import_indicators(
                session, _actor(session, username), path, year=year, npsn=npsn, skip_invalid=skip_invalid
            )
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from exc
    for error in report.errors[:100]:
        click.echo(f"  {error}", err=True)
    if report.rejected > 100:
        click.echo(f"  ... dan baris lain yang ditolak ({report.rejected:,} baris dalam total)", err=True)
    click.echo(report.summary())
    if not report.ok and not skip_invalid:
        raise click.ClickException(
            "Tidak ada yang disimpan: perbaiki baris yang ditolak atau gunakan --skip-invalid"
        )
