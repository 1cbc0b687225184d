"""Fast-mode truncation (damping.py): the formulas' limits and the surviving fraction."""
import math

import numpy as np
import pytest

from mcparticles.damping import ME_OVER_MI, FastTruncation, collisionless_g


def test_collisionless_small_angle_limit_is_the_published_one():
    """k_max L = (m_i/m_e)[4 M_A^2/(sqrt(pi beta) theta^2)]^2 for small theta and beta
    (Kempski & Quataert 2022 eq. A6): the exponentials -> 1 and 5 e^-1/beta is 5e-4 of the
    electron term at beta = 0.1."""
    tr = FastTruncation("collisionless", M_A=0.5, k_outer=1.0, beta=0.05)
    theta = np.array([0.01, 0.02, 0.05])
    published = (1 / ME_OVER_MI) * (4 * 0.25 / (math.sqrt(math.pi * 0.05) * theta ** 2)) ** 2
    assert np.allclose(tr.k_max(np.cos(theta)), published, rtol=0.03)
    # the rate itself at one point, written out
    xi = math.cos(math.radians(45))
    g = math.sqrt(math.pi * 0.2) / 4 * 0.5 / xi * (math.sqrt(ME_OVER_MI) * math.exp(-ME_OVER_MI / (0.2 * 0.5))
                                                   + 5 * math.exp(-1 / (0.2 * 0.5)))
    assert collisionless_g(0.2, xi) == pytest.approx(g, rel=1e-12)


def test_viscous_truncation_at_ninety_degrees():
    """k_max L = [6 M_A^2 V_ph L / nu_B]^(2/3) at theta = 90 deg, V_ph = v_F(90) (beta = 0:
    v_A); the outer scale is 1/k_outer."""
    tr = FastTruncation("viscous", M_A=0.7, k_outer=2.0, beta=0.0, viscosity_over_v_A=1e-6)
    assert float(tr.k_max(0.0)) == pytest.approx(2.0 * (6 * 0.49 / (2.0 * 1e-6)) ** (2 / 3), rel=1e-12)
    assert float(tr.k_max(1.0)) == np.inf


@pytest.mark.parametrize("tr", [FastTruncation("collisionless", 0.2, 1.0, 0.2),
                                FastTruncation("viscous", 1.0, 1.0, 31.0, viscosity_over_v_A=0.2)])
def test_allowed_fraction_against_monte_carlo(tr):
    rng = np.random.default_rng(1)
    c = rng.uniform(0, 1, 400_000)
    km = tr.k_max(c)
    for k in (3.0, 30.0, 300.0):
        mc = np.mean(km >= k)
        assert float(tr.allowed_fraction(k)[0]) == pytest.approx(mc, abs=4 * math.sqrt(mc * (1 - mc) / c.size) + 1e-3)
    k_half = tr.k_at_fraction(0.5, 1.0, 1e6)
    assert float(tr.allowed_fraction(k_half)[0]) == pytest.approx(0.5, abs=2e-3)
