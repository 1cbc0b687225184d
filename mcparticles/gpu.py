"""``[run] device = "cuda"``: the push on an NVIDIA GPU (``kernels/cuda_push.py``).

Install with ``pip install "mcparticles[cuda]"`` (numba-cuda with the CUDA 12 runtime
libraries from PyPI; the machine needs only the NVIDIA driver).  ``push`` takes and
returns exactly what ``kernels.args.push`` does, so the executor, the checkpoints and
the analysis do not know which device ran a work unit.

Under MPI each rank drives one GPU: ``select_device`` gives the rank of node-local
index i the i-th visible device (modulo their number) by setting
``CUDA_VISIBLE_DEVICES`` before CUDA starts; a launcher that already gave each rank one
device is left alone.  Work units are unchanged, so the result does not depend on how
many ranks or GPUs share them.

Fixed-point sums (``kernels/cuda_push.py``): every lag/correlation column c is summed
exactly in integers, each value rounded once to a multiple of 1/scale_c.  A value is
bounded by its column's ``caps`` (|dmu| <= 2, |mudot| <= 2/(2h), |dp| <= p_max,
|pdot| <= p_max/(2h); p_max = ``P_MAX`` momenta p0), and scale_c = 2^floor(log2(2^62 /
cap_c)), so the rounding is at most cap_c 2^-63 per value: 2e-19 for dmu^2, 4e-16 for
dp^2 -- below the float64 rounding of the CPU's own sums at any realistic value.  A
particle whose momentum leaves [0, p_max] stops adding momentum samples and the unit fails
with a clear error.
"""
from __future__ import annotations

import math
import os

import numpy as np

from .kernels.args import FieldArrays, StepSettings

#: momentum bound of the fixed-point momentum sums, in units of the initial momentum
P_MAX = 64.0
#: copies of the fixed-point sums (block index modulo this): spread the atomic additions
MAX_SLOTS = 128


class GPUUnavailable(RuntimeError):
    """No usable CUDA device (message says why)."""


