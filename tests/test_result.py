"""Result and ScanResult: written and read back equal, summary == summary.json, missing
values None everywhere (JSON null, HDF5 empty attribute), plots on given Axes."""
import json

import h5py
import numpy as np
import pytest

import mcparticles
from mcparticles.config import parse_card, parse_scan
from tests.cards import card_dict

B0_ZERO = {"B0": 0.0, "turbulence": [{"model": "isotropic", "dB2": 1.0, "k_min": 1.0, "k_max": 30.0,
                                      "n_modes": 32}]}


def assert_results_equal(a, b):
    assert type(a) is type(b)
    assert a.summary == b.summary
    assert a.card == b.card and a.lag_index == b.lag_index
    for name in ("t", "d", "d_err", "d_groups"):
        assert np.array_equal(getattr(a.running, name), getattr(b.running, name)), name
    for name in ("lags", "lag", "lag_err", "corr", "corr_err", "counts", "slope", "slope_err", "lag_groups"):
        assert np.array_equal(getattr(a.dmumu, name), getattr(b.dmumu, name), equal_nan=True), name
    for name in ("mu_edges", "qlt_centre", "qlt_bin_mean", "resolved"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    for name in ("t", "x", "u", "mu"):
        assert np.array_equal(getattr(a.tracks, name), getattr(b.tracks, name)), name
    assert a.tracks.u_is_gamma_v == b.tracks.u_is_gamma_v
    assert (a.units_done, a.units_total) == (b.units_done, b.units_total)


def test_single_point_round_trip(tmp_path):
    card = parse_card(card_dict(particles={"count": 16}, time={"t_max": 2.0}, run={"realizations": 3}))
    result = mcparticles.run(card)
    result.save(tmp_path / "r", plots=False)
    loaded = mcparticles.Result.load(tmp_path / "r")
    assert_results_equal(result, loaded)
    assert loaded.summary == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert (loaded.units_done, loaded.units_total) == (3, 3)


def test_missing_values_are_none_json_null_and_empty_hdf5_attributes(tmp_path):
    """B0 = 0: no QLT; one realisation: no error bars."""
    card = parse_card(card_dict(field=B0_ZERO, particles={"count": 8}, time={"t_max": 1.0},
                                run={"realizations": 1, "batch_size": 8}))
    result = mcparticles.run(card, tmp_path / "r", plots=False)
    s = result.summary
    assert s["qlt_kappa_par"] is None and s["kappa_par_err"] is None and s["sigma2"] is None
    assert s["qlt_kappa_note"] == "QLT needs a mean field: field.B0 = 0"
    text = (tmp_path / "r" / "summary.json").read_text()
    assert '"qlt_kappa_par": null' in text and '"none"' not in text
    with h5py.File(tmp_path / "r" / "result.h5") as f:
        attr = f["summary"].attrs["qlt_kappa_par"]
        assert isinstance(attr, h5py.Empty)
        assert not any(isinstance(v, str) and v == "none" for v in f["summary"].attrs.values())
        assert np.all(np.isnan(f["dmumu/qlt"][()]))
    assert mcparticles.Result.load(tmp_path / "r").summary == s


def test_scan_round_trip_and_point_access(tmp_path):
    scan = parse_scan(card_dict(particles={"count": 8, "rigidity": [0.05, 0.1]}, time={"t_max": 1.0},
                                run={"realizations": 2}))
    result = mcparticles.run(scan, tmp_path / "s", plots=False)
    loaded = mcparticles.Result.load(tmp_path / "s")
    assert isinstance(loaded, mcparticles.ScanResult) and len(loaded) == 2
    assert loaded.summary == json.loads((tmp_path / "s" / "summary.json").read_text()) == result.summary
    for a, b in zip(result, loaded):
        assert_results_equal(a, b)
    assert_results_equal(mcparticles.Result.load(tmp_path / "s", point=1), result[1])
    assert loaded.table["rigidity"] == [0.05, 0.1]


def test_plots_take_a_result_and_an_axes(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    card = parse_card(card_dict(particles={"count": 8}, time={"t_max": 1.0}, run={"realizations": 2}))
    result = mcparticles.run(card)
    fig, axes = plt.subplots(1, 3)
    assert result.plot_dmumu(ax=axes[0]) is axes[0]
    assert result.plot_running(ax=axes[1]) is axes[1]
    assert result.plot_trajectories(ax=axes[2]) is axes[2]
    assert axes[0].get_yscale() == "log" and len(axes[0].lines) > 0
    plt.close(fig)
    ax = result.plot_dmumu()                       # a figure of its own
    assert ax.figure is not fig


def test_tracks_store_gamma_v(tmp_path):
    """u = gamma v: for v = 0.6 c, |u| = 0.75 along every track, to rounding (static fields
    conserve |v|); for v = c the tracks keep v."""
    card = parse_card(card_dict(particles={"count": 8, "speed": 0.6}, time={"t_max": 2.0}, run={"realizations": 2}))
    r = mcparticles.run(card, tmp_path / "r", plots=False)
    u = np.linalg.norm(r.tracks.u, axis=2)
    assert r.tracks.u_is_gamma_v and u.size > 100
    np.testing.assert_allclose(u, 0.6 / np.sqrt(1 - 0.36), rtol=1e-12)
    with h5py.File(tmp_path / "r" / "result.h5") as f:
        assert "gamma v" in f["trajectories/u"].attrs["description"]
    fast = mcparticles.run(card.replace(particles={"speed": 1.0}))
    assert not fast.tracks.u_is_gamma_v
    np.testing.assert_allclose(np.linalg.norm(fast.tracks.u, axis=2), 1.0, rtol=1e-12)


@pytest.mark.parametrize("threads", [1, 64])
def test_timing_reports_the_threads_used(threads):
    import numba
    card = parse_card(card_dict(particles={"count": 8}, time={"t_max": 0.5}, run={"realizations": 1}))
    r = mcparticles.run(card, threads=threads)
    assert r.timing["threads"] == min(threads, numba.config.NUMBA_NUM_THREADS)
    assert r.timing["kernel_seconds"] > 0 and r.timing["ranks"] == 1


def test_moving_wave_result_round_trip_and_figures(tmp_path):
    """A moving-wave run: the momentum transport (D_pp, D_mup, the averaged D_mumu, the
    running moments) is written and read back equal; the summary has the moving-wave keys;
    the CLI layout draws momentum.png and streaming.png; tracks carry u = gamma v."""
    card = parse_card(card_dict(field={"v_A": 0.05}, turbulence={"cross_helicity": 0.5},
                                particles={"count": 16, "speed": 0.8}, time={"t_max": 3.0}, run={"realizations": 3}))
    result = mcparticles.run(card, tmp_path / "r", plots=True)
    for name in ("momentum.png", "streaming.png", "dmumu.png"):
        assert (tmp_path / "r" / name).stat().st_size > 1000
    loaded = mcparticles.Result.load(tmp_path / "r")
    assert_results_equal(result, loaded)
    a, b = result.momentum, loaded.momentum
    assert a.lag_index == b.lag_index and a.lag_index > 0
    for scan in ("dpp", "dmup", "dmumu_averaged"):
        for name in ("lags", "lag", "lag_err", "corr", "corr_err", "counts", "slope", "slope_err", "lag_groups"):
            assert np.array_equal(getattr(getattr(a, scan), name), getattr(getattr(b, scan), name), equal_nan=True)
    for name in ("t", "p2", "p2_err", "mean_dp", "mean_dp_err", "mean_dz", "mean_dz_err", "var_p_groups", "dz_groups"):
        assert np.array_equal(getattr(a.running, name), getattr(b.running, name), equal_nan=True), name
    for name in ("qlt_dpp_centre", "qlt_dpp_bin_mean", "qlt_dmup_centre", "qlt_dmup_bin_mean"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    s = loaded.summary
    for key in ("A2", "A2_err", "qlt_A2", "streaming_speed", "streaming_speed_err", "qlt_streaming_speed", "v_A"):
        assert key in s
    # H_c = 0.5: (D+ - D-)/(D+ + D-) = 0.5 up to the shifts mu -+ v_A/v of the two resonances
    assert s["v_A"] == 0.05 and s["qlt_streaming_speed"] == pytest.approx(0.5 * 0.05, rel=0.1)
    with h5py.File(tmp_path / "r" / "result.h5") as f:
        for name in ("dpp/mu", "dpp/value", "dpp/err", "dpp/qlt", "dmup/value", "running/p2", "running/p2_err",
                     "running/mean_dz", "running/mean_dz_err"):
            assert name in f, name
    # u = gamma v with the current gamma: |u| = gamma0 v0 |P|, and |P| changes a little
    u = np.linalg.norm(loaded.tracks.u, axis=2)
    u0 = 0.8 / np.sqrt(1 - 0.64)
    assert np.allclose(u[:, 0], u0, rtol=1e-12) and np.all(np.abs(u / u0 - 1) < 0.2)
    assert loaded.tracks.u_is_gamma_v
    # a static run has no momentum part
    static = mcparticles.run(parse_card(card_dict(particles={"count": 8}, time={"t_max": 1.0})))
    assert static.momentum is None and "A2" not in static.summary
