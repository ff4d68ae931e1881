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


@revitalisasi.command("recommend")
@click.option("--year", type=click.IntRange(2025, 2100), required=True, help="Tahun program (anggaran).")
@click.option("--province", default=None, help="Batasi ke satu kode provinsi (mis. 53).")
@click.option(
    "--as", "username", default=None, help="Baca sebagai pengguna ini (wilayahnya); tanpa: nasional."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Tulis seluruh daftar ke berkas XLSX atau CSV.")  # fmt: skip
@click.option(
    "--top", type=click.IntRange(0, 1000), default=20, show_default=True, help="Baris yang dicetak."
)
@pass_app
def recommend_command(
    app: AppContext, year: int, province: str | None, username: str | None, out: Path | None, top: int
) -> None:
    """Daftar rekomendasi: sekolah (dari data sekolah, bukan usulan) diurutkan menurut skor kebutuhan
    tahun program itu, tanpa sekolah yang sudah diusulkan atau direhabilitasi/terpilih dalam 5 tahun."""
    from spmp import export
    from spmp.revitalisasi import recommendation as rec
    from spmp.revitalisasi.selection import fmt

    filters = rec.RecommendationFilters(year, province=province)
    with app.db.session() as session:
        user = actor(session, username) if username else None
        total = rec.count(session, user, filters)
        with click.progressbar(length=max(total, 1), label="Membaca sekolah", file=sys.stderr) as bar:
            rows = rec.recommend(session, user, filters, progress=lambda done: bar.update(done - bar.pos))
    for r in rows[:top]:
        damage = (
            "belum ada data" if r.damage_percent is None else f"{fmt(r.damage_percent)} % ({r.damage_year})"
        )
        click.echo(f"{r.rank:>6} {r.npsn} {r.name[:40]:40} {r.regency_name[:24]:24} skor {fmt(r.score, 2):>6} "
                   f"kerusakan {damage}")  # fmt: skip
    click.echo(f"{fmt(len(rows), 0)} sekolah direkomendasikan untuk tahun {year}.")
    if out is not None:
        kind = "csv" if out.suffix.lower() == ".csv" else "xlsx"
        with out.open("wb") as handle:
            for chunk in export.stream(kind, rec.EXPORT_HEADER, rec.export_rows(rows), f"Rekomendasi {year}"):
                handle.write(chunk)
        click.echo(f"Ditulis: {out}")
