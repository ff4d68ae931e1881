"""``spmp scheduler``: run the timed jobs (sweep, delivery, digest) as the single scheduler process."""

from __future__ import annotations

import logging
import signal
import sys

import click

from spmp.cli import AppContext, cli, pass_app

# Exit status when another scheduler already holds the database lock.
EXIT_ALREADY_RUNNING = 3


@cli.command("scheduler")
@click.option(
    "--once", is_flag=True, help="Jalankan setiap tugas sekali (sweep, ringkasan, pengiriman) lalu keluar."
)
@pass_app
def scheduler_command(app: AppContext, once: bool) -> None:
    """Penjadwal: sweep tenggat, kirim email antrean, ringkasan harian. Hanya satu boleh berjalan."""
    from spmp.scheduler import SchedulerAlreadyRunning, instance_lock, run_once

    if app.settings.sweep_interval_seconds < 1:
        raise click.ClickException("SPMP_SWEEP_INTERVAL_SECONDS harus minimal 1 (detik).")
    lock = instance_lock(app.db)
    try:
        lock.acquire()
    except SchedulerAlreadyRunning as exc:
        click.echo(exc.message, err=True)
        sys.exit(EXIT_ALREADY_RUNNING)
    try:
        if once:
            for line in run_once(app.db, app.settings):
                click.echo(line)
            return
        _run_forever(app, lock)
    finally:
        lock.release()


def _run_forever(app: AppContext, lock) -> None:
    from spmp.scheduler import SchedulerProcess

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    process = SchedulerProcess(app.db, app.settings, lock)
    scheduler = process.build()
    # SIGTERM (systemd, docker stop) stops as cleanly as Ctrl-C: running jobs finish, the lock is released.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(
        f"Penjadwal berjalan (sweep setiap {app.settings.sweep_interval_seconds} detik). Hentikan dengan Ctrl-C.",
        err=True,
    )
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=True)
    if process.lost_lock:
        sys.exit(EXIT_ALREADY_RUNNING)
