"""Typed action inputs (issue 9 §2: ``input_visit_date=besok`` or ``<script>`` were accepted)."""

from __future__ import annotations

import pytest

from spmp.engine.inputs import InputDef, inputs_problem, parse_spec, problem

DATE = InputDef("visit_date", "Tanggal kunjungan", "date")
TEXT = InputDef("summary", "Ringkasan", "text", max_length=10)
CHOICE = InputDef("result", "Hasil", "choice", choices=("baik", "kurang"))
NUMBER = InputDef("score", "Nilai", "number", min=0, max=100)


@pytest.mark.parametrize("text", ["besok", "<script>alert(1)</script>", "2026-02-30", "17-08-2026", "²⁰²⁶-01-01",
                                  "1999-12-31", "2026-8-1", ""])  # fmt: skip
def test_a_date_input_refuses_what_is_not_a_date(text):
    assert problem(DATE, text)


def test_valid_values_pass():
    assert problem(DATE, "2026-08-17") is None
    assert problem(TEXT, "baik sekali") is not None and problem(TEXT, "baik") is None
    assert problem(CHOICE, "baik") is None and problem(CHOICE, "<script>")
    assert problem(NUMBER, "75,5") is None and problem(NUMBER, "101") and problem(NUMBER, "nan")


def test_message_names_the_field_and_the_reason():
    message = inputs_problem((DATE, TEXT), {"visit_date": "besok", "summary": "ok"})
    assert (
        message
        == "Isian tidak valid: Tanggal kunjungan harus tanggal yang sah (format tttt-bb-hh, mis. 2026-08-17)"
    )
    assert inputs_problem((DATE,), {}) == "Isian wajib belum diisi: Tanggal kunjungan"


def test_spec_errors_are_reported():
    errors = []
    assert parse_spec({"name": "x", "type": "tanggal"}, errors.append) is None
    assert parse_spec({"name": "x", "type": "choice"}, errors.append) is None
    assert parse_spec({"name": "x", "max_length": 0}, errors.append) is None
    assert len(errors) == 3 and "tanggal" in errors[0]
    assert parse_spec("summary", errors.append) == InputDef("summary", "summary")


def test_a_workflow_with_a_bad_input_type_or_form_role_is_refused_on_load(tmp_path):
    import yaml

    from spmp.engine.definitions import WORKFLOWS_DIR, DefinitionError, parse_definition

    raw = yaml.safe_load((WORKFLOWS_DIR / "school_visit.yaml").read_text(encoding="utf-8"))
    raw["open_from_form"] = ["pusat"]  # not one of its open_roles
    raw["transitions"][0]["inputs"] = [{"name": "visit_date", "label": "Tanggal", "type": "tanggal"}]
    with pytest.raises(DefinitionError) as info:
        parse_definition(tmp_path / "school_visit.yaml", raw)
    assert "open_from_form" in str(info.value) and "'tanggal'" in str(info.value)


def test_an_optional_input_is_checked_only_when_given():
    reason = InputDef("override_reason", "Alasan", "text", max_length=5, required=False)
    assert inputs_problem((DATE, reason), {"visit_date": "2026-08-17"}) is None
    assert inputs_problem(
        (DATE, reason), {"visit_date": "2026-08-17", "override_reason": "terlalu panjang"}
    ) == ("Isian tidak valid: Alasan paling banyak 5 karakter (terisi 15)")
    errors = []
    assert parse_spec({"name": "x", "required": False}, errors.append).required is False
    assert parse_spec({"name": "x", "required": "tidak"}, errors.append) is None and "required" in errors[0]
