"""NLGC kappa_perp (qlt/nlgc.py): its known limits, the solved equation, where it does
not apply, and where it is reported."""
import math

import numpy as np
import pytest
from scipy import integrate

from mcparticles.config import parse_card
from mcparticles.qlt import nlgc
from tests.cards import card_dict


def card_with(turb, B0=1.0, rigidity=0.1):
    d = card_dict(particles={"rigidity": rigidity}, field={"B0": B0})
    d["field"]["turbulence"] = [turb]
    return parse_card(d)


COMPOSITE = {"model": "composite", "dB2": 1.0, "spectrum": "bendover", "l_bendover": 1.0, "index": 5.0 / 3.0,
             "k_min": 0.01, "k_max": 300.0, "n_modes": 64, "slab_fraction": 0.2}
SLAB = {"model": "slab", "dB2": 0.1, "spectrum": "bendover", "l_bendover": 1.0, "index": 5.0 / 3.0,
        "k_min": 0.01, "k_max": 300.0, "n_modes": 64}
ISO = {"model": "isotropic", "dB2": 0.5, "index": 5.0 / 3.0, "k_min": 1.0, "k_max": 100.0, "n_modes": 64}


@pytest.mark.parametrize("turb, x_fraction", [(COMPOSITE, 0.5), (SLAB, 0.5), (ISO, 1.0 / 3.0)])
def test_short_mean_free_path_limit(turb, x_fraction):
    """lambda_par -> 0: the denominator is v/lambda_par and kappa_perp = a^2 kappa_par
    <dB_x^2>/B0^2, with <dB_x^2> = dB2/2 for slab and 2D, dB2/3 for isotropic turbulence."""
    card = card_with(turb)
    kpar = 1e-6
    expected = nlgc.A2 * kpar * x_fraction * turb["dB2"]
    assert nlgc.predict(card, kpar).kappa_perp == pytest.approx(expected, rel=1e-4)


def test_long_mean_free_path_limit_is_the_2d_field_line_random_walk():
    """lambda_par -> infinity with a 2D part: kappa_perp = (a v/sqrt 3) sqrt(int P_2D/(2 k^2) dk)/B0,
    independent of kappa_par; the slab term vanishes like 1/kappa_par."""
    card = card_with(COMPOSITE)
    s2d = nlgc.terms(card)[1].spectrum
    ultra, _ = integrate.quad(lambda u: 0.5 * float(s2d.density(math.exp(u))) * math.exp(-u),
                              math.log(s2d.k_min), math.log(s2d.k_max), limit=400)
    expected = math.sqrt(nlgc.A2) / math.sqrt(3.0) * math.sqrt(ultra)
    assert nlgc.predict(card, 1e9).kappa_perp == pytest.approx(expected, rel=1e-3)


def test_solution_satisfies_the_equation_and_grows_with_kappa_par():
    card = card_with(COMPOSITE)
    ts = nlgc.terms(card)
    prev = 0.0
    for kpar in (0.01, 0.1, 1.0, 10.0, 100.0):
        k = nlgc.predict(card, kpar).kappa_perp
        assert k == pytest.approx(nlgc.rhs(ts, k, kpar, 1.0, 1.0), rel=1e-9)
        assert k > prev
        prev = k


def test_isotropic_term_against_direct_quadrature():
    """The angular factor in closed form (with its series near x = 0) against quad, and
    one isotropic right-hand side against a 2D quadrature over (k, cos theta)."""
    for x in (-0.99, -0.3, -2e-4, 0.0, 3e-4, 0.7, 25.0, 1e5):
        direct, _ = integrate.quad(lambda c, x=x: (1 + c * c) / (2 * (1 + x * c * c)), -1, 1, epsabs=1e-13)
        assert nlgc.isotropic_angle_factor(x) == pytest.approx(direct, rel=1e-9)
    card = card_with(ISO)
    sp = card.field.components[0].spectrum
    kpar, kperp = 2.0, 0.05
    rate = 1.0 / (3.0 * kpar)

    def inner(c, k):      # S_xx averaged over the azimuth, d^3k = 2 pi k^2 dk dc
        den = rate + k * k * (1 - c * c) * kperp + k * k * c * c * kpar
        return float(sp.density(k)) / 4.0 * (1 + c * c) / 2.0 / den

    direct, _ = integrate.dblquad(inner, sp.k_min, sp.k_max, -1.0, 1.0, epsrel=1e-9)
    assert nlgc.rhs(nlgc.terms(card), kperp, kpar, 1.0, 1.0) == pytest.approx(nlgc.A2 / 3.0 * direct, rel=1e-6)


def test_pure_slab_carries_its_note_and_no_nlgc_where_it_does_not_apply():
    assert nlgc.predict(card_with(SLAB), 1.0).note == nlgc.SLAB_ONLY_NOTE
    assert nlgc.predict(card_with(COMPOSITE), 1.0).note == ""
    for turb, B0, words in ((dict(ISO, dB2=1.0), 0.0, "mean field"),
                            ({"model": "fast_modes", "dB2": 0.01, "k_min": 1.0, "k_max": 100.0}, 1.0, "fast_modes"),
                            ({"model": "alfvenic_gs95", "M_A": 0.3, "k_min": 1.0, "k_max": 100.0}, 1.0,
                             "alfvenic_gs95")):
        with pytest.raises(nlgc.NLGCUnavailable, match=words):
            nlgc.predict(card_with(turb, B0=B0), 1.0)
        value, note = nlgc.kappa_perp_or_none(card_with(turb, B0=B0), 1.0)
        assert value is None and words in note
    with pytest.raises(nlgc.NLGCUnavailable):
        nlgc.predict(card_with(COMPOSITE), math.inf)


def test_reported_by_qlt_and_in_the_run_summary(run_card):
    """`qlt --json` gives kappa_perp_nlgc from the QLT kappa_par; a run's summary from the
    measured one (and from QLT), both equal to the solver's value for that input."""
    import mcparticles
    turb = dict(COMPOSITE, dB2=0.1)
    card = card_with(turb)
    q = mcparticles.predict_qlt(card, [0.5])
    assert q["kappa_perp_nlgc"] == pytest.approx(nlgc.predict(card, q["kappa_par"]).kappa_perp, rel=1e-12)
    small = card.replace(particles={"count": 16}, time={"t_max": 5.0}, run={"realizations": 2})
    s = run_card(small).summary
    assert s["kappa_perp_nlgc"] == pytest.approx(nlgc.predict(small, s["kappa_par"]).kappa_perp, rel=1e-12)
    assert s["kappa_perp_nlgc_from_qlt"] == pytest.approx(q["kappa_perp_nlgc"], rel=1e-12)
    assert s["nlgc_a2"] == pytest.approx(1.0 / 3.0)
    assert np.isfinite(s["kappa_perp_nlgc"]) and s["kappa_perp_nlgc"] > 0
