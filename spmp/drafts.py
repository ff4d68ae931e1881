"""Keys of drafts written offline (web/static/report.js): a draft gets one key when it is queued, and every
copy of it that is sent carries that key. The operation that receives it keeps the key with what it wrote,
so a copy sent again (the answer to the first was lost, a double tap, two tabs) is answered "sudah
diterima" and writes nothing a second time."""

from __future__ import annotations

import re

DRAFT_KEY = re.compile(r"[A-Za-z0-9-]{8,64}")


def clean_draft_key(value: str | None) -> str | None:
    """The key as sent, without surrounding spaces; None when none was sent. ValueError for anything that
    is not a key (8-64 letters, digits or dashes: a UUID or the script's fallback)."""
    value = (value or "").strip()
    if value and not DRAFT_KEY.fullmatch(value):
        raise ValueError(value)
    return value or None
