"""Slab turbulence: measured transport against independent predictions.

Tolerances are k standard errors (over G field realisations) plus a stated systematic
floor.  k is the Student-t quantile for G-1 degrees of freedom at a family-wise
false-alarm rate of 1% over the m bins compared (Bonferroni): the standard errors are
themselves estimated from G groups, so a fixed "3 sigma" over 30 bins would fail by
chance.  The floors are the known non-statistical differences (docs/physics.md §5.4):
* weak turbulence (dB2 = 0.003): 3% -- the lag estimator's start-up bias
  ~1/(Omega tau) at tau = 1 gyro-period and the curvature of D over a bin;
* dB2 = 0.03: 12% -- measured here 0.86-1.0 of QLT at 1 gyro-period (non-linear
  decorrelation from the resonant waves), the literature quotes 5-10%.
The default suite runs cheap versions; ``pytest -m slow`` runs the acceptance
statistics and also checks the absolute bounds (8% and 15%).
"""
import numpy as np
import pytest

from mcparticles.config import parse_card
from mcparticles.validation.core import k_sigma  # the validation cases' k; the other physics tests import it here
from tests.cards import card_dict


def measure(run_card, **sections):
    card = parse_card(card_dict(**sections))
    res = run_card(card)
    return card, res




def compare_dmumu(res, floor, mu_max=0.9):
    """(ratio_a, tol_a, ratio_b, tol_b) over resolved bins with |mu| < mu_max."""
    sc, li = res.dmumu, res.lag_index
    edges = res.mu_edges
    sel = res.resolved & (np.maximum(np.abs(edges[:-1]), np.abs(edges[1:])) <= mu_max + 1e-12)
    assert sel.sum() >= 10
    q = res.qlt_bin_mean[sel]
    k = k_sigma(res.card.run.realizations, 2 * int(sel.sum()))
    out = []
    for val, err in ((sc.lag[li], sc.lag_err[li]), (sc.corr[li], sc.corr_err[li])):
        r = val[sel] / q
        tol = k * err[sel] / q + floor
        out += [r, tol, err[sel] / q]
    return out


def check_dmumu(run_card, dB2, floor, count, t_max, realizations, bound=None):
    card, res = measure(run_card, turbulence={"dB2": dB2}, particles={"count": count},
                        time={"t_max": t_max}, run={"realizations": realizations})
    assert card.r_g * card.field.k_par_max >= 30
    ra, ta, sa, rb, tb, sb = compare_dmumu(res, floor)
    assert np.all(np.abs(ra - 1) <= ta), (ra, ta)
    assert np.all(np.abs(rb - 1) <= tb), (rb, tb)
    if bound is not None:        # the acceptance statement itself, resolved statistically
        assert np.all(np.abs(ra - 1) <= bound) and np.all(np.abs(rb - 1) <= bound), (ra, rb)
        assert np.all(sa <= bound / 4) and np.all(sb <= bound / 4), (sa, sb)
    return res


def test_weak_slab_dmumu_matches_qlt(run_card):
    check_dmumu(run_card, 0.003, 0.03, count=128, t_max=12.0, realizations=16)


@pytest.mark.slow
def test_weak_slab_dmumu_matches_qlt_within_8_percent(run_card):
    check_dmumu(run_card, 0.003, 0.03, count=1024, t_max=40.0, realizations=16, bound=0.08)


def test_moderate_slab_dmumu_near_qlt(run_card):
    check_dmumu(run_card, 0.03, 0.12, count=128, t_max=12.0, realizations=16)


@pytest.mark.slow
def test_moderate_slab_dmumu_within_15_percent(run_card):
    check_dmumu(run_card, 0.03, 0.12, count=512, t_max=30.0, realizations=16, bound=0.15)


@pytest.mark.parametrize("charge", [1, -1])
def test_helical_slab_scatters_one_hemisphere(run_card, charge):
    """Right-handed (sigma = +1) waves: a positive particle resonates only for mu > 0
    (QLT factor 1 + sign(q) sign(mu) sigma); the other hemisphere is scattered at
    least 10 times less; a negative charge swaps the hemispheres.  The active
    hemisphere matches QLT (which carries the factor 2)."""
    card, res = measure(run_card, turbulence={"polarization": "right"},
                        particles={"count": 256, "charge": charge}, time={"t_max": 10.0},
                        run={"realizations": 4})
    mu = res.mu
    d = res.dmumu.lag[res.lag_index]
    pos = (mu > 0.15) & (mu < 0.9)
    neg = (mu < -0.15) & (mu > -0.9)
    active, passive = (pos, neg) if charge > 0 else (neg, pos)
    assert np.mean(d[active]) >= 10 * np.mean(d[passive])
    assert np.all(res.qlt_bin_mean[passive] == 0)
    sel = res.resolved & active & (np.abs(mu) < 0.9)
    r = d[sel] / res.qlt_bin_mean[sel]
    err = res.dmumu.lag_err[res.lag_index][sel] / res.qlt_bin_mean[sel]
    assert np.all(np.abs(r - 1) <= k_sigma(4, int(sel.sum())) * err + 0.03), r


