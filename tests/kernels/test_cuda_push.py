"""The GPU kernel (kernels/cuda_push.py) against the CPU kernel (kernels/push.py).

On the CPU simulator (the default, tests/conftest.py) and on a real GPU alike: the same
particles in the same field must follow the same orbits to rounding, and every moment the
CPU kernel accumulates must come out the same, to the rounding of the fixed-point sums
(at most cap 2^-63 per value)."""
import math
import os

import numpy as np
import pytest

from mcparticles import gpu
from mcparticles.fields import FastModes, Isotropic
from mcparticles.fields.composite import Composite
from mcparticles.fields.slab import Slab
from mcparticles.kernels import lorentz, trig
from mcparticles.kernels.args import StepSettings, push
from mcparticles.particles import ParticleSpec
from mcparticles.spectra import PowerLaw

pytest.importorskip("numba_cuda", reason="numba-cuda is not installed (pip install -e '.[test]')")
from numba import cuda  # noqa: E402

from mcparticles.kernels import cuda_push  # noqa: E402

K = dict(k_min=1.0, k_max=30.0)
FIELDS = {
    "isotropic": lambda: Isotropic(PowerLaw(dB2=0.1, index=5 / 3, **K), 12),
    "composite": lambda: Composite(PowerLaw(dB2=0.1, index=5 / 3, **K), 8),
    "slab_windowed": lambda: Slab(PowerLaw(dB2=0.1, index=5 / 3, **K), 64),     # the CPU sums it by Chebyshev window
    "fast_modes": lambda: FastModes(PowerLaw(dB2=0.1, index=1.5, **K), 10),
    "alfven_balanced_moving": lambda: Slab(PowerLaw(dB2=0.1, index=5 / 3, **K), 6, cross_helicity=0.0, v_A=0.1),
    "fast_modes_moving": lambda: FastModes(PowerLaw(dB2=0.1, index=1.5, **K), 8, v_A=0.1),
}


def case(name, n=6, n_steps=36, speed=1.0, seed=3):
    """(x, v, CPU field, GPU field, settings): n particles, every diagnostic on, small."""
    rng = np.random.default_rng(seed)
    modes = FIELDS[name]().sample(rng)
    p = ParticleSpec(rigidity=0.3, speed=speed)
    x, v = p.initial_state(n, rng, 6.0)
    settings = StepSettings.make(b0=[0.0, 0.0, 1.0], qm=p.qm, mass2=p.mass2, dt=0.02, n_steps=n_steps,
                                 out_steps=[1, 7, 20, n_steps], mu_stride=2, n_lag=5, n_bins=4, n_avg=3, chunk=4,
                                 traj_n=4, traj_stride=1, traj_len=n_steps + 1)
    return x, v, modes.kernel_args(), modes.kernel_args(slab_window=False), settings


def assert_same(cpu, dev, what=""):
    """Every output of the two kernels equal to rounding: counts exactly, sums to 1e-10
    of their column's largest value (orbits of 36 steps stay within ~1e-14 of each
    other; the fixed-point rounding is <= cap 2^-63 per value)."""
    names = ("disp", "lag", "cor", "traj", "bad")
    for name, a, b in zip(names, cpu, dev):
        a = a.sum(axis=0) if name in ("disp", "lag", "cor") else a
        b = b.sum(axis=0) if name in ("disp", "lag", "cor") else b
        assert a.shape == b.shape, (what, name)
        if name == "bad":
            np.testing.assert_array_equal(a, b)
            continue
        if name in ("lag", "cor"):
            counts = [0, 3] if a.shape[-1] == 8 else [0, 2] if a.shape[-1] == 7 else [0]
            np.testing.assert_array_equal(a[..., counts], b[..., counts], err_msg=f"{what} {name} counts")
        scale = np.max(np.abs(a), axis=tuple(range(a.ndim - 1)), keepdims=True)
        worst = np.max(np.abs(b - a) / (scale + 1e-300))
        assert worst <= 1e-10, f"{what} {name}: differs by {worst:.3g} of the column's largest value"


@pytest.mark.parametrize("name", list(FIELDS))
def test_gpu_kernel_reproduces_the_cpu_kernel(name):
    """Static and moving fields, 2D/slab/general columns, windowed slab families: the GPU
    (3 blocks of 2 threads, one partly empty) gives the CPU kernel's tracks and moments."""
    x, v, f_cpu, f_gpu, s = case(name, speed=0.9 if "moving" in name else 1.0)
    assert f_gpu.moving == ("moving" in name)
    cpu = push(x, v, f_cpu, s)
    dev = gpu.push(x, v, f_gpu, s, threads=2)
    assert_same(cpu, dev, name)
    assert np.all(cpu[1].sum(axis=0)[..., 0].sum() > 0)          # the lag sums saw samples


