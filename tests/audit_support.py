"""Sealing and verifying the audit log inside a test's transaction."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from spmp.audit import anchors, seals, signing
from spmp.audit.verifier import Report, verify


@lru_cache(maxsize=1)
def signing_key():
    return signing.load_or_create(Path(tempfile.mkdtemp(prefix="spmp-key-")) / "key.pem")


def seal_all(session) -> None:
    while seals.seal_batch(session, signing_key()) is not None:
        pass


def sealed_report(session, anchor_file: Path | None = None) -> Report:
    """Seal what is pending, anchor every head in a file of its own, verify the whole log."""
    seal_all(session)
    anchor_file = anchor_file or Path(tempfile.mkdtemp(prefix="spmp-anchor-")) / "anchors.jsonl"
    done = anchors.last_size(anchor_file)
    anchors.append(anchor_file, [h.as_dict() for h in seals.heads_after(session, done)], public_key())
    return verify(session, public_key(), anchor_file)


def public_key() -> str:
    return signing.public_text(signing_key())


def log_ok(session) -> bool:
    report = sealed_report(session)
    assert report.ok, report.lines()
    return True
