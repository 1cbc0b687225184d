"""3D field families: measured D_mumu against QLT and the slab, measured kappa scalings.

Statistics as in test_physics_slab.py: tolerances are k standard errors over field
realisations (Student-t, Bonferroni over the comparisons made) plus a stated
systematic floor.  The floors:

* fast modes, resonant range (|mu| > 0.6): 25%.  The lag is 4/(k_min v) (auto lag for
  3D fields), long enough for the reversible mirror/tilt part of <dmu^2>, which
  saturates on the outer-scale crossing time, to have fallen to a few percent of the
  secular part: on dB2 = 0.003, r_g = 0.1 the ratio at mu = 0.85 goes 1.6 (0.1 T_g),
  1.12 (1 T_g), 1.05 (2 T_g), 0.93-0.98 (4-8 T_g).  What remains is a measured excess
  over sharp QLT that is not statistical and not an artefact of the lag: it grows
  towards small mu (x1.8-2.5 at mu = 0.45-0.55, x3.5 at 0.35, lag-independent beyond
  4 L/c) and its tail reaches the resonant range (pooled 1.0-1.3 over two seeds).
  Yan-Lazarian broadening does not account for it at this turbulence level (broadened
  and sharp QLT agree within 3% for mu >= 0.45).  The floor states that excess; it is
  the open question recorded in the issue note, not a tuned number.
* fast-mode rigidity exponent: 0.1; the excess is common to both rigidities (same mu,
  same fields), so it largely cancels in the exponent.

The default suite runs cheap versions (fewer particles); ``pytest -m slow`` the full ones.
"""
import numpy as np
import pytest

from mcparticles.config import parse_card, parse_scan
from tests.test_physics_slab import k_sigma

RESONANT = 0.6          # |mu| above this: n = +-1 gyroresonance dominates for fast modes


def fast_scan(realizations, count):
    """Weak fast-mode turbulence (dB2 = 0.003), one field for two rigidities."""
    return parse_scan({
        "run": {"name": "fast", "seed": 2004, "realizations": realizations},
        "field": {"B0": 1.0, "turbulence": [{"model": "fast_modes", "dB2": 0.003, "k_min": 1.0,
                                             "k_max": 1000.0, "n_modes": 256}]},
        "particles": {"count": count, "rigidity": [0.1, 0.03]},
        "time": {"t_max": 12.0, "n_output": 16},
        "diagnostics": {"mu_bins": 20, "trajectories": 0}})


def resonant_mean(res):
    """Per-group mean over the resonant bins of measured/QLT (lag estimator at the
    lag used; a bin a group has no particle in is left out of that group's mean)."""
    e = res.mu_edges
    sel = res.resolved & (np.minimum(np.abs(e[:-1]), np.abs(e[1:])) >= RESONANT - 1e-12)
    assert sel.sum() == 8
    groups = res.dmumu.lag_groups[:, res.lag_index, :][:, sel]
    ratio = np.nanmean(groups / res.qlt_bin_mean[sel], axis=1)
    assert np.all(np.isfinite(ratio))
    return ratio


def check_fast(results, floor, exp_floor):
    k = k_sigma(results[0].card.run.realizations, 3)     # two ratios and one exponent
    ratios = []
    for res in results:
        assert res.dmumu.lags[res.lag_index] == pytest.approx(4.0, rel=0.05)   # 4/(k_min v)
        ratio_g = resonant_mean(res)
        m, se = ratio_g.mean(), ratio_g.std(ddof=1) / np.sqrt(ratio_g.size)
        print(f"fast modes r_g = {res.card.r_g}: measured/QLT over |mu| > {RESONANT} = {m:.3f} +- {se:.3f}")
        assert abs(m - 1.0) <= k * se + floor, (m, se)
        ratios.append(ratio_g)
    # D at fixed mu scales as R^(-1/2): the exponent of QLT at the resonant mu plus that
    # of measured/QLT between the two rigidities, paired per field realisation (the
    # points of the scan share their fields)
    r1, r2 = (res.card.r_g for res in results)
    mu = np.array([0.65, 0.75, 0.85, 0.95])
    from mcparticles.qlt.predict import dmumu
    expo_qlt = float(np.mean(np.log(dmumu(results[1].card, mu) / dmumu(results[0].card, mu)))) / np.log(r2 / r1)
    expo_g = expo_qlt + np.log(ratios[1] / ratios[0]) / np.log(r2 / r1)
    expo, se = expo_g.mean(), expo_g.std(ddof=1) / np.sqrt(expo_g.size)
    print(f"fast modes: D ~ R^{expo:.3f} +- {se:.3f} (QLT R^{expo_qlt:.3f})")
    assert abs(expo_qlt + 0.5) <= 0.03              # the band is wide: QLT itself is R^-1/2
    assert abs(expo + 0.5) <= k * se + exp_floor, (expo, se)


@pytest.fixture(scope="module")
def fast_cheap(tmp_path_factory):
    from mcparticles.simulation import run
    return run(fast_scan(8, 64))


