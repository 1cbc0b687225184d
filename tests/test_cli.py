"""Command line and output layout (docs/output.md)."""
import json

import h5py
import numpy as np
import pytest

from mcparticles.cli import main

CARD = """
[run]
name = "small"
seed = 7
realizations = 2
batch_size = 16

[field]
B0 = 1.0

[[field.turbulence]]
model = "slab"
dB2 = 0.03
k_min = 1.0
k_max = 100.0
n_modes = 16

[particles]
count = 32
rigidity = 0.1

[time]
t_max = 3.0
n_output = 12

[diagnostics]
mu_bins = 10
trajectories = 3
track_points = 50
"""


@pytest.fixture
def card(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(CARD)
    return p


def test_qlt_json(card, capsys):
    assert main(["qlt", str(card), "--mu", "0.3,0.5,0.8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mu"] == [0.3, 0.5, 0.8]
    assert len(out["dmumu"]) == 3 and all(d > 0 for d in out["dmumu"])
    assert out["lambda_par"] == pytest.approx(3 * out["kappa_par"])
    # slab formula at mu = 0.5 by hand: (pi/4) Omega (1-mu^2) k P(k), k = 1/(r_g mu) = 20
    q = 5 / 3
    norm = 0.03 * (1 - q) / (100 ** (1 - q) - 1)
    expected = np.pi / 4 * 10 * 0.75 * 20 * norm * 20 ** -q
    assert out["dmumu"][1] == pytest.approx(expected, rel=1e-10)
    assert main(["qlt", str(card)]) == 0     # human-readable, default mu = bin centres
    assert "kappa_par" in capsys.readouterr().out


def test_qlt_json_moving_waves(card, capsys):
    """--json adds dpp, dmup, A2, streaming_speed for moving waves; the one-family slab
    values by hand: D_pp = D_mumu eps^2/(1 - mu eps)^2, D_mup = D_mumu eps/(1 - mu eps)."""
    assert main(["qlt", str(card), "--mu", "0.3,-0.5", "--json", "--set", "field.v_A=0.05",
                 "--set", "field.turbulence.0.cross_helicity=1.0"]) == 0
    out = json.loads(capsys.readouterr().out)
    d, eps, mu = np.array(out["dmumu"]), 0.05, np.array([0.3, -0.5])
    assert out["v_A"] == 0.05 and out["eps"] == 0.05
    np.testing.assert_allclose(out["dpp"], d * eps ** 2 / (1 - mu * eps) ** 2, rtol=1e-13)
    np.testing.assert_allclose(out["dmup"], d * eps / (1 - mu * eps), rtol=1e-13)
    assert out["streaming_speed"] == pytest.approx(0.05, rel=0.01) and abs(out["A2"]) < 1e-15
    assert main(["qlt", str(card), "--set", "field.v_A=0.05"]) == 0
    assert "D_pp [p0^2 c/L]" in capsys.readouterr().out
    assert main(["qlt", str(card), "--json"]) == 0
    assert "dpp" not in json.loads(capsys.readouterr().out)       # static: no momentum keys


def test_run_writes_the_interface_layout(card, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(card), "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "kappa_par" in text and "D_mumu measured/QLT" in text
    with h5py.File(out / "result.h5") as f:
        assert "[run]" in f.attrs["card_toml"] and f.attrs["version"] and f.attrs["seed"] == 7
        for name in ("running/t", "running/kappa_xx", "running/kappa_yy", "running/kappa_zz",
                     "running/kappa_xx_err", "running/kappa_yy_err", "running/kappa_zz_err",
                     "dmumu/mu", "dmumu/value", "dmumu/err", "dmumu/lag", "dmumu/qlt",
                     "trajectories/t", "trajectories/x", "trajectories/u"):
            assert name in f, name
            assert "units" in f[name].attrs and "description" in f[name].attrs
        n_tr, nt, three = f["trajectories/x"].shape
        assert (n_tr, three) == (3 * 2, 3) and 40 <= nt <= 50      # at most track_points
        t = f["trajectories/t"][()]
        assert t[-1] <= 3.0 and np.allclose(np.diff(t), t[1])
        assert f["dmumu/value"].shape == (10,)
        assert "summary" in f and "kappa_par" in f["summary"].attrs
    s = json.loads((out / "summary.json").read_text())
    for key in ("kappa_par", "kappa_par_err", "kappa_perp", "kappa_perp_err", "lambda_par", "alpha_par",
                "alpha_perp", "qlt_kappa_par", "qlt_lambda_par", "dmumu_ratio_median", "particle_steps"):
        assert key in s, key
    for key in ("wall_seconds", "steps_per_second", "ranks", "threads"):   # under their own key
        assert key in s["timing"] and key not in s, key
    assert s["particle_steps"] == 64 * s["n_steps"]
    for png in ("dmumu.png", "running_kappa.png", "trajectories.png"):
        assert (out / png).stat().st_size > 1000
    assert not (out / "checkpoint").exists()
    (out / "dmumu.png").unlink()
    assert main(["plot", str(out)]) == 0
    assert (out / "dmumu.png").exists()


def test_info_reports_resolution(card, capsys):
    assert main(["info", str(card)]) == 0
    text = capsys.readouterr().out
    for word in ("steps per gyration", "per decade", "90-degree gap", "particle-steps", "MiB"):
        assert word in text
    assert "WARNING" in text   # 16 modes over two decades: too few per decade


def test_interrupted_run_resumes_to_the_same_result(card, tmp_path, monkeypatch):
    """Interrupt after two of four work units, resume, compare with a straight run."""
    from mcparticles import execution, simulation
    from mcparticles.config import load_card

    c = load_card(card)
    straight = simulation.run(c, tmp_path / "a", plots=False)
    real = execution.run_unit
    calls = {"n": 0}

    def flaky(*args, **kw):
        if calls["n"] == 2:
            raise simulation.Interrupted("test signal")
        calls["n"] += 1
        return real(*args, **kw)

    monkeypatch.setattr(execution, "run_unit", flaky)
    with pytest.raises(simulation.Interrupted):
        simulation.run(c, tmp_path / "b", plots=False)
    assert len(list((tmp_path / "b" / "checkpoint").glob("unit_*.npz"))) == 2
    assert not (tmp_path / "b" / "result.h5").exists()
    # a plain rerun refuses to overwrite the unfinished run
    assert main(["run", str(card), "--output", str(tmp_path / "b"), "--quiet"]) == 2
    # partial figures from the finished units
    assert main(["plot", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / "partial" / "dmumu.png").exists()
    monkeypatch.setattr(execution, "run_unit", real)
    resumed = simulation.run(c, tmp_path / "b", resume=True, plots=False)
    phys = lambda s: {k: v for k, v in s.items() if k != "timing"}  # noqa: E731
    assert phys(resumed.summary) == phys(straight.summary)
    assert np.array_equal(resumed.dmumu.lag, straight.dmumu.lag, equal_nan=True)