def test_gpu_repeats_bit_for_bit():
    """Two launches of the same work -- the second with a register limit, which changes
    the machine code but not the arithmetic -- give every output identical to the last
    bit (the fixed-point sums do not depend on the order the threads add in)."""
    x, v, _, f, s = case("fast_modes_moving", speed=0.9)
    a = gpu.push(x, v, f, s, threads=2)
    b = gpu.push(x, v, f, s, threads=2, max_registers=96)
    for u, w in zip(a, b):
        np.testing.assert_array_equal(u, w)


def test_comparison_catches_a_broken_cosine(monkeypatch):
    """Break on purpose: a cosine with the wrong sign in one quadrant makes the GPU
    kernel disagree with the CPU one (simulator only: a compiled GPU kernel cannot have
    a device function swapped under it)."""
    if not gpu.simulator():
        pytest.skip("replacing a device function needs the simulator (NUMBA_ENABLE_CUDASIM=1)")
    good = cuda_push.cos_dev

    def broken(t):
        c = good(t)
        return -c if math.sin(t) > 0.9 else c
    monkeypatch.setattr(cuda_push, "cos_dev", broken)
    x, v, f_cpu, f_gpu, s = case("isotropic")
    with pytest.raises(AssertionError):
        assert_same(push(x, v, f_cpu, s), gpu.push(x, v, f_gpu, s, threads=2))


@cuda.jit
def _device_functions(t, cos_out, vin, bin_, p_out, l_out):
    i = cuda.grid(1)
    if i < t.shape[0]:
        cos_out[i] = cuda_push.cos_dev(t[i])
    if i < vin.shape[0]:
        a, b, c = cuda_push.boris_dev(vin[i, 0], vin[i, 1], vin[i, 2], bin_[i, 0], bin_[i, 1], bin_[i, 2], 0.37)
        p_out[i, 0] = a
        p_out[i, 1] = b
        p_out[i, 2] = c
        a, b, c, d = cuda_push.lorentz_dev(vin[i, 0], vin[i, 1], vin[i, 2], 1.3, bin_[i, 0], bin_[i, 1], bin_[i, 2],
                                           0.1 * bin_[i, 1], -0.1 * bin_[i, 0], 0.0, 0.05, 0.3)
        l_out[i, 0] = a
        l_out[i, 1] = b
        l_out[i, 2] = c
        l_out[i, 3] = d