def test_fast_modes_gyroresonant_dmumu_matches_qlt_and_scales_as_R_minus_half(fast_cheap):
    check_fast(fast_cheap, floor=0.25, exp_floor=0.1)


@pytest.mark.slow
def test_fast_modes_gyroresonant_dmumu_full(tmp_path):
    from mcparticles.simulation import run
    results = run(fast_scan(16, 128))
    check_fast(results, floor=0.25, exp_floor=0.1)


# -- Alfvenic critical balance (GS95) against slab ----------------------------------------

def gs95_and_slab(realizations, count, M_A=0.3):
    common = {"run": {"name": "gs", "seed": 1995, "realizations": realizations},
              "particles": {"count": count, "rigidity": 0.01},
              "diagnostics": {"mu_bins": 20, "trajectories": 0}}
    gs = parse_card({**common, "field": {"B0": 1.0, "turbulence": [{
        "model": "alfvenic_gs95", "M_A": M_A, "k_min": 1.0, "k_max": 3000.0, "n_modes": 512}]},
        "time": {"t_max": 12.0, "n_output": 16}})
    slab = parse_card({**common, "field": {"B0": 1.0, "turbulence": [{
        "model": "slab", "dB2": M_A ** 2, "k_min": 1.0, "k_max": 3000.0, "n_modes": 256}]},
        "time": {"t_max": 1.0, "n_output": 16}})
    return gs, slab


def d_at_half(res, groups=False):
    """D_mumu around mu = 0.5: mean of the two bins with edges 0.4, 0.5, 0.6 (lag
    estimator at the lag used); per group if ``groups``."""
    mu = res.mu
    sel = (mu > 0.4) & (mu < 0.6)
    assert sel.sum() == 2
    if groups:     # a bin a group has no particle in is left out of that group's mean
        return np.nanmean(res.dmumu.lag_groups[:, res.lag_index, :][:, sel], axis=1)
    return res.dmumu.lag[res.lag_index][sel].mean(), res.qlt_bin_mean[sel].mean()


def check_gs95(run_card, realizations, count):
    """Chandran (2000): critical-balance Alfvenic turbulence scatters far less than slab
    waves with the same dB2.  Both measured at r_g = 0.01 L, dB2 = M_A^2 = 0.09.
    (At M_A = 0.5 the same measurement gives slab/GS95 = 13 +- 2: the non-resonant
    part of the GS95 D_mumu grows faster with M_A than the slab's ~ M_A^2.)"""
    gs_card, slab_card = gs95_and_slab(realizations, count)
    gs = run_card(gs_card, "gs")
    slab = run_card(slab_card, "slab")
    from scipy import stats
    k = float(stats.t.ppf(0.99, realizations - 1))      # one-sided bounds, 1% each
    d_gs_g = d_at_half(gs, groups=True)
    d_sl_g = d_at_half(slab, groups=True)
    d_gs, se_gs = d_gs_g.mean(), d_gs_g.std(ddof=1) / np.sqrt(d_gs_g.size)
    d_sl, se_sl = d_sl_g.mean(), d_sl_g.std(ddof=1) / np.sqrt(d_sl_g.size)
    q_gs = d_at_half(gs)[1]
    q_sl = d_at_half(slab)[1]
    print(f"D(mu=0.5): GS95 {d_gs:.4g} +- {se_gs:.2g} (QLT {q_gs:.3g}, ratio {d_gs / q_gs:.3g}), "
          f"slab {d_sl:.4g} +- {se_sl:.2g} (QLT {q_sl:.3g}); slab/GS95 = {d_sl / d_gs:.3g}")
    # the statement: at least 10 times below slab, with the errors against it
    assert (d_gs + k * se_gs) * 10.0 <= d_sl - k * se_sl
    # slab at dB2 = 0.09 is non-linear but still within a factor 2 of its QLT
    assert 0.5 <= d_sl / q_sl <= 1.2
    # finding: the measured GS95 D exceeds sharp gyroresonant QLT by far -- the
    # local mu also diffuses non-resonantly (mirroring in the second-order |B|
    # fluctuations ~ M_A^2/2 of the Alfvenic field, decorrelated by field-line
    # wandering); the lag (4 L/c) is past the saturation of the reversible part
    assert d_gs - k * se_gs > 10.0 * q_gs
    return d_gs, d_sl


def test_gs95_scatters_at_least_ten_times_less_than_slab(run_card):
    check_gs95(run_card, realizations=16, count=12)


@pytest.mark.slow
def test_gs95_scatters_at_least_ten_times_less_than_slab_full(run_card):
    check_gs95(run_card, realizations=32, count=32)


# -- isotropic Kolmogorov --------------------------------------------------------------

def isotropic_scan(rigidity, dB2, B0, k_max, t_max, realizations, count):
    return parse_scan({
        "run": {"name": "iso", "seed": 1999, "realizations": realizations},
        "field": {"B0": B0, "turbulence": [{"model": "isotropic", "dB2": dB2, "index": 5.0 / 3.0,
                                            "k_min": 1.0, "k_max": k_max, "n_modes": 256}]},
        "particles": {"count": count, "rigidity": rigidity},
        "time": {"t_max": t_max, "n_output": 32},
        "diagnostics": {"mu_bins": 10, "trajectories": 0}})


