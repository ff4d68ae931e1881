"""Test helpers for the execution of a selected Revitalisasi proposal (workflow version 2)."""

from __future__ import annotations

from sqlalchemy import select

from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import execution_ops as xops
from spmp.revitalisasi import operations as ops
from tests.spmp.revitalisasi.support import PDF, complete, jpeg, proposal_input

COMMITTEE = (
    ("Yosef Tualaka", "5371010101800001", "ketua"),
    ("Maria Nenobais", "5371010101800002", "sekretaris"),
    ("Agustinus Lay", "5371010101800003", "bendahara"),
    ("Ir. Daniel Bani", "5371010101800004", "anggota_teknis"),
)


def act(session, user, proposal, trigger, **inputs):
    version = session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))
    return ops.act(session, user, proposal.id, trigger, version, inputs=inputs or None)


def selected(session, world, root, **values):
    """A proposal through verval and selected (terpilih), on the current workflow version."""
    proposal = ops.create_proposal(session, world["dinas_regency"], proposal_input(world.school, **values))
    complete(session, world["dinas_regency"], proposal, root)
    act(session, world["dinas_regency"], proposal, "submit")
    act(session, world["dinas_regency"], proposal, "pemda_verify", catatan="Sesuai")
    act(session, world["bpmp_staff"], proposal, "accept", catatan="Lolos")
    act(session, world["pusat"], proposal, "select")
    return proposal


def form_p2sp(session, user, proposal):
    for name, nik, role in COMMITTEE:
        xops.add_member(session, user, proposal.id, name=name, nik=nik, role=role)


def upload_pre_construction(session, user, proposal, root):
    for kind in ("rab", "gambar", "jadwal", "pbg"):
        xops.upload_document(session, user, proposal.id, kind, f"{kind}.pdf", PDF, root)


def photos(n=1, start=0):
    return [xops.PhotoUpload(f"progres-{i}.jpg", jpeg(shade=start + i)) for i in range(n)]


def in_construction(session, world, root, **values):
    """A selected proposal with its P2SP, documents, facilitator and tranche I: state pelaksanaan."""
    proposal = selected(session, world, root, **values)
    return to_construction(
        session, proposal, world["principal"], world["bpmp_staff"], world["facilitator"], root
    )


def to_construction(session, proposal, principal, staff, facilitator, root):
    """A selected (terpilih) proposal through its P2SP, documents, facilitator and tranche I: pelaksanaan."""
    form_p2sp(session, principal, proposal)
    act(session, principal, proposal, "p2sp_formed")
    upload_pre_construction(session, principal, proposal, root)
    act(session, principal, proposal, "submit_documents")
    xops.assign_facilitator(session, staff, [proposal.id], facilitator.id)
    act(session, staff, proposal, "disburse_tranche_1")
    return proposal
