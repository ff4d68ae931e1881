"""Ed25519 signatures over tree heads, with a key kept outside the database (``cryptography``).

The private key is a PEM file (``SPMP_AUDIT_KEY_FILE``, default ``instance/audit-signing-key.pem``), made on
first use with mode 0600. Whoever can write the database but not read that file cannot forge a tree head.
Verifiers need only the public key (``spmp audit public-key``), which is also written in every anchor line.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(RuntimeError):
    """The signing key file cannot be used."""


def head_message(size: int, root_hash: str, chain_hash: str, sealed_at: str) -> bytes:
    """The exact bytes a tree head's signature covers."""
    return f"spmp-audit-tree-head\n{size}\n{root_hash}\n{chain_hash}\n{sealed_at}\n".encode()


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningKeyError(f"kunci penanda tangan {path} tidak dapat dibaca: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"kunci penanda tangan {path} bukan kunci Ed25519")
    return key


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw public key, base64 (what a verifier keeps)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (ValueError, TypeError) as exc:
        raise SigningKeyError("kunci publik bukan kunci Ed25519 base64 yang sah") from exc


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    return hashlib.sha256(base64.b64decode(public_text(key))).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def is_valid(public: Ed25519PublicKey, message: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
