"""Guards of ``workflows/digitalisasi_pengiriman.yaml``, registered with the engine by name."""

from __future__ import annotations

from sqlalchemy import select

from spmp.digitalisasi.models import Handover, Shipment, ShipmentReturn
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


def _open_return(ctx: GuardContext):
    return ctx.session.scalar(
        select(ShipmentReturn.id)
        .join(Shipment, Shipment.id == ShipmentReturn.shipment_id)
        .where(Shipment.case_id == ctx.case.id, ShipmentReturn.corrected_at.is_(None))
    )


@guard("dg_return_recorded")
def return_recorded(ctx: GuardContext) -> str | None:
    """A BAST is returned with its reason and the serials concerned, written on the shipment page."""
    return None if _open_return(ctx) else "Kembalikan BAST dari halaman pengiriman (alasan dan nomor seri)"


@guard("dg_return_corrected")
def return_corrected(ctx: GuardContext) -> str | None:
    """The shipment goes back to the school only with its correction written (serials replaced)."""
    return "Catat koreksi (nomor seri pengganti) di halaman pengiriman" if _open_return(ctx) else None
