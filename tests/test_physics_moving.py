"""Moving waves: measured streaming, momentum diffusion and transit-time damping against
quasi-linear theory (docs/physics.md §6).

Tolerances are k standard errors over the realisations (k from tests/test_physics_slab.py:
Student-t at a 1% family-wise false-alarm rate) plus a stated systematic floor:
* streaming speed: 5% of v_A (the acceptance statement; the late-time slope of <dz>
  approaches v_A once the pitch-angle distribution has relaxed in the wave frame);
* D_pp/D_mumu and D_mup/D_mumu (gyro-averaged samples, one estimator, lag and binning
  for numerator and denominator): 15% -- the acceptance statement -- in weak turbulence,
  over the resolved bins with |mu| <= 0.9 as for D_mumu itself (the bins next to |mu| = 1
  span D ~ 1 - mu^2 falling to zero; there the ratio runs 16-18% high at 2 gyro-periods,
  note of issue 12);
* D_mumu in the two central bins of balanced waves (the gap the families close): 25%
  (the D_mumu lag estimator is up to 10% low at small |mu|, docs/physics.md §5.5, and the
  bins straddle each family's own gap at mu = +-v_A/v);
* fast modes, D_mumu and D_pp at v_F/v <= |mu| <= 0.9 against QLT with the n = 0
  (transit-time) term: measured values justify the floors given at each test.
The default suite runs cheaper versions; ``pytest -m slow`` the acceptance statistics.
"""
import numpy as np
import pytest

from mcparticles.config import parse_card
from mcparticles.qlt.moving import transport_mhd
from tests.cards import card_dict
from tests.test_physics_slab import k_sigma


def slab_card(v_A, h_c, dB2, count, t_max, realizations=8, k_max=100.0, rigidity=0.1, n_modes=128, **extra):
    return parse_card(card_dict(field={"v_A": v_A}, turbulence={"cross_helicity": h_c, "dB2": dB2, "k_max": k_max,
                                                               "n_modes": n_modes},
                                particles={"count": count, "rigidity": rigidity},
                                time={"t_max": t_max, "n_output": 48}, run={"realizations": realizations}, **extra))


# -- one family: streaming at v_A, no stochastic acceleration ---------------------------------

def check_streaming(run_card, count, t_max, realizations=8):
    """One slab family (H_c = 1), v_A/v = 0.05, dB2 = 0.1: the late <dz>/t is v_A within
    k sigma + 5%, the QLT streaming speed is v_A (O(eps^2)), and A2 is consistent with
    zero.  Returns the Result."""
    res = run_card(slab_card(0.05, 1.0, 0.1, count, t_max, realizations))
    s = res.summary
    k = k_sigma(realizations, 2)
    assert abs(s["streaming_speed"] - 0.05) <= k * s["streaming_speed_err"] + 0.05 * 0.05, s["streaming_speed"]
    assert s["qlt_streaming_speed"] == pytest.approx(0.05, rel=0.01)
    assert abs(s["A2"]) <= k * s["A2_err"], (s["A2"], s["A2_err"])
    return res


def test_one_family_streams_at_the_alfven_speed(run_card):
    check_streaming(run_card, count=96, t_max=120.0)


@pytest.mark.slow
def test_one_family_streams_at_the_alfven_speed_acceptance(run_card):
    """Acceptance: streaming speed = v_A within 3 sigma + 5%; |A2| below 5% of the
    balanced case's measured A2 (same field, H_c = 0)."""
    one = check_streaming(run_card, count=512, t_max=300.0).summary
    bal = run_card(slab_card(0.05, 0.0, 0.1, 512, 300.0)).summary
    print(f"streaming {one['streaming_speed']:.4g} +- {one['streaming_speed_err']:.2g} (v_A = 0.05); "
          f"A2 one family {one['A2']:.3g} +- {one['A2_err']:.2g}, balanced {bal['A2']:.4g} +- {bal['A2_err']:.2g}")
    assert one["streaming_speed_err"] < 0.1 * 0.05            # the 5% statement is resolved
    assert one["streaming_speed"] > k_sigma(8, 1) * one["streaming_speed_err"]    # no streaming is excluded
    assert abs(one["A2"]) + 3 * one["A2_err"] < 0.05 * bal["A2"]
    assert abs(bal["streaming_speed"]) <= k_sigma(8, 1) * bal["streaming_speed_err"]


