"""Energy slope and boost check (scanfit.py)."""
import numpy as np
import pytest

from mcparticles.scanfit import fit_slope


def test_fit_slope_recovers_the_slope_with_calibrated_errors():
    """Power laws with 10% Gaussian errors: the fitted slopes scatter about the true one
    with the reported error (pull rms ~ 1); an exact power law without errors is exact."""
    rng = np.random.default_rng(0)
    e = np.array([10.0, 20.0, 50.0, 100.0])
    pulls = []
    for _ in range(2000):
        k = 3.0 * e ** 1.7
        err = 0.1 * k
        f = fit_slope(e, k + err * rng.standard_normal(e.size), err)
        pulls.append((f["slope"] - 1.7) / f["slope_err"])
    pulls = np.array(pulls)
    assert abs(pulls.mean()) < 0.1 and 0.85 < pulls.std() < 1.15
    assert fit_slope(e, 2 * e ** 0.85)["slope"] == pytest.approx(0.85, abs=1e-12)
    bad = fit_slope(e, np.array([1.0, 1.0, 1.0, 1.0]) * e, np.full(4, 1e-6) * e)
    assert bad["slope"] == pytest.approx(1.0) and bad["slope_err"] >= 0
    assert fit_slope([1.0], [1.0])["slope"] is None
