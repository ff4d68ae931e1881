"""Bimtek follow-up: the unit attaches materials (a file by its content, or a link); an invited school asks
after the session began and the unit's staff are told; the unit (or its facilitator) answers and the
school is told; unanswered questions are listed oldest first with their age, scoped by area."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.digitalisasi import bimtek
from spmp.digitalisasi import bimtek_followup as followup
from spmp.digitalisasi.models import BimtekQuestion
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.engine.errors import ActionRefused
from spmp.notifications.models import Notification
from tests.spmp.digitalisasi.support import delivery_world, png, user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def w(session):
    w = delivery_world(session)
    start = clock.now() - timedelta(days=3)
    w["session"] = bimtek.create_session(session, w["staff"], bimtek.SessionInput(
        2026, "Bimtek panel interaktif", "daring", start, start + timedelta(hours=4), "https://meet.example/x",
        (w["a"].npsn, w["b"].npsn)))  # fmt: skip
    return w


def test_materials_file_or_link(session, w, settings_root):
    s = w["session"]
    pdf = followup.add_material(session, w["staff"], s, followup.MaterialInput("Modul panel", file=("modul.pdf", PDF)),
                                settings_root)  # fmt: skip
    link = followup.add_material(session, w["staff"], s, followup.MaterialInput("Rekaman", url="https://video.example/r"),
                                 settings_root)  # fmt: skip
    assert (pdf.kind, pdf.media_type, pdf.size_bytes) == ("file", "application/pdf", len(PDF))
    assert (settings_root / pdf.sha256[:2] / pdf.sha256[2:4] / pdf.sha256).read_bytes() == PDF
    assert link.url == "https://video.example/r"
    with pytest.raises(DigitalisasiRefused, match="staf B/BPMP penyelenggara"):
        followup.add_material(
            session, w["op_a"], s, followup.MaterialInput("x", url="https://a.example"), settings_root
        )
    with pytest.raises(DigitalisasiRefused, match="salah satu"):
        followup.add_material(session, w["staff"], s, followup.MaterialInput("x"), settings_root)
    with pytest.raises(DigitalisasiRefused, match="http"):
        followup.add_material(
            session, w["staff"], s, followup.MaterialInput("x", url="javascript:alert(1)"), settings_root
        )
    with pytest.raises(ActionRefused, match="tidak sesuai"):
        followup.add_material(
            session, w["staff"], s, followup.MaterialInput("x", file=("a.pdf", png())), settings_root
        )
    followup.remove_material(session, w["staff"], s, link.id)
    assert [m.title for m in followup.materials(session, s)] == ["Modul panel"]


def test_questions_answers_and_notices(session, w):
    s = w["session"]
    q = followup.ask_question(session, w["op_a"], s, "Yohana Lani", "Bagaimana memperbarui konten luring?")
    told = session.scalars(
        select(Notification.user_id).where(Notification.title.like("Pertanyaan Bimtek:%"))
    ).all()
    assert told == [w["staff"].id]  # the organising unit's staff (BPMP NTT), not Jawa Timur's
    with pytest.raises(DigitalisasiRefused, match="sekolah yang diundang"):
        followup.ask_question(session, w["staff"], s, "x", "y")
    with pytest.raises(DigitalisasiRefused, match="Pertanyaan wajib"):
        followup.ask_question(session, w["op_b"], s, "Guru B", " ")
    with pytest.raises(DigitalisasiRefused, match="penyelenggara"):
        followup.answer_question(session, w["staff_jatim"], q, "jawab")
    facilitator = user(session, "fas_dg", "facilitator", unit_code="BPMP-NTT")
    assert followup.can_answer(facilitator, s)
    followup.answer_question(session, w["staff"], q, "Salin berkas dari media eksternal ke folder konten.")
    assert q.answered_at is not None and q.answer.startswith("Salin")
    note = session.scalar(select(Notification).where(Notification.title.like("Pertanyaan Bimtek dijawab%")))
    assert note.user_id == w["op_a"].id and "Salin berkas" in note.body


def test_no_question_before_the_session(session, w):
    later = clock.now() + timedelta(days=2)
    s = bimtek.create_session(session, w["staff"], bimtek.SessionInput(
        2026, "Nanti", "luring", later, later + timedelta(hours=2), "Aula", (w["a"].npsn,)))  # fmt: skip
    with pytest.raises(DigitalisasiRefused, match="setelah sesi dimulai"):
        followup.ask_question(session, w["op_a"], s, "Guru", "Pertanyaan")


def test_unanswered_list_with_age_scoped_by_area(session, w):
    s = w["session"]
    old = followup.ask_question(session, w["op_a"], s, "Guru A", "Pertanyaan lama")
    old.asked_at = clock.now() - timedelta(days=5, hours=2)
    new = followup.ask_question(session, w["op_b"], s, "Guru B", "Pertanyaan baru")
    answered = followup.ask_question(session, w["op_b"], s, "Guru B", "Sudah dijawab")
    followup.answer_question(session, w["staff"], answered, "Ya")
    session.flush()

    def listed(who, open_only=True):
        statement = followup.questions(who, followup.QuestionFilters(2026, open_only=open_only))
        return list(session.scalars(statement))

    assert listed(w["staff"]) == [old, new]  # oldest first, answered ones left out
    assert followup.age_days(old) == 5 and followup.age_days(new) == 0
    assert listed(w["staff"], open_only=False) == [old, new, answered]
    assert listed(w["op_a"]) == [old]  # a school sees its own
    assert listed(w["staff_jatim"]) == []
    rows = list(
        followup.question_rows(session, followup.questions(w["staff"], followup.QuestionFilters(2026)))
    )
    assert rows[0][1] == w["a"].npsn and rows[0][6] == 5
    assert followup.get_question_for(session, w["op_a"], new.id) is None
    assert session.scalar(select(BimtekQuestion.id).where(BimtekQuestion.id == new.id)) == new.id