def simulator() -> bool:
    """True when numba-cuda runs kernels on its CPU simulator (NUMBA_ENABLE_CUDASIM=1)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def check_available() -> str:
    """Name of the CUDA device this process will use (or "simulator"); raises
    GPUUnavailable with the reason when there is none."""
    try:
        from numba import cuda
    except ImportError as exc:            # pragma: no cover - numba always ships numba.cuda or numba-cuda
        raise GPUUnavailable(f"numba.cuda cannot be imported ({exc}); pip install 'mcparticles[cuda]'") from None
    if simulator():
        return "simulator"
    try:
        import numba_cuda  # noqa: F401
    except ImportError:
        raise GPUUnavailable("run.device = \"cuda\" needs numba-cuda: pip install 'mcparticles[cuda]'") from None
    try:
        ok = cuda.is_available()
    except Exception as exc:  # noqa: BLE001 - the driver reports many kinds of failure
        raise GPUUnavailable(f"CUDA cannot start ({exc})") from None
    if not ok:
        raise GPUUnavailable("no CUDA device is visible (driver missing, no GPU, or CUDA_VISIBLE_DEVICES empty)")
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    return f"{name} (compute capability {dev.compute_capability[0]}.{dev.compute_capability[1]})"


def select_device(local_rank: int, local_size: int) -> None:
    """Give node-local rank ``local_rank`` of ``local_size`` its own GPU, before CUDA
    starts in this process: the (local_rank mod n)-th of the n devices listed in
    CUDA_VISIBLE_DEVICES (the variable is narrowed to that one), or of all devices when
    the variable is unset.  A launcher that already gave each rank one device, and a
    single rank per node, are left alone."""
    if local_size <= 1 or simulator():
        return
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [s.strip() for s in visible.split(",") if s.strip()]
        if len(ids) > 1:
            os.environ["CUDA_VISIBLE_DEVICES"] = ids[local_rank % len(ids)]
        return
    from numba import cuda
    n = len(cuda.gpus)
    if n > 1:
        cuda.select_device(local_rank % n)


def column_caps(moving: bool, inv_2h: float, p_max: float = P_MAX) -> tuple[np.ndarray, np.ndarray]:
    """Largest |value| of each lag and correlation column (counts: 1)."""
    i2 = inv_2h * inv_2h
    lag = [1.0, 2.0, 4.0]
    cor = [1.0, 4.0 * i2]
    if moving:
        lag += [1.0, p_max, p_max * p_max, 2.0 * p_max, 4.0]
        cor += [1.0, p_max * p_max * i2, 2.0 * p_max * i2, 2.0 * p_max * i2, 4.0 * i2]
    return np.array(lag), np.array(cor)


def fixed_point_scales(caps: np.ndarray) -> np.ndarray:
    """The largest power of two per column with scale x cap <= 2^62 (kernels/cuda_push.py
    splits the scaled value into two int64 limbs of at most 2^31 each)."""
    return np.array([2.0 ** math.floor(62.0 - math.log2(cap)) for cap in caps])


#: values one cell of one slot may receive: each limb is below 2^31 per value
MAX_PER_CELL = 2 ** 32 - 1


def slot_count(n_blocks: int, threads: int, samples: int) -> int:
    """Copies of the fixed-point sums for a launch of n_blocks blocks of ``threads``
    particles with ``samples`` mu samples each: at least MAX_SLOTS (to spread the
    atomics) and enough that no cell of one copy receives more than MAX_PER_CELL values
    (block b adds to copy b mod n_slots)."""
    blocks_per_slot = MAX_PER_CELL // (threads * samples)
    if blocks_per_slot < 1:
        raise ValueError(f"{samples} mu samples per particle exceed the {MAX_PER_CELL // threads} that the GPU's "
                         "fixed-point sums hold per work unit: lower t_max or diagnostics.mu_samples_per_gyration")
    return min(n_blocks, max(MAX_SLOTS, -(-n_blocks // blocks_per_slot)))


def from_fixed(limbs: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The float64 sums of (slots, ..., columns, 2) int64 limbs: per slot
    (hi 2^31 + lo) / scale, then the slots added in order."""
    value = (limbs[..., 0].astype(np.float64) * 2.0 ** 31 + limbs[..., 1].astype(np.float64)) / scale
    return value.sum(axis=0)


def count_columns(moving: bool) -> tuple[list[int], list[int]]:
    """Indices of the count columns of lag_acc and cor_acc (exact integers)."""
    return ([0, 3] if moving else [0]), ([0, 2] if moving else [0])


