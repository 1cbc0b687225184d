"""Planning: the QLT of a card is computed once and shared by info, the plan and the
analysis; the D_mumu lag rule is recorded; the time step resolves the largest sampled |k|."""
import json
import math

import numpy as np
import pytest

from mcparticles.cli import main
from mcparticles.config import parse_card
from mcparticles.planning import make_plan
from mcparticles.qlt import predict
from tests.cards import card_dict, to_toml

ISO = {"B0": 1.0, "turbulence": [{"model": "isotropic", "dB2": 0.05, "k_min": 1.0, "k_max": 100.0, "n_modes": 32}]}


@pytest.fixture
def counted(monkeypatch):
    """Count the QLT computations (qlt.predict._compute), with an empty cache."""
    calls = []
    real = predict._compute
    monkeypatch.setattr(predict, "_CACHE", type(predict._CACHE)())
    monkeypatch.setattr(predict, "_compute", lambda card: calls.append(card) or real(card))
    return calls


def test_a_run_computes_the_qlt_once(tmp_path, counted, capsys):
    """mcparticles run (with the pre-run checks of info), plan and analysis: one QLT for
    a 3D card (0.1.0 computed it three times per run)."""
    card = tmp_path / "c.toml"
    card.write_text(to_toml(card_dict(field=ISO, particles={"count": 8}, time={"t_max": 1.0},
                                           run={"realizations": 2})))
    assert main(["run", str(card), "--output", str(tmp_path / "out")]) == 0
    assert len(counted) == 1
    assert main(["info", str(card)]) == 0                     # same card, same process: reused
    assert main(["qlt", str(card), "--json"]) == 0
    assert len(counted) == 1
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["dmumu_lag_rule"].startswith("auto: 3D")


def test_the_qlt_key_ignores_what_qlt_does_not_depend_on(counted):
    card = parse_card(card_dict(field=ISO))
    a = predict.predict(card)
    assert predict.predict(card.replace(particles={"count": 3}, run={"seed": 9}, time={"t_max": 3.0})) is a
    assert len(counted) == 1
    predict.predict(card.replace(particles={"rigidity": 0.2}))
    predict.predict(card.replace(qlt={"harmonics": 2}))
    predict.predict(card.replace(diagnostics={"mu_bins": 10}))
    assert len(counted) == 4


def test_lag_rules_are_recorded():
    slab = parse_card(card_dict())
    assert make_plan(slab).lag_rule.startswith("auto: slab")
    fixed = parse_card(card_dict(diagnostics={"dmumu_lag": 2.0}))
    plan = make_plan(fixed)
    assert plan.lag_rule == "card: diagnostics.dmumu_lag"
    assert (plan.lag_index + 1) * plan.h == pytest.approx(2.0 * fixed.gyroperiod, rel=0.05)
    b0_zero = parse_card(card_dict(field={"B0": 0.0, "turbulence": [dict(ISO["turbulence"][0], dB2=1.0)]}))
    assert make_plan(b0_zero).lag_rule == "auto: QLT unavailable, one gyro-period"


def test_gs95_time_step_resolves_the_largest_sampled_k():
    """GS95 k_par reaches 30 Lambda(k_max) (beyond k_max at M_A = 1): dt = 1/(|k|_max v)
    with |k|_max = hypot(k_max, k_par,max), and every sampled |k| is within it."""
    turb = {"model": "alfvenic_gs95", "M_A": 1.0, "k_min": 1.0, "k_max": 300.0, "n_modes": 256}
    card = parse_card(card_dict(field={"B0": 1.0, "turbulence": [turb]}, particles={"rigidity": 1.0}))
    comp = card.field.components[0]
    lam = 1.0 * 300.0 ** (2 / 3)
    assert comp.k_par_max == pytest.approx(30 * lam) and comp.k_par_max > 300
    assert card.field.k_max_sampled == pytest.approx(math.hypot(300.0, 30 * lam))
    assert card.time.dt == pytest.approx(1.0 / card.field.k_max_sampled)
    for seed in range(4):
        k = np.linalg.norm(comp.sample(seed).k, axis=1)
        assert k.max() <= card.field.k_max_sampled * (1 + 1e-12)
        assert np.abs(comp.sample(seed).k[:, 2]).max() <= comp.k_par_max * (1 + 1e-12)
    assert predict.predict(card).kappa.gap_mu == pytest.approx(1.0 / (card.r_g * comp.k_par_max))
