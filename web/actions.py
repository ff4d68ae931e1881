"""The POST of a workflow action form (``web/templates/_workflow_actions.html``), read once for every page
that offers a case's actions: the case version the user saw, the declared inputs, the optional note and the
evidence chosen. The engine checks each of them; a refusal is answered by ``web/db.py``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

from web.ids import id_list, parse_version


@dataclass(frozen=True)
class ActionPost:
    seen_version: int
    inputs: dict[str, str]
    reason: str | None
    evidence_ids: list[int] | None


def read_action_post(noun: str = "kasus") -> ActionPost:
    """The action form's fields; 400 ("Versi <noun> tidak terbaca") when the page's version is unreadable."""
    form = request.form
    seen = parse_version(form.get("seen_version"))
    if seen is None:
        abort(400, description=f"Versi {noun} tidak terbaca. Muat ulang halaman.")
    inputs = {
        k.removeprefix("input_"): v.strip() for k, v in form.items() if k.startswith("input_") and v.strip()
    }
    return ActionPost(
        seen_version=seen,
        inputs=inputs,
        reason=(form.get("reason") or "").strip() or None,
        evidence_ids=id_list(form.getlist("evidence_id")) or None,
    )