def test_isotropic_kappa_perp_over_par_rises_with_turbulence(tmp_path):
    """Giacalone & Jokipii (1999), Casse et al. (2002): kappa_perp/kappa_par grows with
    dB^2/B0^2 (measured here 0.008, 0.05, 0.25 at dB2 = 0.3, 1, 3, r_g = 0.03)."""
    from mcparticles.simulation import run
    G = 12
    res = run(isotropic_scan(0.03, [0.3, 1.0, 3.0], 1.0, 333.0, 10.0, G, 24))
    k = k_sigma(G, 2)
    # per realisation, at the last time: (kappa_xx + kappa_yy) / (2 kappa_zz); the
    # points share their field realisations (amplitudes scaled), so compare paired
    ratio_g = []
    for r in res:
        d = r.running.d_groups[:, -1, :3]
        ratio_g.append(0.5 * (d[:, 0] + d[:, 1]) / d[:, 2])
    print("kappa_perp/kappa_par:", [f"{q.mean():.3g} +- {q.std(ddof=1) / np.sqrt(G):.2g}" for q in ratio_g])
    for lo, hi in zip(ratio_g, ratio_g[1:]):
        diff = np.log(hi / lo)
        assert diff.mean() > k * diff.std(ddof=1) / np.sqrt(G), diff


def check_b0_zero(res, realizations):
    """B0 = 0: every direction is equivalent, so kappa_xx = kappa_yy = kappa_zz within
    the errors (an exact symmetry of the ensemble), the late growth is diffusive, and
    the plateau rises with rigidity."""
    k = k_sigma(realizations, 3 * len(res))
    kappas = []
    for r in res:
        g = r.running.d_groups[:, -1, :3]                   # per realisation, last time
        diffs = np.stack([g[:, 0] - g[:, 2], g[:, 1] - g[:, 2], g[:, 0] - g[:, 1]], axis=1)
        mean, se = diffs.mean(0), diffs.std(0, ddof=1) / np.sqrt(g.shape[0])
        print(f"B0 = 0, r_g = {r.card.r_g}: kappa_xx, yy, zz = {g.mean(0)}, alpha = {r.summary['alpha_par']:.3f}")
        assert np.all(np.abs(mean) <= k * se), (mean, se)
        a, ae = r.summary["alpha_par"], r.summary["alpha_par_err"]
        assert abs(a - 1.0) <= k * ae + 0.15, (a, ae)
        kappas.append((g.mean(), g.mean(1).std(ddof=1) / np.sqrt(g.shape[0])))
    for (k1, e1), (k2, e2) in zip(kappas, kappas[1:]):
        assert k2 - k1 > k * np.hypot(e1, e2)


def test_isotropic_b0_zero_rigidity_scan_plateau(tmp_path):
    from mcparticles.simulation import run
    res = run(isotropic_scan([0.05, 0.2], 1.0, 0.0, 200.0, 20.0, 16, 16))
    check_b0_zero(res, 16)


def kpar_exponent(res, realizations):
    """Exponent of kappa_par between the two rigidities, with its error."""
    (s1, s2), (c1, c2) = [r.summary for r in res], [r.card for r in res]
    expo = np.log(s2["kappa_par"] / s1["kappa_par"]) / np.log(c2.r_g / c1.r_g)
    err = (np.hypot(s1["kappa_par_err"] / s1["kappa_par"], s2["kappa_par_err"] / s2["kappa_par"])
           / np.log(c2.r_g / c1.r_g))
    print(f"kappa_par ~ r_g^{expo:.3f} +- {err:.3f}; kappa_par = {s1['kappa_par']:.4g}, {s2['kappa_par']:.4g}; "
          f"alpha_par = {s1['alpha_par']:.3f}, {s2['alpha_par']:.3f}")
    return expo, err


@pytest.mark.slow
def test_isotropic_kappa_par_scales_as_rg_one_third(tmp_path):
    """Quasi-linear scaling for r_g << l_c in Kolmogorov turbulence, lambda_par ~ r_g^(1/3)
    (Giacalone & Jokipii 1999; Candia & Roulet 2004), at dB2 = 1 (eta = 0.5)."""
    from mcparticles.simulation import run
    res = run(isotropic_scan([0.01, 0.08], 1.0, 1.0, 1000.0, 40.0, 16, 32))
    expo, err = kpar_exponent(res, 16)
    # measured: exponent 0.363 +- 0.057, alpha_par = 1.16 and 1.24 at t_max = 40 L/c --
    # close to, not yet at, normal diffusion (the outer-scale modes decorrelate slowly),
    # so the late slope is still rising a little at both rigidities alike
    assert all(r.summary["alpha_par"] < 1.3 for r in res)
    assert abs(expo - 1.0 / 3.0) <= k_sigma(16, 1) * err + 0.1
