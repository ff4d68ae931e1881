"""``spmp revitalisasi import-proposals``: Pemda proposals in bulk, in one transaction (all or nothing)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from spmp.accounts.models import User
from spmp.cli import AppContext, cli, pass_app


@cli.group()
def revitalisasi() -> None:
    """Revitalisasi Sekolah: usulan, verval, seleksi."""


def actor(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username, User.is_active))
    if user is None:
        raise click.ClickException(f"Pengguna {username!r} tidak ditemukan atau tidak aktif")
    return user


@revitalisasi.command("import-proposals")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(2025, 2100), required=True, help="Tahun program (anggaran).")
@click.option(
    "--as", "username", required=True, help="Pengguna Pemda/B/BPMP yang mengusulkan (menentukan wilayah)."
)
@pass_app
def import_proposals_command(app: AppContext, path: Path, year: int, username: str) -> None:
    """Impor usulan revitalisasi dari CSV/XLSX: satu baris per ruang, baris dengan NPSN yang sama menjadi satu
    usulan. Satu baris salah berarti tidak ada yang disimpan."""
    from spmp.engine import ActionRefused
    from spmp.revitalisasi.importer import import_proposals
    from spmp.schools.importer import ImportFileError

    bar = click.progressbar(length=1, label="Menyimpan usulan", file=sys.stderr)
    with app.db.transaction() as session, bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = import_proposals(session, actor(session, username), path, year=year, progress=progress)
        except (ImportFileError, ActionRefused) as exc:
            raise click.ClickException(str(exc)) from exc
    for error in report.errors[:100]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > 100:
        click.echo(f"  ... dan {len(report.errors) - 100:,} masalah lain", err=True)
    click.echo(report.summary())
    if not report.ok:
        raise click.ClickException("Tidak ada yang disimpan: perbaiki baris yang ditolak lalu impor ulang")