# -- balanced families: momentum diffusion, the closed gap, A2 and kappa ----------------------

def momentum_ratios(res):
    """(mu, ratio_pp, err_pp, ratio_up, err_up): measured D_pp/D_mumu and D_mup/D_mumu
    (gyro-averaged samples: one estimator, lag and binning) over the QLT ratios, with
    their relative standard errors, in the resolved bins with |mu| <= 0.9."""
    m = res.momentum
    edges = res.mu_edges
    sel = res.resolved & (np.maximum(np.abs(edges[:-1]), np.abs(edges[1:])) <= 0.9 + 1e-12)
    li = m.lag_index
    den, den_err = m.dmumu_averaged.slope[li], m.dmumu_averaged.slope_err[li]
    out = [res.mu[sel]]
    for num, err, q in ((m.dpp_value, m.dpp_err, m.qlt_dpp_bin_mean), (m.dmup_value, m.dmup_err, m.qlt_dmup_bin_mean)):
        ratio = (num / den) / (q / res.qlt_bin_mean)
        out += [ratio[sel], np.abs(ratio[sel]) * np.hypot(err[sel] / num[sel], den_err[sel] / den[sel])]
    return out


def check_balanced_weak(run_card, count, t_max, wrong_eps_check=True):
    """Balanced slab families (H_c = 0), v_A/v = 0.05, dB2 = 0.003, r_g = 0.1, k up to 300
    (each family's own gap |mu - j eps| < 1/(r_g k_max) = 0.033 lies inside the other's
    resonances): D_pp/D_mumu and D_mup/D_mumu follow QLT within 15% + k sigma; D_mumu in the
    two bins around mu = 0 is non-zero and matches the two-family QLT within 25% + k sigma."""
    card = slab_card(0.05, 0.0, 0.003, count, t_max, k_max=300.0)
    res = run_card(card)
    mu, rpp, epp, rup, eup = momentum_ratios(res)
    assert mu.size >= 14
    k = k_sigma(card.run.realizations, 2 * mu.size)
    assert np.all(np.abs(rpp - 1) <= 0.15 + k * epp), (mu, rpp, epp)
    assert np.all(np.abs(rup - 1) <= 0.15 + k * eup), (mu, rup, eup)
    # the mean over the bins, weighted by the errors, is within the 15% itself
    for r, e in ((rpp, epp), (rup, eup)):
        w = 1 / e ** 2
        mean, err = np.sum(w * r) / np.sum(w), 1 / np.sqrt(np.sum(w))
        assert abs(mean - 1) <= 0.15 + k_sigma(card.run.realizations, 2) * err, (mean, err)
    # the gap is closed: D_mumu at |mu| < 0.1 is QLT's two-family value, not zero
    centre = np.abs(res.mu) < 0.1
    q = res.qlt_bin_mean[centre]
    static_gap = 1.0 / (card.r_g * card.field.k_par_max)
    assert np.all(q > 0) and static_gap < 0.05
    d, e = res.dmumu_value[centre], res.dmumu_err[centre]
    assert np.all(np.abs(d / q - 1) <= 0.25 + k_sigma(card.run.realizations, 2) * e / q), (d / q, e / q)
    if wrong_eps_check:
        # broken on purpose: against the QLT ratio for v_A 30% higher (D_pp/D_mumu ~ eps^2)
        # the same measurement fails
        assert np.median(rpp) * 1.3 ** -2 < 0.85
    return res


def test_balanced_waves_momentum_diffusion_and_closed_gap(run_card):
    check_balanced_weak(run_card, count=64, t_max=40.0)


