"""mcparticles info: the cost estimate counts kernel columns per model (a helical or a
composite mode is two), uses this machine's cores, and shows each model's own lines."""
import pytest

from mcparticles import info
from mcparticles.config import parse_card
from tests.cards import card_dict

SPEC = {"dB2": 0.05, "k_min": 1.0, "k_max": 100.0, "n_modes": 40}


@pytest.mark.parametrize("turb, columns", [
    ({"model": "slab", **SPEC}, (40, 0)),
    ({"model": "slab", "polarization": "right", **SPEC}, (80, 0)),
    ({"model": "composite", **SPEC}, (40, 40)),
    ({"model": "isotropic", **SPEC}, (0, 40)),
    ({"model": "alfvenic_gs95", "M_A": 0.3, "k_min": 1.0, "k_max": 100.0, "n_modes": 40, "n_kpar": 8}, (0, 40)),
])
def test_table_columns_match_a_sampled_realisation(turb, columns):
    card = parse_card(card_dict(field={"B0": 1.0, "turbulence": [turb]}))
    comp = card.field.components[0]
    assert comp.table_columns() == columns
    table, n_slab, _ = comp.sample(2).kernel_table()
    assert table.shape[1] == sum(columns)
    assert n_slab == columns[0]


def test_composite_cost_counts_both_parts():
    comp = parse_card(card_dict(field={"B0": 1.0, "turbulence": [{"model": "composite", **SPEC}]}))
    iso = parse_card(card_dict(field={"B0": 1.0, "turbulence": [{"model": "isotropic", **SPEC}]}))
    slab_only = info.NS_PER_MODE * 40
    assert info.field_ns_per_step(comp) == pytest.approx(slab_only + info.NS_PER_MODE * 40)
    assert info.field_ns_per_step(iso) == pytest.approx(info.NS_PER_MODE * 40)


def test_report_uses_the_cores_here_and_the_models_lines(monkeypatch):
    monkeypatch.setattr(info, "cores", lambda: 7)
    card = parse_card(card_dict(field={"B0": 1.0, "turbulence": [{"model": "composite", **SPEC}]}))
    text = info.report(card)
    assert "on the 7 core(s) here" in text and "2 cores" not in text
    assert "slab 0.2 of dB2 (40 modes), 2D 0.8 (40 modes" in text
    assert "80 columns" in text