def test_device_functions_match_the_cpu_ones():
    """cos_dev within 2.5e-16 of libm for |t| <= 1e6 (trig.py's bound, 1.2e-16, plus the
    FMA the simulator does not fuse) and of cos_poly; the Boris and Lorentz steps equal
    the CPU ones to rounding."""
    rng = np.random.default_rng(7)
    t = np.concatenate([rng.uniform(-10, 10, 200), rng.uniform(-1e6, 1e6, 200),
                        np.arange(-8, 9) * np.pi / 4])
    vin = rng.normal(size=(64, 3))
    bin_ = rng.normal(size=(64, 3))
    cos_out = np.zeros(t.size)
    p_out = np.zeros((64, 3))
    l_out = np.zeros((64, 4))
    _device_functions[(t.size + 63) // 64, 64](t, cos_out, vin, bin_, p_out, l_out)
    assert np.max(np.abs(cos_out - np.cos(t))) <= 2.5e-16
    assert np.max(np.abs(cos_out - trig.cos_poly_array(t))) <= 2.5e-16
    for i in range(64):
        ref = lorentz.boris_rotate.py_func(*vin[i], *bin_[i], 0.37)
        np.testing.assert_allclose(p_out[i], ref, rtol=0, atol=1e-14)
        ref = lorentz.lorentz_step.py_func(*vin[i], 1.3, *bin_[i], 0.1 * bin_[i, 1], -0.1 * bin_[i, 0], 0.0, 0.05,
                                           0.3)
        np.testing.assert_allclose(l_out[i], ref, rtol=0, atol=1e-13)


def test_fixed_point_scales_and_limbs():
    """scale = the largest power of two with scale x cap <= 2^62; limbs recombine to
    the scaled sum."""
    caps = np.array([1.0, 2.0, 4.0, 3.7e5])
    s = gpu.fixed_point_scales(caps)
    assert np.all(s * caps <= 2.0 ** 62) and np.all(2 * s * caps > 2.0 ** 62)
    assert np.all(np.log2(s) == np.round(np.log2(s)))
    limbs = np.array([[[3, -5]], [[-1, 7]]], dtype=np.int64)           # two slots, one cell
    np.testing.assert_array_equal(gpu.from_fixed(limbs, np.array([4.0])), [(2 * 2.0 ** 31 + 2) / 4.0])


def test_no_cell_of_the_fixed_point_sums_can_overflow():
    """However many blocks and samples: each copy's cell gets at most MAX_PER_CELL values
    (each limb of a value is below 2^31, so every int64 sum stays below 2^63)."""
    for n_blocks in (1, 7, 128, 129, 5000, 10**5):
        for samples in (1, 1000, 10**6, 3 * 10**7):
            n_slots = gpu.slot_count(n_blocks, 128, samples)
            assert 1 <= n_slots <= n_blocks
            assert -(-n_blocks // n_slots) * 128 * samples <= gpu.MAX_PER_CELL
    with pytest.raises(ValueError, match="mu samples per particle"):
        gpu.slot_count(10, 128, 10**8)


def test_momentum_beyond_the_fixed_point_range_is_an_error(monkeypatch):
    """A momentum outside [0, P_MAX] p0 cannot be summed exactly: the unit fails with a
    clear error instead of returning wrapped-around sums."""
    monkeypatch.setattr(gpu, "P_MAX", 1.0 + 1e-9)       # the first momentum wiggle leaves it
    x, v, _, f, s = case("fast_modes_moving", speed=0.9)
    with pytest.raises(FloatingPointError, match="fixed-point"):
        gpu.push(x, v, f, s, threads=2)



#: compiles push_kernel for compute capability 9.0 with the real numba-cuda target (run
#: in a process of its own: the tests' process has the simulator loaded); exit status 3
#: when NVVM / NVRTC are not installed
_COMPILE_PTX = """
import sys
try:
    from cuda.pathfinder import load_nvidia_dynamic_lib
    for lib in ("nvvm", "nvrtc"):
        load_nvidia_dynamic_lib(lib)
except Exception as exc:
    print(type(exc).__name__, exc)
    sys.exit(3)
from numba import cuda, types as T
import numba.cuda.dispatcher as dispatcher
from mcparticles.kernels import cuda_push


class H200:
    compute_capability = (9, 0)


# device functions are compiled for the current device's capability: there is none here
dispatcher.get_current_device = lambda: H200()
f1, f2, f3, i1 = T.float64[::1], T.float64[:, ::1], T.float64[:, :, ::1], T.int64[::1]
i5 = T.int64[:, :, :, :, ::1]
sig = (f2, f2, f2, T.boolean, *[T.float64] * 6, T.int64, i1, *[T.int64] * 8, f1, f1, T.float64, T.int64,
       *[f2] * 7, f3, i5, i5, f3, i1, i1)
ptx, _ = cuda.compile_ptx(cuda_push._push_kernel, sig, cc=(9, 0))
sys.stdout.write(ptx)
"""


def test_kernel_compiles_for_a_real_gpu(tmp_path):
    """The simulator runs the kernel as Python; this compiles it for the real target
    (PTX for compute capability 9.0, the H200's) with numba-cuda's NVVM, which needs no
    GPU: typing and lowering errors the simulator cannot see fail here.  The PTX must
    fuse multiply-adds (trig.py's reduction relies on them), use 64-bit integer atomics
    and block barriers, and keep no per-thread arrays on the stack."""
    import subprocess
    import sys
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    p = subprocess.run([sys.executable, "-c", _COMPILE_PTX], capture_output=True, text=True, env=env, timeout=600)
    if p.returncode == 3:
        pytest.skip(f"NVVM/NVRTC not installed (pip install 'numba-cuda[cu12]'): {p.stdout.strip()[:200]}")
    assert p.returncode == 0, p.stderr[-3000:]
    ptx = p.stdout
    assert ".target sm_90" in ptx
    assert ptx.count("fma.rn.f64") > 50
    assert "atom.global.add.u64" in ptx or "red.global.add.u64" in ptx
    assert "bar.sync" in ptx
    assert ".local" not in ptx