@pytest.mark.slow
def test_balanced_waves_momentum_diffusion_and_closed_gap_acceptance(run_card):
    res = check_balanced_weak(run_card, count=512, t_max=100.0)
    mu, rpp, epp, rup, eup = momentum_ratios(res)
    print("D_pp/D_mumu over QLT:", np.round(rpp, 3), "+-", np.round(epp, 3))
    print("D_mup/D_mumu over QLT:", np.round(rup, 3), "+-", np.round(eup, 3))
    centre = np.abs(res.mu) < 0.1
    print("D_mumu at |mu| < 0.1:", res.dmumu_value[centre], "+-", res.dmumu_err[centre], "QLT (two families)",
          res.qlt_bin_mean[centre])
    assert np.all(epp < 0.05)                  # the 15% statement is resolved bin by bin


def check_balanced_transport(run_card, count, t_max):
    """Balanced waves, dB2 = 0.01 (QLT D_mumu within 3-7%, docs/physics.md §8): measured
    kappa_par within 10% + k sigma of QLT; A2 within 30% + k sigma; A2 kappa_par within
    40% + k sigma.  The floors for A2 are measured, not tuned: D_pp/D_mumu rises above its
    QLT value with the turbulence level (1.00-1.08 at dB2 = 0.003, ~1.2 at 0.01, 3.7 at 0.1;
    second order in dB, beyond QLT), and A2 with it; and the particles gain energy (<dp>/t
    ~ 4e-5: a few % by the fit window), which raises A2 ~ p^(5/3) and kappa ~ p^(1/3) above
    their values at p0 (measured with t_max = 2000: kappa +14%, A2 +31%)."""
    card = slab_card(0.05, 0.0, 0.01, count, t_max)
    res = run_card(card)
    s = res.summary
    print(f"kappa_par {s['kappa_par']:.4g} +- {s['kappa_par_err']:.2g} (QLT {s['qlt_kappa_par']:.4g}, plateau "
          f"{s['plateau_reached']}, alpha_par {s['alpha_par']:.3g}); A2 {s['A2']:.4g} +- {s['A2_err']:.2g} (QLT "
          f"{s['qlt_A2']:.4g}); A2 kappa_par {s['A2_kappa_par']:.4g} (QLT {s['qlt_A2_kappa_par']:.4g}; Skilling "
          f"p^2 v_A^2/9 = {0.05 ** 2 / 9:.4g})")
    k = k_sigma(card.run.realizations, 3)
    # the kappa fit window lies past 5 ballistic times (docs/physics.md §5.2); the late
    # exponent over the last decade still carries the ballistic phase at t_max ~ 10 t_b
    # (1.14-1.21 measured), so the plateau flag (|alpha - 1| <= 0.15) is not required
    assert s["plateau_t_start"] >= 5 * s["t_ballistic"]
    assert abs(s["kappa_par"] / s["qlt_kappa_par"] - 1) <= 0.10 + k * s["kappa_par_err"] / s["qlt_kappa_par"]
    assert abs(s["A2"] / s["qlt_A2"] - 1) <= 0.30 + k * s["A2_err"] / s["qlt_A2"]
    prod_err = s["A2_kappa_par"] * np.hypot(s["A2_err"] / s["A2"], s["kappa_par_err"] / s["kappa_par"])
    assert abs(s["A2_kappa_par"] / s["qlt_A2_kappa_par"] - 1) <= 0.40 + k * prod_err / s["qlt_A2_kappa_par"]
    assert s["A2"] > 5 * s["A2_err"]           # stochastic acceleration is measured, not noise
    return s


def test_balanced_waves_accelerate_stochastically(run_card):
    """Cheap twin: A2 > 0 significantly, within a factor 2 of QLT, no net streaming."""
    card = slab_card(0.05, 0.0, 0.01, 64, 300.0)
    s = run_card(card).summary
    assert s["A2"] > 4 * s["A2_err"] and 0.5 < s["A2"] / s["qlt_A2"] < 2.0, (s["A2"], s["A2_err"], s["qlt_A2"])
    assert abs(s["streaming_speed"]) <= k_sigma(8, 1) * s["streaming_speed_err"]


