"""One-dimensional spectra: band powers against closed forms, over narrow and very wide
bands (a wide bend-over band once gave negative cell powers: quad missed the peak)."""
import numpy as np
import pytest
from scipy.special import hyp2f1

from mcparticles.spectra import Bendover, PowerLaw


@pytest.mark.parametrize("k_min, k_max", [(1.0, 300.0), (1e-2, 300.0), (1.0, 1254643.0), (1e-3, 1e9)])
def test_bendover_band_power_equals_the_closed_form(k_min, k_max):
    """int (1 + k^2 l^2)^(-q/2) dk = k 2F1(1/2, q/2; 3/2; -(k l)^2) (l = 1)."""
    q = 5.0 / 3.0
    s = Bendover(dB2=0.04, index=q, k_min=k_min, k_max=k_max, l_bendover=1.0)
    edges = np.geomspace(k_min, k_max, 17)
    power = s.band_power(edges[:-1], edges[1:])

    def primitive(k):
        return k * hyp2f1(0.5, q / 2, 1.5, -k * k)

    expected = 0.04 * np.diff(primitive(edges)) / (primitive(k_max) - primitive(k_min))
    assert np.all(power > 0)
    np.testing.assert_allclose(power, expected, rtol=1e-9)
    assert power.sum() == pytest.approx(0.04, rel=1e-12)


def test_power_law_band_power_is_exact():
    s = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=1e6)
    edges = np.geomspace(1.0, 1e6, 7)
    expected = 0.1 * np.diff(edges ** (-2 / 3)) / (1e6 ** (-2 / 3) - 1.0)
    np.testing.assert_allclose(s.band_power(edges[:-1], edges[1:]), expected, rtol=1e-13)