def push(x0: np.ndarray, v0: np.ndarray, field: FieldArrays, steps: StepSettings, threads: int | None = None,
         max_registers: int | None = None):
    """``kernels.args.push`` on the GPU: returns (disp, lag_acc, cor_acc, traj, bad) with
    the same shapes and meanings (one leading chunk row for the three sums).

    ``threads``: block size, a power of two <= ``THREADS`` (default: ``THREADS``, or
    the smallest power of two >= n for fewer particles, which gives the same sums);
    ``max_registers``: compile with at most that many registers per thread (None: the
    compiler's choice; the results are the same either way)."""
    from numba import cuda

    from .kernels import cuda_push as K
    if field.use_grid:
        raise ValueError("the grid backend runs on the CPU only (run.device = \"cpu\")")
    n = x0.shape[0]
    # fewer particles than a block: the smallest power of two that holds them -- the
    # same sums as a full block (the tree then only adds exact zeros), less idle work
    nt = (min(K.THREADS, 1 << max(0, n - 1).bit_length()) if threads is None else int(threads))
    if nt < 1 or nt > K.THREADS or nt & (nt - 1):
        raise ValueError(f"threads = {nt}: a power of two up to {K.THREADS}")
    x0 = np.ascontiguousarray(x0, dtype=np.float64)
    v0 = np.ascontiguousarray(v0, dtype=np.float64)
    s = steps
    moving = bool(field.moving)
    n_blocks = max(1, -(-n // nt))
    n_slots = slot_count(n_blocks, nt, s.n_steps // s.mu_stride + 1)
    n_out = s.out_steps.shape[0]
    n_disp = K.N_DISP if moving else 6
    n_lagc = K.N_LAG if moving else 3
    n_corc = K.N_COR if moving else 2
    inv_2h = 1.0 / (2.0 * s.mu_stride * s.dt)
    cap_lag, cap_cor = column_caps(moving, inv_2h)
    lag_scale = fixed_point_scales(cap_lag)
    cor_scale = fixed_point_scales(cap_cor)
    cl, cc = count_columns(moving)
    lag_scale[cl] = 1.0
    cor_scale[cc] = 1.0
    ring = s.n_lag + 3 + (s.n_avg if moving else 0)
    n_mv = n if moving else 1
    d_rings = [cuda.device_array((ring, max(n, 1))) for _ in range(2)]
    d_rings += [cuda.device_array((ring if moving else 1, n_mv)) for _ in range(5)]
    d_disp = cuda.to_device(np.zeros((n_blocks, n_out, n_disp)))
    d_lag = cuda.to_device(np.zeros((n_slots, s.n_lag, s.n_bins, n_lagc, 2), dtype=np.int64))
    d_cor = cuda.to_device(np.zeros((n_slots, s.n_lag + 1, s.n_bins, n_corc, 2), dtype=np.int64))
    d_traj = cuda.to_device(np.zeros((s.traj_n, s.traj_len, 7)))
    d_bad = cuda.to_device(np.full(n, -1, dtype=np.int64))
    d_over = cuda.to_device(np.zeros(1, dtype=np.int64))
    table = np.ascontiguousarray(field.table, dtype=np.float64)
    if n > 0:
        K.kernel(max_registers)[n_blocks, nt](
            cuda.to_device(x0), cuda.to_device(v0), cuda.to_device(table), moving, float(s.b0[0]), float(s.b0[1]),
            float(s.b0[2]), s.qm, s.mass2, s.dt, s.n_steps, cuda.to_device(s.out_steps), s.mu_stride, s.n_lag,
            s.n_bins, s.n_avg, s.chunk, s.traj_n, s.traj_stride, s.traj_len, cuda.to_device(lag_scale),
            cuda.to_device(cor_scale), P_MAX, n_slots, *d_rings, d_disp, d_lag, d_cor, d_traj, d_bad, d_over)
        cuda.synchronize()
    if d_over.copy_to_host()[0]:
        raise FloatingPointError(f"a particle's momentum left [0, {P_MAX:g}] p0, the range of the GPU's "
                                 "fixed-point momentum sums; run this card on run.device = \"cpu\"")
    disp = d_disp.copy_to_host().sum(axis=0)
    lag = from_fixed(d_lag.copy_to_host(), lag_scale)
    cor = from_fixed(d_cor.copy_to_host(), cor_scale)
    return disp[None], lag[None], cor[None], d_traj.copy_to_host(), d_bad.copy_to_host()


def compile_kernel() -> None:
    """Compile the kernel (once per process, a few seconds) with a two-particle launch
    of the production types."""
    steps = StepSettings.make(b0=[0.0, 0.0, 1.0], qm=1.0, dt=0.01, n_steps=2, out_steps=[1], mu_stride=1,
                              n_lag=1, n_bins=2, chunk=32, traj_n=0, traj_stride=1, traj_len=1)
    from .kernels.layout import N_ROWS
    field = FieldArrays.modes(np.zeros((N_ROWS, 1)), 0, 0)
    push(np.zeros((2, 3)), np.array([[0.0, 0.6, 0.8], [0.6, 0.0, 0.8]]), field, steps)
