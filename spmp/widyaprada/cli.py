"""``spmp widyaprada absorb-visits``: open supervision visits become Widyaprada tasks (explicit, like
``spmp workflows migrate``; all or nothing; one audit event per case)."""

from __future__ import annotations

import click

from spmp.cli import AppContext, cli, pass_app


@cli.group()
def widyaprada() -> None:
    """Tugas Widyaprada."""


@widyaprada.command("absorb-visits")
@click.option("--dry-run", is_flag=True, help="Tampilkan rencana tanpa mengubah apa pun.")
@click.option("--actor", help="Username pelaksana (dicatat di jejak audit).")
@pass_app
def absorb_visits(app: AppContext, dry_run: bool, actor: str | None) -> None:
    """Pindahkan kunjungan supervisi (school_visit) yang masih terbuka menjadi tugas Widyaprada Supervisi."""
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.widyaprada.absorb import absorb_school_visits

    with app.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == actor)) if actor else None
        if actor and user is None:
            raise click.ClickException(f"Pengguna {actor!r} tidak ditemukan")
        plan = absorb_school_visits(session, user, dry_run=dry_run)
    for line in plan.lines():
        click.echo(line)
    if not plan.ok:
        raise click.ClickException(
            "Dibatalkan: ada kunjungan yang tidak dapat dipindah; tidak ada yang diubah"
        )
    click.echo(
        "Uji coba: tidak ada yang diubah" if dry_run else f"Selesai: {len(plan.moves)} kunjungan dipindah"
    )


@widyaprada.command("assign-optimal")
@click.option("--unit", "unit_code", required=True, help="Kode unit B/BPMP, misalnya BPMP-NTT.")
@click.option(
    "--as", "username", help="Kepala/staf unit atau administrator yang menerapkan (wajib tanpa --dry-run)."
)
@click.option("--dry-run", is_flag=True, help="Hitung dan bandingkan tanpa mengubah apa pun.")
@pass_app
def assign_optimal(app: AppContext, unit_code: str, username: str | None, dry_run: bool) -> None:
    """Bagi semua sekolah unit yang belum dibina kepada Widyaprada unit secara optimal (min-cost flow):
    beban paling merata, lalu jarak total terkecil; dibandingkan dengan penugasan serakah."""
    import sys

    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.engine.errors import ActionRefused
    from spmp.regions.models import Unit
    from spmp.widyaprada.optimal import apply_plan, plan_unit

    def progress(message: str) -> None:
        click.echo(f"... {message}", err=True)

    if not dry_run and not username:
        raise click.UsageError("Tanpa --dry-run, sebutkan pelaksana dengan --as USER")
    with app.db.transaction() as session:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"Unit {unit_code!r} tidak ditemukan")
        actor = session.scalar(select(User).where(User.username == username)) if username else None
        if username and actor is None:
            raise click.ClickException(f"Pengguna {username!r} tidak ditemukan")
        try:
            plan = plan_unit(session, unit.id, progress)
            for line in plan_lines(plan):
                click.echo(line)
            if dry_run:
                click.echo("Uji coba: tidak ada yang diubah")
                return
            with click.progressbar(length=len(plan.people), label="Menerapkan", file=sys.stderr) as bar:
                done = apply_plan(session, actor, plan, progress=lambda _m: bar.update(1))
        except ActionRefused as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Selesai: {done} sekolah masuk sekolah binaan; setiap Widyaprada yang menerima sudah diberi tahu"
    )


def plan_lines(plan) -> list[str]:
    """The plan's summary and its comparison with the greedy assignments, as printed by the CLI."""
    lines = [f"{len(plan.school_ids)} sekolah belum dibina, {len(plan.people)} Widyaprada aktif "
             f"(waktu: " + ", ".join(f"{k} {v:.2f} s" for k, v in plan.seconds.items()) + ")",
             f"{'Cara':<34} {'Beban terbesar':>15} {'Beban terkecil':>15} {'Jarak total (km)':>17}"]  # fmt: skip
    for row in plan.comparison():
        lines.append(
            f"{row['label']:<34} {row['max_load']:>15} {row['min_load']:>15} {row['total_km']:>17,.0f}"
        )
    return lines
