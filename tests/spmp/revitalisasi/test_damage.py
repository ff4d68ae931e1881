"""Damage per component -> percentage -> PUPR band (ringan <= 30 %, sedang > 30-45 %, berat > 45 %)."""

import pytest

from spmp.revitalisasi.models import COMPONENTS, damage_band, damage_percent


def test_component_weights_sum_to_one_hundred():
    assert sum(weight for _, weight in COMPONENTS.values()) == 100


@pytest.mark.parametrize(
    ("percent", "band"),
    [(0, "ringan"), (30.0, "ringan"), (30.01, "sedang"), (45.0, "sedang"), (45.01, "berat"), (100, "berat")],
)
def test_band_boundaries(percent, band):
    assert damage_band(percent) == band


def test_percentage_is_the_weighted_sum_of_component_damage():
    # Kolom/balok (25) fully damaged and tutup atap (10) half: 25 + 5 = 30 % -> still ringan.
    assert damage_percent({"kolom_balok": 100, "tutup_atap": 50}) == 30.0
    assert damage_band(damage_percent({"kolom_balok": 100, "tutup_atap": 50})) == "ringan"
    assert damage_percent({name: 100 for name in COMPONENTS}) == 100.0
    assert damage_percent({name: 50 for name in COMPONENTS}) == 50.0
    assert damage_band(damage_percent({"kolom_balok": 100, "pondasi": 100, "drainase": 20})) == "sedang"


def test_every_reason_code_of_the_workflow_has_a_label():
    from spmp.engine.definitions import get_definition
    from spmp.revitalisasi.models import REASON_LABELS

    workflow = get_definition("revitalisasi")
    codes = {c for t in workflow.transitions for i in t.inputs if i.name == "reason_code" for c in i.choices}
    assert codes and codes <= set(REASON_LABELS)
