"""``spmp revitalisasi select``: run the selection of a programme year from the command line (one
transaction; ``--dry-run`` saves nothing), print its figures, and optionally write the XLSX of every
proposal with score, breakdown, decision and reason."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from spmp.cli import AppContext, pass_app
from spmp.revitalisasi.cli import actor, revitalisasi
from spmp.revitalisasi.selection import fmt, rupiah


@revitalisasi.command("select")
@click.option("--year", type=click.IntRange(2025, 2100), required=True, help="Tahun program (anggaran).")
@click.option("--as", "username", required=True, help="Pengguna Pusat yang menjalankan seleksi.")
@click.option("--dry-run", is_flag=True, help="Hitung dan tampilkan hasil tanpa menyimpan run.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Tulis XLSX hasil ke berkas ini."
)
@click.option("--note", default=None, help="Catatan run (mis. skenario bobot).")
@pass_app
def select_command(
    app: AppContext, year: int, username: str, dry_run: bool, out: Path | None, note: str | None
):
    """Seleksi usulan terverifikasi tahun YEAR: kebutuhan total maksimum dalam anggaran dan kuota (HiGHS),
    dibandingkan dengan pilihan greedy; setiap sekolah diberi alasan."""
    from spmp.revitalisasi import selection_runs as runs

    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:5.1f} s] {message}", err=True)

    with app.db.transaction() as session:
        try:
            outcome = runs.run_selection(
                session, actor(session, username), year, dry_run=dry_run, note=note, progress=say
            )
        except runs.SelectionRefused as exc:
            raise click.ClickException(str(exc)) from exc
        if out is not None:
            say(f"Menulis {out}")
            _write_xlsx(out, outcome)
    _print_summary(outcome, dry_run)


def _print_summary(outcome, dry_run: bool) -> None:
    s = outcome.result.summary()
    click.echo(f"Status solver: {s['status']}; selisih dari batas LP {fmt(s['gap_to_lp'] * 100, 4)} %")
    click.echo(f"Optimal: {fmt(s['selected'], 0)} sekolah, kebutuhan {fmt(s['objective'])}, "
               f"biaya {rupiah(s['total_cost'])}")  # fmt: skip
    click.echo(f"Greedy:  {fmt(s['greedy_selected'], 0)} sekolah, kebutuhan {fmt(s['greedy_objective'])}, "
               f"biaya {rupiah(s['greedy_cost'])}")  # fmt: skip
    click.echo(f"Optimal mencakup {fmt(s['greedy_gain'] * 100, 2)} % kebutuhan lebih banyak daripada greedy")
    click.echo(
        f"Ambang anggaran: {fmt(s['budget_threshold'])} per Rp 1 M; {len(s['bindings'])} batas tercapai"
    )
    click.echo(f"Waktu: {fmt(s['seconds']['total'], 2)} detik (LP {fmt(s['seconds']['lp'], 2)}, "
               f"MIP {fmt(s['seconds']['mip'], 2)})")  # fmt: skip
    click.echo("Uji coba: tidak disimpan." if dry_run else f"Disimpan sebagai run {outcome.run.id}.")


def _write_xlsx(path: Path, outcome) -> None:
    """The same columns as the run's XLSX download, from the result in memory (works for a dry run)."""
    from spmp import export
    from spmp.revitalisasi.selection import BILLION
    from spmp.revitalisasi.selection_queries import EXPORT_HEADER

    def rows():
        for d in sorted(outcome.result.decisions, key=lambda d: d.rank):
            c = d.candidate
            yield (
                d.rank, c.npsn, c.name, c.regency_name, c.province, c.level, c.cost, c.damage_pct,
                c.years_since_rehab, c.is_3t, c.disaster, c.pupils, d.score, *d.breakdown,
                round(d.score * BILLION / c.cost, 2) if c.cost else None,
                "Terpilih" if d.selected else "Tidak terpilih",
                "Terpilih" if d.greedy_selected else "Tidak terpilih", d.reason,
            )  # fmt: skip

    with path.open("wb") as handle:
        for chunk in export.stream("xlsx", EXPORT_HEADER, rows(), "Seleksi"):
            handle.write(chunk)
    print(f"XLSX: {path}", file=sys.stderr)


@revitalisasi.command("publish-selection")
@click.argument("run_id", type=int)
@click.option("--sk", "sk_number", required=True, help="Nomor SK penetapan.")
@click.option("--pks", "pks_number", required=True, help="Nomor PKS.")
@click.option("--as", "username", required=True, help="Pengguna Pusat yang menerbitkan.")
@pass_app
def publish_command(app: AppContext, run_id: int, sk_number: str, pks_number: str, username: str) -> None:
    """Terbitkan run RUN_ID (dibekukan; setiap usulan ditetapkan terpilih/tidak terpilih lewat mesin alur
    kerja, dengan alasannya). Satu transaksi: gagal di tengah berarti tidak ada yang berubah."""
    from spmp.revitalisasi import selection_runs as runs
    from spmp.revitalisasi.selection_models import SelectionRun

    bar = click.progressbar(length=1, label="Menetapkan usulan", file=sys.stderr)
    with app.db.transaction() as session, bar:
        run = session.get(SelectionRun, run_id)
        if run is None:
            raise click.ClickException(f"Run {run_id} tidak ditemukan")

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            runs.publish_run(session, actor(session, username), run, sk_number=sk_number, pks_number=pks_number,
                             progress=progress)  # fmt: skip
        except runs.SelectionRefused as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Run {run_id} diterbitkan: {run.selected:,} terpilih dari {run.candidates:,} usulan.".replace(
            ",", "."
        )
    )
