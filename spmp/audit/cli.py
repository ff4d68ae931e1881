"""``spmp audit``: seal, verify, prove, check a receipt offline, anchor, show the public key."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click

from spmp.cli import AppContext, cli, pass_app


@cli.group("audit")
def audit_group() -> None:
    """Log audit: penyegelan, verifikasi, bukti inklusi."""


def _key(app: AppContext):
    from spmp.audit import signing

    try:
        return signing.load_or_create(app.settings.audit_key_file)
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc


@audit_group.command("seal")
@pass_app
def audit_seal(app: AppContext) -> None:
    """Seal every pending event now (the scheduler does it every few seconds), then anchor the heads."""
    from spmp.audit import seals

    try:
        heads = seals.run(app.db, _key(app), app.settings.audit_anchor_file)
    except seals.SealError as exc:
        raise click.ClickException(str(exc)) from exc
    if not heads:
        click.echo("Tidak ada kejadian yang menunggu disegel.")
        return
    click.echo(f"Disegel sampai posisi {heads[-1].size} "
               f"dalam {len(heads)} kumpulan; akar {heads[-1].root_hash}")  # fmt: skip


@audit_group.command("verify")
@click.option("--anchor-file", type=click.Path(dir_okay=False, path_type=Path), help="Berkas jangkar (bawaan: setelan).")
@click.option("--public-key", "public_key", help="Kunci publik Ed25519 (base64) yang dipercaya; bawaan: dari berkas kunci.")
@pass_app
def audit_verify(app: AppContext, anchor_file: Path | None, public_key: str | None) -> None:
    """Check every seal, event, tree head signature, anchor and case; exit 1 on a break, 2 on an alarm."""
    from spmp.audit import anchors, signing
    from spmp.audit.verifier import verify

    public_key = public_key or signing.public_text(_key(app))
    anchor_file = anchor_file or app.settings.audit_anchor_file
    alarm = timedelta(seconds=app.settings.audit_unsealed_alarm_seconds)
    try:
        with app.db.session() as session:
            report = verify(session, public_key, anchor_file, alarm)
    except (anchors.AnchorFileError, signing.SigningKeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)
    if report.alarms:
        sys.exit(2)


@audit_group.command("prove")
@click.argument("event_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Tulis tanda terima ke berkas ini.")
@pass_app
def audit_prove(app: AppContext, event_id: int, out: Path | None) -> None:
    """Print an inclusion proof (a receipt) of one event against the latest signed tree head."""
    from spmp.audit.proofs import ProofError, prove

    try:
        with app.db.session() as session:
            receipt = prove(session, event_id)
    except ProofError as exc:
        raise click.ClickException(str(exc)) from exc
    text = json.dumps(receipt, indent=2, ensure_ascii=False)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Tanda terima kejadian #{event_id} ditulis ke {out}")
    else:
        click.echo(text)


@audit_group.command("check-proof")
@click.argument("receipt", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", required=True, help="Kunci publik Ed25519 (base64) yang dipercaya.")
def audit_check_proof(receipt: Path, public_key: str) -> None:
    """Check a receipt offline (no database): the event is in the log signed by that key."""
    from spmp.audit.proofs import check
    from spmp.audit.signing import SigningKeyError

    try:
        data = json.loads(receipt.read_text(encoding="utf-8"))
        problems = check(data if isinstance(data, dict) else {}, public_key)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{receipt}: bukan tanda terima JSON ({exc.__class__.__name__})") from exc
    except SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    if problems:
        for problem in problems:
            click.echo(f"DITOLAK: {problem}")
        sys.exit(1)
    event = data["event"]
    click.echo(f"Sah: kejadian #{event['id']} ({event['action']}) ada pada posisi {data['position']} log "
               f"berukuran {data['tree_head']['size']}, ditandatangani {data['tree_head']['sealed_at']} UTC.")  # fmt: skip


@audit_group.command("anchor")
@pass_app
def audit_anchor(app: AppContext) -> None:
    """Append every tree head not anchored yet to the anchor file (sealing does it too)."""
    from spmp.audit import seals

    count = seals.anchor_new_heads(app.db, app.settings.audit_anchor_file, _key(app))
    click.echo(f"{count} kepala pohon ditambahkan ke {app.settings.audit_anchor_file}")


@audit_group.command("public-key")
@pass_app
def audit_public_key(app: AppContext) -> None:
    """Print the public key verifiers need (base64 Ed25519)."""
    from spmp.audit import signing

    click.echo(signing.public_text(_key(app)))