def kappa_cross_check(run_card, count, realizations, t_max):
    card, res = measure(run_card, turbulence={"dB2": 0.03, "k_max": 200.0, "n_modes": 64},
                        particles={"count": count}, time={"t_max": t_max, "n_output": 40},
                        run={"realizations": realizations})
    s = res.summary
    assert s["plateau_reached"]
    k_direct, k_err = s["kappa_par"], s["kappa_par_err"]
    k_from_d = s["kappa_par_from_dmumu"]
    return k_direct, k_err, k_from_d


def test_kappa_from_dmumu_matches_direct_kappa(run_card):
    """kappa_par = (v^2/8) int (1-mu^2)^2 / D_mumu from the measured D_mumu agrees with
    the late slope of <dz^2>/2: within 3 sigma of the direct measurement plus 15%."""
    k, err, kd = kappa_cross_check(run_card, count=48, realizations=4, t_max=900.0)
    assert abs(kd / k - 1) <= k_sigma(4, 1) * err / k + 0.15, (k, err, kd)


@pytest.mark.slow
def test_kappa_from_dmumu_within_15_percent(run_card):
    """As above with 5x the particles.  The D_mumu route runs ~10% high (seeds 1-4 and
    12345: ratio 1.10 +- 0.02): 15% allowance for it, plus 3 sigma of the direct value."""
    k, err, kd = kappa_cross_check(run_card, count=256, realizations=8, t_max=1200.0)
    print(f"kappa_par direct {k:.4g} +- {err:.2g}, from D_mumu {kd:.4g}")
    assert err / k < 0.05           # enough statistics for the 15% comparison to mean something
    assert abs(kd / k - 1) <= 0.15 + k_sigma(8, 1) * err / k, (k, err, kd)


def subdiffusion(run_card, count, realizations):
    """Pure slab with power down to k -> 0 (bend-over spectrum, k_min = 1e-3 << 1/l_b):
    field lines random-walk, particles diffuse along them, so <dx^2> ~ <|dz|> ~ t^(1/2)
    (compound subdiffusion).  With a band-limited power law (no power below k_min)
    field lines do not random-walk at all and <dx^2> saturates (alpha_perp -> 0)."""
    card, res = measure(run_card, turbulence={"dB2": 0.3, "spectrum": "bendover", "l_bendover": 1.0,
                                              "k_min": 1e-3, "k_max": 100.0, "n_modes": 64},
                        particles={"count": count}, time={"t_max": 400.0, "n_output": 40},
                        run={"realizations": realizations})
    return res.summary


def test_pure_slab_perpendicular_transport_is_subdiffusive(run_card):
    s = subdiffusion(run_card, count=64, realizations=6)
    assert abs(s["alpha_perp"] - 0.5) <= 0.1, s["alpha_perp"]
    assert abs(s["alpha_par"] - 1.0) <= 0.1, s["alpha_par"]


@pytest.mark.slow
def test_pure_slab_subdiffusion_full(run_card):
    s = subdiffusion(run_card, count=256, realizations=8)
    assert abs(s["alpha_perp"] - 0.5) <= max(0.1, 3 * s["alpha_perp_err"])
    assert s["alpha_perp_err"] < 0.03


def test_auto_dt_is_converged(run_card):
    """Halving the automatic dt changes D_mumu and the running kappa by less than their
    statistical errors (3 sigma of the difference of independent estimates)."""
    base = dict(turbulence={"dB2": 0.03}, particles={"count": 128}, time={"t_max": 12.0},
                run={"realizations": 4})
    card1, r1 = measure(run_card, **base)
    half = dict(base, time={"t_max": 12.0, "dt": card1.time.dt / 2})
    card2, r2 = measure(run_card, **half)
    li1, li2 = r1.lag_index, r2.lag_index
    assert r1.dmumu.lags[li1] == pytest.approx(r2.dmumu.lags[li2], rel=0.05)
    sel = r1.resolved
    d1, e1 = r1.dmumu.lag[li1][sel], r1.dmumu.lag_err[li1][sel]
    d2, e2 = r2.dmumu.lag[li2][sel], r2.dmumu.lag_err[li2][sel]
    assert np.all(np.abs(d1 - d2) <= k_sigma(4, int(sel.sum())) * np.hypot(e1, e2))
    k1, k2 = r1.running.par(), r2.running.par()
    ke = np.hypot(r1.running.d_err[:, 2], r2.running.d_err[:, 2])
    assert np.all(np.abs(k1[-5:] - k2[-5:]) <= k_sigma(4, 5) * ke[-5:])


def test_results_independent_of_thread_count(tmp_path):
    import numba
    card = parse_card(card_dict(particles={"count": 40}, time={"t_max": 2.0}, run={"batch_size": 16}))
    numba.set_num_threads(1)
    from mcparticles.simulation import run
    r1 = run(card, threads=1)
    r2 = run(card,
             threads=min(2, numba.config.NUMBA_NUM_THREADS))
    for key in ("kappa_par", "kappa_perp", "dmumu_ratio_median", "kappa_par_from_dmumu"):
        assert r1.summary[key] == r2.summary[key]
    assert np.array_equal(r1.dmumu.lag, r2.dmumu.lag, equal_nan=True)
    assert np.array_equal(r1.running.d, r2.running.d)
