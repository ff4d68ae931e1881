"""Guards of ``workflows/digitalisasi_pengiriman.yaml``, registered with the engine by name."""

from __future__ import annotations

from sqlalchemy import select

from spmp.digitalisasi.models import Handover, Shipment
from spmp.engine.registry import GuardContext, guard


@guard("dg_has_handover")
def has_handover(ctx: GuardContext) -> str | None:
    """Receipt is confirmed only with a BAST written for the shipment (its serials and photos)."""
    found = ctx.session.scalar(
        select(Handover.id)
        .join(Shipment, Shipment.id == Handover.shipment_id)
        .where(Shipment.case_id == ctx.case.id)
    )
    return None if found else "Isi BAST (foto dan nomor seri yang diterima) di halaman pengiriman"
