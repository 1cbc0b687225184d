"""``run.device = "cuda"`` (mcparticles/gpu.py) end to end: the card key, device
selection per MPI rank, a run on the GPU (the CPU simulator by default, tests/conftest.py)
against the same run on the CPU, the command line, MPI, and -- on a real GPU only -- the
quickstart and a 3D card within their statistical errors and 100-step tracks of a
256-mode field within rounding."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import mcparticles
from mcparticles import gpu
from mcparticles.config import CardError, parse_card

pytest.importorskip("numba_cuda", reason="numba-cuda is not installed (pip install -e '.[test]')")

ON_GPU = os.environ.get("MCPARTICLES_TEST_GPU", "0") not in ("", "0") and not gpu.simulator()
NEEDS_GPU = pytest.mark.skipif(not ON_GPU, reason="needs an NVIDIA GPU: on a machine with one, run "
                               "MCPARTICLES_TEST_GPU=1 pytest tests/test_gpu.py")

TINY = """
[run]
name = "tiny"
seed = 11
realizations = 2
batch_size = 3
device = "cuda"
[field]
B0 = 1.0
[[field.turbulence]]
model = "isotropic"
dB2 = 0.1
k_min = 1.0
k_max = 10.0
n_modes = 6
[particles]
count = 5
rigidity = 0.3
[time]
t_max = 1.5
n_output = 6
[diagnostics]
mu_bins = 4
trajectories = 2
dmumu_max_lag = 1.0
mu_samples_per_gyration = 8
"""
MOVING = (TINY.replace("B0 = 1.0", "B0 = 1.0\nv_A = 0.1").replace('model = "isotropic"', 'model = "fast_modes"')
          .replace("t_max = 1.5", "t_max = 5.0"))


def _card(text, **changes):
    import tomllib
    data = tomllib.loads(text)
    for key, value in changes.items():
        section, name = key.split("__")
        data[section][name] = value
    return parse_card(data)


def test_device_key():
    assert _card(TINY).run.device == "cuda"
    assert _card(TINY.replace('device = "cuda"', "")).run.device == "cpu"
    with pytest.raises(CardError, match=r"run.device = 'gpu': must be one of"):
        _card(TINY, run__device="gpu")
    with pytest.raises(CardError, match="rotation"):
        _card(TINY, field__precision="rotation")
    grid = TINY.replace("B0 = 1.0", 'B0 = 1.0\nbackend = "grid"\ngrid_points = 16')
    with pytest.raises(CardError, match="grid backend runs on the CPU only"):
        _card(grid)


@pytest.mark.parametrize("text", [TINY, MOVING], ids=["static", "moving"])
def test_gpu_run_equals_the_cpu_run(text):
    """The same card on both devices: the same particles in the same field, so every
    statistic agrees to rounding (far inside the statistical errors), and the summary
    says which device ran it."""
    on_gpu = mcparticles.run(_card(text))
    on_cpu = mcparticles.run(_card(text, run__device="cpu"))
    assert on_gpu.summary["timing"]["device"].startswith("cuda: ")
    assert on_cpu.summary["timing"]["device"] == "cpu"
    for key in ("kappa_par", "kappa_perp", "kappa_par_err"):
        assert on_gpu.summary[key] == pytest.approx(on_cpu.summary[key], rel=1e-9), key
    np.testing.assert_allclose(on_gpu.running.d, on_cpu.running.d, rtol=1e-9, atol=1e-15)
    for est in ("lag", "corr", "slope"):
        a, b = getattr(on_gpu.dmumu, est), getattr(on_cpu.dmumu, est)
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12 * np.nanmax(np.abs(b)), err_msg=est)
    np.testing.assert_array_equal(on_gpu.dmumu.counts, on_cpu.dmumu.counts)
    np.testing.assert_allclose(on_gpu.tracks.x, on_cpu.tracks.x, rtol=0, atol=1e-10)
    if "v_A" in text:
        assert on_gpu.summary["A2"] == pytest.approx(on_cpu.summary["A2"], rel=1e-8)
        dpp = on_cpu.momentum.dpp.lag
        assert np.isfinite(dpp).sum() >= 4
        np.testing.assert_allclose(on_gpu.momentum.dpp.lag, dpp, rtol=1e-7, atol=1e-12 * np.nanmax(np.abs(dpp)))


def test_command_line_device_flag(tmp_path):
    """``--device cuda`` on the command line (the simulator here) writes the usual files."""
    card = tmp_path / "tiny.toml"
    card.write_text(TINY.replace('device = "cuda"\n', ""))
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(card), "--device", "cuda", "--quiet",
                        "--output", str(out)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["timing"]["device"].startswith("cuda: ")
    assert (out / "result.h5").exists()
    bad = subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(card), "--device", "tpu", "--quiet",
                          "--output", str(tmp_path / "bad")], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "run.device = 'tpu'" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_no_gpu_is_a_card_error(tmp_path):
    """Without the simulator and without a GPU: exit status 2, one line, nothing written."""
    if ON_GPU:
        pytest.skip("this machine has a GPU")
    card = tmp_path / "tiny.toml"
    card.write_text(TINY)
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0", "CUDA_VISIBLE_DEVICES": ""}
    p = subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(card), "--quiet", "--output",
                        str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().startswith("mcparticles: error: run.device = 'cuda':")
    assert len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_select_device_by_node_local_rank(monkeypatch):
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "0")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5,7")
    gpu.select_device(4, 6)                              # node-local rank 4 of 6: device 4 mod 3 = 1
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "5"
    gpu.select_device(0, 6)                              # already narrowed by us or the launcher: kept
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "5"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5,7")
    gpu.select_device(0, 1)                              # one rank per node: every GPU stays visible
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "2,5,7"


def _mpiexec():
    from tests.test_mpi import _mpiexec as find
    return find()


@pytest.mark.skipif(_mpiexec() is None, reason="mpiexec / mpi4py not installed (pip install -e '.[mpi]')")
def test_two_ranks_on_the_gpu_equal_one(tmp_path):
    """mpiexec -n 2 with run.device = "cuda": the same statistics as one rank (the work
    units and their order of summation do not change)."""
    card = tmp_path / "tiny.toml"
    card.write_text(TINY)
    sums = {}
    for n in (1, 2):
        out = tmp_path / f"r{n}"
        p = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, "-m", "mcparticles.cli", "run", str(card),
                            "--quiet", "--threads", "1", "--output", str(out)], capture_output=True, text=True,
                           timeout=600)
        assert p.returncode == 0, p.stderr
        s = json.loads((out / "summary.json").read_text())
        s.pop("timing")
        sums[n] = s
    assert sums[1] == sums[2]


# ---- on a real GPU only --------------------------------------------------------------

def _within_errors(a, b, key):
    """|a - b| within 3 combined standard errors plus 1e-3 relative (different rounding
    makes the chaotic orbits decorrelate, so the two runs are independent samples of the
    same statistics only after a while: 3 sigma is the honest bound)."""
    va, vb = a.summary[key], b.summary[key]
    ea, eb = a.summary[f"{key}_err"], b.summary[f"{key}_err"]
    assert abs(va - vb) <= 3 * np.hypot(ea, eb) + 1e-3 * abs(vb), (key, va, ea, vb, eb)


@NEEDS_GPU
@pytest.mark.parametrize("card", ["runs/quickstart.toml", "runs/isotropic.toml"])
def test_cards_agree_with_the_cpu_within_errors(card):
    cpu = mcparticles.run(mcparticles.load_card(card).replace(run={"device": "cpu"}))
    dev = mcparticles.run(mcparticles.load_card(card).replace(run={"device": "cuda"}))
    for key in ("kappa_par", "kappa_perp"):
        _within_errors(dev, cpu, key)
    print(card, {k: (dev.summary[k], cpu.summary[k], cpu.summary[f"{k}_err"]) for k in ("kappa_par", "kappa_perp")})


@NEEDS_GPU
def test_tracks_of_a_256_mode_field_agree_for_100_steps():
    """Per particle: 100 steps of 1024 particles in isotropic 256-mode turbulence, GPU
    against CPU, positions within 1e-9 L (FMA contraction differs: rounding only)."""
    from mcparticles.fields import Isotropic
    from mcparticles.kernels.args import StepSettings, push
    from mcparticles.particles import ParticleSpec
    from mcparticles.spectra import PowerLaw
    rng = np.random.default_rng(5)
    modes = Isotropic(PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=300.0), 256).sample(rng)
    p = ParticleSpec(rigidity=0.1)
    x, v = p.initial_state(1024, rng, 6.0)
    s = StepSettings.make(b0=[0, 0, 1.0], qm=p.qm, dt=1 / 300, n_steps=100, out_steps=[100], mu_stride=4, n_lag=8,
                          n_bins=20, chunk=32, traj_n=1024, traj_stride=1, traj_len=101)
    cpu = push(x, v, modes.kernel_args(), s)
    dev = gpu.push(x, v, modes.kernel_args(slab_window=False), s)
    worst = np.max(np.abs(cpu[3][:, :, :3] - dev[3][:, :, :3]))
    print("largest position difference after 100 steps:", worst)
    assert worst < 1e-9