@pytest.mark.slow
def test_balanced_waves_A2_and_kappa_against_qlt(run_card):
    """t_max = 1200 ~ 10 ballistic times: the fit window starts at 5 t_b."""
    check_balanced_transport(run_card, count=128, t_max=1200.0)


# -- fast modes: transit-time damping ---------------------------------------------------------

def fast_card(count, t_max, realizations=8):
    d = card_dict(field={"v_A": 0.1}, particles={"count": count}, time={"t_max": t_max, "n_output": 32},
                  run={"realizations": realizations})
    d["field"]["turbulence"] = [{"model": "fast_modes", "dB2": 0.01, "k_max": 100.0, "n_modes": 256}]
    return parse_card(d)


def check_transit_time(run_card, count, t_max, realizations=16):
    """Fast modes at v_F/v = 0.1 (beta = 0), dB2 = 0.01, r_g = 0.1: D_mumu (slope estimator)
    and D_pp at 0.3 <= |mu| <= 0.9 within a factor 2 (+ k sigma) of QLT with the n = 0
    transit-time term, and at 0.2 <= |mu| <= 0.4 -- where n = 0 carries 70-90% of QLT
    D_mumu -- more than twice the QLT without it.

    The factor 2 is measured and stated, not tuned: in static fast modes the measured
    D_mumu already exceeds sharp QLT by 1.3-1.6 at |mu| < 0.6 (reversible mirroring in the
    compressions and non-resonant changes of the local mu, docs/physics.md §8), and the
    sharp transit-time resonance, which peaks just above |mu| = v_F/v, is smoothed by
    the spread of v_par (Yan & Lazarian 2008): the bin 0.1 < |mu| < 0.2 measures ~0.2 of
    sharp QLT and is left out."""
    card = fast_card(count, t_max, realizations)
    res = run_card(card)
    comp = card.field.components[0]
    omega = card.particles.gyrofrequency(1.0)
    li, mu = res.lag_index, res.mu
    n0 = transport_mhd(mu, comp.spectrum3d(), comp.waves, omega=omega, speed=1.0, harmonics=0)
    full = transport_mhd(mu, comp.spectrum3d(), comp.waves, omega=omega, speed=1.0)
    m = res.momentum
    band = (np.abs(mu) >= 0.3) & (np.abs(mu) <= 0.9)
    small = (np.abs(mu) >= 0.2) & (np.abs(mu) <= 0.4)
    k = k_sigma(card.run.realizations, 2 * int(band.sum() + small.sum()))
    d, e = res.dmumu.slope[li], res.dmumu.slope_err[li]
    for val, err, q, q0 in ((d, e, full[0], n0[0]), (m.dpp_value, m.dpp_err, full[2], n0[2])):
        r, re = val / q, err / q
        assert np.all(np.abs(np.log(r[band])) <= np.log(2.0) + k * re[band] / r[band]), (mu[band], r[band])
        without = val / (q - q0)                  # QLT with the n = 0 term removed
        assert np.all(without[small] - k * err[small] / (q - q0)[small] > 2.0), (mu[small], without[small])
    return res


def test_fast_modes_show_transit_time_damping(run_card):
    check_transit_time(run_card, count=48, t_max=25.0)


@pytest.mark.slow
def test_fast_modes_show_transit_time_damping_acceptance(run_card):
    res = check_transit_time(run_card, count=256, t_max=40.0)
    m, li = res.momentum, res.lag_index
    print("mu", np.round(res.mu, 2))
    print("D_mumu/QLT", np.round(res.dmumu.slope[li] / res.qlt_bin_mean, 2))
    print("D_pp/QLT", np.round(m.dpp_value / m.qlt_dpp_bin_mean, 2))
