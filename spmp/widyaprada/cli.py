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
