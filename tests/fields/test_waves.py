"""Moving waves (fields/waves.py, fields/modes.py): dispersion relations, the electric
field of ideal MHD checked numerically against Faraday's law, E perpendicular to B0,
the cross-helicity power split, and static cards unchanged (docs/physics.md §6.1)."""
import numpy as np
import pytest

from mcparticles.config import parse_card
from mcparticles.fields.waves import fast_speed, sound_speed2
from tests.cards import card_dict, make_card


def _card(model, v_A=0.1, beta=0.0, **keys):
    d = card_dict(field={"v_A": v_A, "beta": beta})
    comp = {"model": model, "k_min": 1.0, "k_max": 30.0, "n_modes": 64}
    comp.update(keys)
    d["field"]["turbulence"] = [comp]
    return parse_card(d)


CASES = [("slab", {"dB2": 0.1, "cross_helicity": 0.3, "polarization": "right"}),
         ("alfvenic_gs95", {"M_A": 0.5, "cross_helicity": -0.4}),
         ("fast_modes", {"dB2": 0.1}),
         ("composite", {"dB2": 0.1, "cross_helicity": 1.0})]


@pytest.mark.parametrize("model,keys", CASES)
def test_faraday_law_and_e_perpendicular_to_b0(model, keys):
    """curl E = -dB/dt by centred finite differences of the sampled fields at random
    points (step 1e-4 / k_max: truncation ~ 1e-9 relative), and E . z_hat = 0."""
    ms = _card(model, beta=0.7 if model == "fast_modes" else 0.0, **keys).field.sample(11)
    assert ms.moving and ms.faraday_residual() < 1e-10
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, (30, 3))
    t = 0.37
    h = 1e-4 / 30.0
    curl = np.zeros_like(x)
    for i in range(3):
        step = np.zeros(3)
        step[i] = h
        dE = (ms.evaluate_electric(x + step, t) - ms.evaluate_electric(x - step, t)) / (2 * h)   # d E / d x_i
        # (curl E)_j = eps_jik d_i E_k
        for j in range(3):
            for k in range(3):
                sgn = np.linalg.det(np.eye(3)[[j, i, k]])
                if sgn:
                    curl[:, j] += sgn * dE[:, k]
    dBdt = (ms.evaluate(x, t + h) - ms.evaluate(x, t - h)) / (2 * h)
    scale = np.abs(dBdt).max()
    assert scale > 0
    assert np.abs(curl + dBdt).max() < 1e-6 * scale
    E = ms.evaluate_electric(x, t)
    assert np.abs(E[:, 2]).max() < 1e-15 * np.abs(E).max() + 1e-300
    # broken on purpose: the opposite sign of E violates Faraday's law
    assert np.abs(-curl + dBdt).max() > 0.5 * scale


def test_dispersion_relations():
    """Alfven families omega = j k_par v_A; fast modes omega = k v_F(theta), v_F from the
    MHD relation (= v_A at beta = 0; sqrt(v_A^2 + c_s^2) across B0; max(v_A, c_s) along)."""
    slab = _card("slab", dB2=0.1, cross_helicity=0.0).field.sample(1)
    speed = slab.omega / slab.k[:, 2]
    assert np.allclose(np.sort(np.unique(np.round(speed, 12))), [-0.1, 0.1])
    assert np.sum(speed > 0) == np.sum(speed < 0) == 64                # one mode per family per cell
    gs = _card("alfvenic_gs95", M_A=0.5, cross_helicity=1.0).field.sample(1)
    assert np.allclose(gs.omega, 0.1 * gs.k[:, 2], rtol=0, atol=1e-15)
    fast = _card("fast_modes", dB2=0.1).field.sample(1)
    assert np.allclose(fast.omega, 0.1 * np.linalg.norm(fast.k, axis=1), rtol=1e-14)
    v_A, beta = 0.1, 2.0
    cs = np.sqrt(sound_speed2(v_A, beta))
    assert cs == pytest.approx(v_A * np.sqrt(5 / 3), rel=1e-14)
    assert fast_speed(v_A, beta, 0.0) == pytest.approx(np.hypot(v_A, cs), rel=1e-14)
    assert fast_speed(v_A, beta, 1.0) == pytest.approx(max(v_A, cs), rel=1e-14)
    assert fast_speed(v_A, 0.0, np.linspace(-1, 1, 5)) == pytest.approx(np.full(5, v_A), rel=1e-14)


@pytest.mark.parametrize("h_c", [-1.0, -0.5, 0.0, 0.6, 1.0])
def test_cross_helicity_splits_the_power(h_c):
    """Slab: the power along +B0 is exactly (1 + H_c)/2 of dB2 in every realisation."""
    ms = _card("slab", dB2=0.1, cross_helicity=h_c).field.sample(5)
    a2 = 0.5 * ms.amplitude ** 2 * (np.sum(ms.e1 ** 2, axis=1) + np.sum(ms.e2 ** 2, axis=1))
    plus = a2[ms.omega > 0].sum()
    assert plus == pytest.approx(0.5 * (1 + h_c) * 0.1, rel=1e-12, abs=1e-15)
    assert a2.sum() == pytest.approx(0.1, rel=1e-12)


def test_v_a_zero_keeps_the_static_field_bit_identical():
    """v_A = 0 (the default) samples exactly the static field of the same seed, and the
    kernel arguments are not moving; isotropic turbulence stays static at any v_A."""
    static = make_card().field.sample(7)
    again = make_card(field={"v_A": 0.0}, turbulence={"cross_helicity": 0.5}).field.sample(7)
    for name in ("k", "e1", "e2", "amplitude", "phase", "omega"):
        assert np.array_equal(getattr(static, name), getattr(again, name))
    assert not again.kernel_args().moving
    iso = _card("isotropic", v_A=0.2, dB2=0.1)
    assert not iso.field.moving and not iso.field.sample(1).moving


def test_cards_with_moving_waves_are_checked():
    from mcparticles.schema import CardError
    with pytest.raises(CardError, match=r"field.v_A = 0.5: waves travel along the mean field"):
        parse_card(card_dict(field={"B0": 0.0, "v_A": 0.5},
                             turbulence={"dB2": 1.0}))
    d = card_dict(field={"v_A": 0.1, "precision": "rotation"})
    with pytest.raises(CardError, match="field.precision"):
        parse_card(d)
    d = card_dict(field={"v_A": 0.1, "n_i_cm3": 1.0})
    with pytest.raises(CardError, match="give either v_A or n_i_cm3"):
        parse_card(d)
    d = card_dict(field={"n_i_cm3": 1.0})
    with pytest.raises(CardError, match="needs \\[particles\\] B0_microgauss"):
        parse_card(d)
    with pytest.raises(CardError, match="cross_helicity"):
        make_card(field={"v_A": 0.1}, turbulence={"cross_helicity": 1.5})


def test_alfven_speed_from_density():
    """v_A = B/sqrt(4 pi n_i m_p): 2.18 km/s for 1 microgauss and 1 cm^-3."""
    from mcparticles.units import C_CM_S, alfven_speed
    assert alfven_speed(1.0, 1.0) * C_CM_S == pytest.approx(2.1812e5, rel=1e-4)
    d = card_dict(field={"n_i_cm3": 0.01})
    d["particles"] = {"count": 8, "energy_GeV": 10.0, "B0_microgauss": 3.0, "L_pc": 1e-6}
    c = parse_card(d)
    assert c.field.v_A == pytest.approx(alfven_speed(3.0, 0.01), rel=1e-15) and c.field.moving
