"""``spmp schools import FILE`` and ``spmp demo generate``: each runs in one transaction."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from spmp import tabular
from spmp.cli import AppContext, cli, pass_app
from spmp.regions.models import Regency
from spmp.schools.importer import (
    ImportFileError,
    ImportReport,
    RowError,
    import_schools,
    parse_column_mapping,
    refresh_statistics,
)

PRINTED_ERRORS = 100  # errors, and separately warnings, printed; --errors-csv has them all
STATISTICS_THRESHOLD = 10_000  # rows written; smaller imports leave it to autovacuum / the next ANALYZE


@cli.group()
def schools() -> None:
    """Sekolah (satuan pendidikan): impor dari ekspor Dapodik."""


def _estimate_rows(path: Path) -> int:
    """Rough row count for the progress bar (newlines in a CSV, records in a JSON file, the sheet
    dimension in an XLSX)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 1)
            finally:
                workbook.close()
        except Exception:  # the import itself reports an unreadable file properly
            return 1
    marker = b"{" if path.suffix.lower() == ".json" else b"\n"
    lines = 0
    with open(path, "rb") as raw:
        while chunk := raw.read(1 << 20):
            lines += chunk.count(marker)
    return max(lines - 1, 1)


def _print_problems(title: str, shown: list[RowError], total: int) -> None:
    shown = shown[:PRINTED_ERRORS]
    if shown:
        click.echo(f"{title} (ditampilkan {len(shown)} dari {total}):", err=True)
        for problem in shown:
            click.echo(f"  {problem}", err=True)


def _print_report(report: ImportReport, errors_csv: Path | None) -> None:
    if report.ignored_columns:
        click.echo(f"Kolom diabaikan: {tabular.bounded_list(report.ignored_columns, limit=30)}", err=True)
    _print_problems("Kesalahan (baris ditolak)", report.errors, report.error_count)
    _print_problems("Peringatan (sekolah diimpor tanpa nilai itu)", report.warnings, report.warning_count)
    if errors_csv and report.error_count + report.warning_count:
        click.echo(
            f"Semua {report.error_count} kesalahan dan {report.warning_count} peringatan ditulis ke {errors_csv}",
            err=True,
        )
    if not report.written:
        click.echo(
            f"Tidak ada yang disimpan: {report.rejected} dari {report.rows} baris bermasalah. "
            "Perbaiki file, atau gunakan --skip-invalid untuk menyimpan baris yang valid saja.",
            err=True,
        )
        return
    click.echo(f"Impor selesai. {report.summary()}")


@schools.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--skip-invalid", is_flag=True, help="Simpan baris yang valid; baris bermasalah ditolak.")
@click.option(
    "--columns",
    "columns_text",
    metavar="KOLOM=KOLOM_FILE,...",
    help="Nama kolom file untuk kolom SPMP, mis. nama=sekolah,bentuk_pendidikan=bentuk.",
)
@click.option(
    "--clear-empty",
    is_flag=True,
    help="Sel kosong mengosongkan nilai tersimpan (tanpa opsi ini: nilai tersimpan tetap).",
)
@click.option(
    "--errors-csv",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Tulis semua kesalahan dan peringatan ke file CSV ini (file, baris, kolom, jenis, pesan).",
)
@click.option("--batch-size", type=click.IntRange(100, 100_000), default=5000, show_default=True, hidden=True)
@pass_app
def schools_import(
    app: AppContext,
    files: tuple[Path, ...],
    skip_invalid: bool,
    columns_text: str | None,
    clear_empty: bool,
    errors_csv: Path | None,
    batch_size: int,
) -> None:
    """Impor sekolah dari FILES (CSV UTF-8, XLSX atau JSON; ekspor Dapodik, daftar sekolah publik, atau
    tata letak lain dengan --columns), dicocokkan per NPSN. Beberapa file diimpor sebagai satu impor.

    Kesalahan pada kolom wajib (npsn, nama, bentuk, status, kode wilayah) menolak baris; tanpa
    --skip-invalid satu baris ditolak saja membuat tidak ada yang disimpan. Nilai tidak sah pada kolom lain
    tidak diimpor dan dilaporkan sebagai peringatan. Kolom yang tidak ada di file, dan sel kosong, tidak
    mengubah nilai tersimpan. Kode keluar bukan nol bila ada baris ditolak atau tidak ada yang disimpan.
    """
    errors_file = open(errors_csv, "w", newline="", encoding="utf-8") if errors_csv else None  # noqa: SIM115
    try:
        columns = parse_column_mapping(columns_text) if columns_text else None
        problem_writer = csv.writer(errors_file) if errors_file else None
        if problem_writer:
            problem_writer.writerow(["file", "baris", "kolom", "jenis", "pesan"])

        def writer_for(kind: str):
            if problem_writer is None:
                return None
            return lambda e: problem_writer.writerow([e.source, e.row, e.field, kind, e.message])

        length = sum(_estimate_rows(file) for file in files)
        with (
            click.progressbar(length=length, label="Baris diproses", file=sys.stderr) as bar,
            app.db.transaction() as session,
        ):
            report = import_schools(
                session,
                list(files) if len(files) > 1 else files[0],
                columns=columns,
                skip_invalid=skip_invalid,
                clear_empty=clear_empty,
                progress=bar.update,
                on_error=writer_for("kesalahan"),
                on_warning=writer_for("peringatan"),
                batch_size=batch_size,
            )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if errors_file:
            errors_file.close()
    _print_report(report, errors_csv)
    if report.written and report.added + report.updated >= STATISTICS_THRESHOLD:
        click.echo("Memperbarui statistik tabel sekolah ...", err=True)
        refresh_statistics(app.db)
    if not report.ok or not report.written:
        sys.exit(1)


# ``demo`` may also be used by other features' generators: reuse the group if it already exists.
demo = cli.commands.get("demo")
if demo is None:

    @cli.group()
    def demo() -> None:
        """Data demo sintetis (untuk uji coba dan benchmark)."""


@demo.command("generate")
@click.option("--schools", "count", type=click.IntRange(1, 5_000_000), required=True, help="Jumlah sekolah.")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Tulis ke file CSV ini."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Benih acak: benih sama, data sama.")
@pass_app
def demo_generate(app: AppContext, count: int, csv_path: Path | None, seed: int) -> None:
    """Buat data sekolah nasional sintetis: ke file CSV (format impor) atau langsung ke database."""
    from spmp.schools.demo import generate_into_database, write_csv

    with click.progressbar(length=count, label="Sekolah dibuat", file=sys.stderr) as bar:
        if csv_path:
            with open(csv_path, "w", newline="", encoding="utf-8") as out:
                written = write_csv(out, count, seed, progress=bar.update)
            click.echo(f"{written} sekolah ditulis ke {csv_path}")
            return
        with app.db.transaction() as session:
            if not session.scalar(select(func.count()).select_from(Regency)):
                raise click.ClickException(
                    "Data referensi belum dimuat: jalankan `spmp reference load` dulu."
                )
            try:
                report = generate_into_database(session, count, seed, progress=bar.update)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from exc
    click.echo(f"Data demo disimpan. {report.summary()}")
    if report.added + report.updated >= STATISTICS_THRESHOLD:
        click.echo("Memperbarui statistik tabel sekolah ...", err=True)
        refresh_statistics(app.db)
