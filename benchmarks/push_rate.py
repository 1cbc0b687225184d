"""Particle-steps per second per field family and mode count, beside two C references.

Usage: python benchmarks/push_rate.py [--isa host haswell] [--modes 64 256 1024]
       [--families slab isotropic ...] [--precision double rotation] [--particles 1024]
       [--steps 1000] [--repeat 5] [--chunk 8 16 32 64 128] [--end-to-end N] [--mpi 1 2]
       [--json FILE] [--no-c] [--kh KH ...]

Instruction sets.  The first line names the host CPU and the target numba compiles for,
with the widest vector register in a compiled loop (zmm: AVX-512, ymm: AVX2).  Without
--isa the measurement runs in this process for numba's current target.  --isa TARGET ...
runs this script once per target in a subprocess: ``host`` (the machine's own CPU) or an
LLVM CPU name such as ``haswell`` (AVX2 + FMA, what AVX2-only AMD Zen 2/3 nodes execute)
or ``skylake-avx512``.  The subprocess sets NUMBA_CPU_NAME=TARGET and NUMBA_CPU_FEATURES=""
-- the target's own feature set: NUMBA_CPU_NAME alone keeps the host's features, AVX-512
included -- and a fresh NUMBA_CACHE_DIR (numba's cache does not notice a change of an
inlined helper, and each target needs its own compilation; compiling costs ~30 s).

For every precision, family and mode count: particle-steps/s with one thread and with
all threads, per core, and nanoseconds per table column and particle-step ("ns/col"; a
column is one linearly polarised component, a helical mode is two), from the production
kernel ``push_batch`` (through ``kernels.args.push``) with every diagnostic on.  ``slab``
sums its static modes with the Chebyshev window (fields/window.py), ``slab_per_mode`` is
the same field with one cosine per column and step.  The rows ``slab_streaming``,
``slab_balanced``, ``alfvenic_gs95_moving`` and ``fast_modes_moving`` are moving waves
(v_A = 0.05: electric fields, the Lorentz step of kernels/lorentz.py, the momentum
diagnostics); the slab families are windowed in z - V t like static slab modes.  JIT
compile (or cache load) time is excluded and reported separately.  Each number is the
median of --repeat runs.

Two C references are compiled and run in the same process (without a C compiler those
columns are skipped):

* ``benchmarks/reference.c``: the same plane-wave field and Boris push with the same
  particle grouping and no diagnostics, written as plain C for the compiler to vectorise,
  with libm's cos and with the polynomial cosine of kernels/trig.py; built with
  ``cc -O3 -march=native`` (``-march=TARGET`` for a named target) ``-fno-math-errno
  -fno-trapping-math``.  Column "/C poly": the numba row over its polynomial rate of the
  same geometry (slab or 3D) and column count.
* ``benchmarks/reference_avx2.c``: hand-written AVX2 intrinsics, four modes per 256-bit
  vector, sin and cos of every mode (a general polarisation, twice the field work of a
  linearly polarised column), built with ``-O3 -march=haswell -fno-tree-vectorize``
  whatever the host.  Column "/AVX2 ref": the numba row (one core) over its rate at the
  same number of modes.  This is the yardstick of the speed targets (docs/performance.md).

--interleave runs the AVX2 reference (one repeat) after every push of the main rows and
gives each row the median of the per-push ratios ("/AVX2 il"): on a machine whose speed
drifts within minutes (shared or virtual machines) this ratio is the one to quote.

--grid N adds the grid backend (isotropic field on N^3 nodes; the "modes" column is N).

--chunk C ... adds rows for the isotropic field (each precision given, --modes' middle
value) with C particles per chunk (the particles stepped together; production: 32).
--scan-modes N ... adds isotropic and slab rows (one thread, each precision) at N modes.

--end-to-end N runs ``mcparticles run benchmarks/isotropic_256.toml --threads 1`` (and
benchmarks/slab_256.toml) N times and prints the median ``timing.steps_per_second`` of
summary.json (diagnostics, field sampling, checkpointing and writing included).

--mpi K ... runs benchmarks/isotropic_256.toml under ``mpiexec -n K`` (one thread per
rank; the same total work) and prints the aggregate steps/s and the speed-up over K = 1.

--kh KH ... instead scans the window half-width k_max h for the slab rows (the choice in
fields/window.kh_max).

--device cuda measures the GPU kernel (kernels/cuda_push.py through mcparticles.gpu.push,
transfers and the fixed-point reduction included) instead: per family and mode count
(defaults: isotropic, 256 modes, 2^20 particles, 200 steps) particle-steps/s, mode
evaluations (table columns x particle-steps)/s, and the fraction of the GPU's FP64 peak
(FLOPS_PER_COLUMN per column and particle-step, counted from the kernel's source with an
FMA as 2, over SMs x FP64 units per SM x 2 x clock); beside it the CPU kernel on one core
(--particles-cpu particles, the same field and settings) and the ratio.  --max-registers
R ... adds rows for kernels compiled with at most R registers per thread (0: the
compiler's choice, ~150 at compute capability 9.0).  With
--end-to-end N it also runs benchmarks/isotropic_256.toml with --device cuda, GPU-sized
batches (2^20 particles, one work unit per 2^18) and t_max = 10 (3000 steps) N times.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from mcparticles.fields import AlfvenicGS95, Composite, FastModes, Isotropic
from mcparticles.fields.grid import GridSettings, synthesize
from mcparticles.fields.slab import Slab
from mcparticles.fields.window import window_tables
from mcparticles.kernels.args import FieldArrays, StepSettings, compile_push, push
from mcparticles.particles import ParticleSpec
from mcparticles.planning import CHUNK
from mcparticles.spectra import CLV, PowerLaw

HERE = Path(__file__).resolve().parent
#: no errno from cos and no FP traps: lets the compiler vectorise the mode loop,
#: changes no result (unlike -ffast-math, which re-associates)
C_FLAGS = ("-fno-math-errno", "-fno-trapping-math")
#: the hand-written AVX2 reference: intrinsics only, so GCC's own vectoriser is switched
#: off (left on, it vectorises the particle bookkeeping and spills the accumulators:
#: measured 15% slower)
AVX2_FLAGS = ("-O3", "-march=haswell", "-fno-tree-vectorize")
K = dict(k_min=1.0, k_max=300.0)
FAMILIES = {
    "slab": lambda n: Slab(PowerLaw(dB2=0.03, index=5 / 3, **K), n),
    "slab_per_mode": lambda n: Slab(PowerLaw(dB2=0.03, index=5 / 3, **K), n),     # without the window
    "isotropic": lambda n: Isotropic(PowerLaw(dB2=0.03, index=5 / 3, **K), n),
    "fast_modes": lambda n: FastModes(PowerLaw(dB2=0.03, index=1.5, **K), n),
    "composite": lambda n: Composite(PowerLaw(dB2=0.03, index=5 / 3, **K), n // 2),    # n/2 slab + n/2 2D
    "alfvenic_gs95": lambda n: AlfvenicGS95(CLV(dB2=0.03, M_A=0.17, **K), n, 8),
    # moving waves (electric fields, the Lorentz step, momentum diagnostics), v_A = 0.05:
    # one Alfven family (streaming), two (balanced: n/2 modes each, n columns), GS95 and
    # fast modes travelling
    "slab_streaming": lambda n: Slab(PowerLaw(dB2=0.03, index=5 / 3, **K), n, cross_helicity=1.0, v_A=0.05),
    "slab_balanced": lambda n: Slab(PowerLaw(dB2=0.03, index=5 / 3, **K), n // 2, cross_helicity=0.0, v_A=0.05),
    "alfvenic_gs95_moving": lambda n: AlfvenicGS95(CLV(dB2=0.03, M_A=0.17, **K), n, 8, cross_helicity=0.0, v_A=0.05),
    "fast_modes_moving": lambda n: FastModes(PowerLaw(dB2=0.03, index=1.5, **K), n, v_A=0.05),
}
#: the rows with moving waves (the rest are static)
MOVING = ("slab_streaming", "slab_balanced", "alfvenic_gs95_moving", "fast_modes_moving")


def kernel_args(family, n_modes, particles, steps, kh=None, precision="double", chunk=CHUNK):
    """(x, v, FieldArrays, StepSettings) of one benchmark row."""
    rng = np.random.default_rng(1)
    if family == "isotropic_grid":          # n_modes = grid points per side
        spec = PowerLaw(dB2=0.03, index=5 / 3, k_min=1.0, k_max=n_modes / 4)
        field = synthesize([Isotropic(spec, 8)], GridSettings(points=n_modes, box=2 * np.pi), rng).kernel_args()
    else:
        modes = FAMILIES[family](n_modes).sample(rng)
        field = modes.kernel_args(precision, slab_window=family != "slab_per_mode")
        if kh is not None and field.win_e.shape[1]:
            window = window_tables(field.table, field.win_e.shape[1], kh)
            field = FieldArrays.modes(field.table, field.n_slab, field.n_plane, window, field.rotation)
    p = ParticleSpec(rigidity=0.1)
    x, v = p.initial_state(particles, rng, 6.0)
    # diagnostics as in a run card: mu every 12 steps, 96 lags, 20 mu bins, 2 tracks
    # (moving waves: momenta gyro-averaged over 16 mu samples, one gyro-period)
    settings = StepSettings.make(b0=[0, 0, 1.0], qm=p.qm, dt=1.0 / 300.0, n_steps=steps,
                                 out_steps=np.unique(np.geomspace(1, steps, 32).astype(np.int64)), mu_stride=12,
                                 n_lag=96, n_bins=20, chunk=chunk, traj_n=2, traj_stride=10,
                                 traj_len=steps // 10 + 1, mass2=p.mass2, n_avg=16)
    return x, v, field, settings


def bench(family, n_modes, threads, particles, steps, repeat, kh=None, precision="double", chunk=CHUNK,
          reference=None):
    """One row: the median rate of ``repeat`` pushes.  ``reference(n_modes)``, if given,
    is run after each push (the AVX2 reference at the same mode count), and the row gets
    the median of the per-push ratios: each ratio from two measurements seconds apart."""
    x, v, field, settings = kernel_args(family, n_modes, particles, steps, kh, precision, chunk)
    cols = field.table.shape[1] if not field.use_grid else 0          # linear components (grid: none)
    numba.set_num_threads(threads)
    times, ratios = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        push(x, v, field, settings)
        times.append(time.perf_counter() - t0)
        if reference is not None:
            ratios.append(particles * steps / times[-1] / threads / reference(n_modes))
    rate = particles * steps / statistics.median(times)
    row = {"family": family, "modes": n_modes, "cosines": cols, "threads": threads, "precision": precision,
           "chunk": chunk, "steps_per_second": rate, "steps_per_second_per_core": rate / threads,
           "ns_per_cosine": 1e9 * threads / rate / cols if cols else None}
    if ratios:
        row["ratio_to_avx2_reference_interleaved"] = statistics.median(ratios)
    return row


def target_info() -> dict:
    """The host CPU and the target numba compiles for: its name, its features (numba's
    NUMBA_CPU_FEATURES, or the host's), and the widest vector register (xmm, ymm, zmm)
    in a small vectorisable loop compiled here."""
    import llvmlite.binding as llvm
    from numba.core import config

    host = llvm.get_host_cpu_name()
    host_features = llvm.get_host_cpu_features()
    name = config.CPU_NAME or host
    if config.CPU_FEATURES is None:
        features = "the host's" + (" (AVX-512)" if host_features.get("avx512f") else "")
    elif config.CPU_FEATURES == "":
        features = f"LLVM's defaults for {name}"
    else:
        features = config.CPU_FEATURES

    @numba.njit
    def probe(a):
        for i in range(a.shape[0]):
            a[i] = a[i] * 1.5 + 2.0

    probe(np.zeros(64))
    asm = probe.inspect_asm(probe.signatures[0])
    widest = next((r for r in ("zmm", "ymm", "xmm") if r in asm), "none")
    isa = {"zmm": "AVX-512 (512-bit vectors)", "ymm": "AVX/AVX2 (256-bit vectors)",
           "xmm": "SSE (128-bit vectors)"}.get(widest, "scalar")
    host_isa = ("AVX-512F" if host_features.get("avx512f") else
                "AVX2 + FMA" if host_features.get("avx2") and host_features.get("fma") else "no AVX2")
    return {"host_cpu": host, "host_isa": host_isa, "target": name, "target_features": features,
            "vector_registers": widest, "target_isa": isa}


def build_c(tmp: Path, march: str):
    """(reference.c, reference_avx2.c) executables, None for each that failed, and a note."""
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None, None, "no C compiler found (set CC): C references skipped"
    exe, exe2 = tmp / "reference", tmp / "reference_avx2"
    proc = subprocess.run([cc, "-O3", f"-march={march}", *C_FLAGS, "-o", str(exe), str(HERE / "reference.c"), "-lm"],
                          capture_output=True, text=True)
    note = f"C references: {cc} -O3 -march={march} {' '.join(C_FLAGS)}; AVX2 intrinsics: {' '.join(AVX2_FLAGS)}"
    if proc.returncode:
        note += f"; reference.c failed ({proc.stderr.strip().splitlines()[:1]})"
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    if not (features.get("avx2") and features.get("fma")):
        return (None if proc.returncode else exe), None, note + "; no AVX2 + FMA on this CPU: AVX2 reference skipped"
    proc2 = subprocess.run([cc, *AVX2_FLAGS, "-o", str(exe2), str(HERE / "reference_avx2.c"), "-lm"],
                           capture_output=True, text=True)
    if proc2.returncode:
        note += f"; reference_avx2.c failed ({proc2.stderr.strip().splitlines()[:1]})"
    return (None if proc.returncode else exe), (None if proc2.returncode else exe2), note


def run_c(exe, n_modes, particles, steps, poly, slab, repeat):
    rates = []
    for _ in range(repeat):
        out = subprocess.run([str(exe), str(n_modes), str(particles), str(steps), str(int(poly)), str(int(slab))],
                             capture_output=True, text=True, check=True).stdout.split()
        rates.append(float(out[0]))
    return statistics.median(rates)


def run_avx2(exe, n_modes, particles, steps, repeat):
    """particle-steps/s of reference_avx2.c (one core; median of ``repeat`` in the program)."""
    modes = -(-n_modes // 4) * 4
    out = subprocess.run([str(exe), str(modes), str(particles), str(steps), str(repeat)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["psteps_per_s"]


END_TO_END_CARDS = ("isotropic_256.toml", "slab_256.toml")


def _run_card(card, out, threads=1, ranks=0):
    cmd = [sys.executable, "-m", "mcparticles.cli", "run", str(HERE / card), "--threads", str(threads), "--quiet",
           "--output", str(out)]
    if ranks:
        cmd = [shutil.which("mpiexec") or "mpiexec", "-n", str(ranks), *cmd]
    subprocess.run(cmd, check=True)
    return json.loads((out / "summary.json").read_text())["timing"]["steps_per_second"]


def end_to_end(n):
    """Each card n times with one thread, alternating (the machine's noise hits both)."""
    rates = {c: [] for c in END_TO_END_CARDS}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            for card in END_TO_END_CARDS:
                rates[card].append(_run_card(card, Path(tmp) / f"{card}{i}"))
    return [{"card": f"benchmarks/{c}", "runs": r, "median": statistics.median(r)} for c, r in rates.items()]


def mpi_scaling(ranks, repeat=3):
    """benchmarks/isotropic_256.toml under mpiexec -n K (one thread per rank), the median
    of ``repeat`` aggregate steps/s per K (alternating K, so the machine's noise hits all)."""
    rates = {k: [] for k in ranks}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for k in ranks:
                rates[k].append(_run_card("isotropic_256.toml", Path(tmp) / f"mpi{k}_{i}", ranks=k))
    base = statistics.median(rates[ranks[0]]) * ranks[0]
    return [{"ranks": k, "runs": r, "median": statistics.median(r),
             "speedup": statistics.median(r) / base, "efficiency": statistics.median(r) / base / k}
            for k, r in rates.items()]


def measure(a) -> dict:
    """Every row asked for, for numba's current target, with the C references of the same run."""
    info = target_info()
    t0 = time.perf_counter()
    compile_push(CHUNK)
    jit = time.perf_counter() - t0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    thread_counts = sorted({1, min(cores, numba.config.NUMBA_NUM_THREADS)})
    c_rows, avx2, note = {}, {}, "C references skipped (--no-c)"
    with tempfile.TemporaryDirectory() as tmp:
        exe = exe2 = None
        if not a.no_c:
            march = info["target"] if os.environ.get("NUMBA_CPU_NAME") else "native"
            exe, exe2, note = build_c(Path(tmp), march)
        reference = None
        if a.interleave and exe2 is not None:
            def reference(m):
                return run_avx2(exe2, m, a.particles, a.steps, 1)
        rows = [bench(f, m, t, a.particles, a.steps, a.repeat, precision=p, reference=reference)
                for p in a.precision for f in a.families for m in a.modes for t in thread_counts]
        rows += [bench("isotropic_grid", n, t, a.particles, a.steps, a.repeat) for n in a.grid for t in thread_counts]
        mid = a.modes[len(a.modes) // 2]
        rows += [bench("isotropic", mid, 1, a.particles, a.steps, a.repeat, precision=p, chunk=c)
                 for p in a.precision for c in a.chunk or () if c != CHUNK]
        rows += [bench(f, m, 1, a.particles, a.steps, a.repeat, precision=p) for p in a.precision
                 for f in ("isotropic", "slab") for m in a.scan_modes or () if m not in a.modes or f not in a.families]
        for m in sorted({r["cosines"] for r in rows if r["cosines"]} | set(a.modes)):
            if exe is not None and m in a.modes:
                for slab in (0, 1):
                    c_rows[(m, slab)] = {"libm": run_c(exe, m, a.particles, a.steps, 0, slab, a.repeat),
                                         "poly": run_c(exe, m, a.particles, a.steps, 1, slab, a.repeat)}
            if exe2 is not None:
                avx2[m] = run_avx2(exe2, m, a.particles, a.steps, a.repeat)
    for r in rows:      # same cosine count and geometry (composite, GS95: against the 3D C)
        c = c_rows.get((r["cosines"], int(r["family"] in ("slab", "slab_per_mode"))))
        if c is not None:
            r["fraction_of_c_poly"] = r["steps_per_second_per_core"] / c["poly"]
            r["fraction_of_c_libm"] = r["steps_per_second_per_core"] / c["libm"]
        if r["family"] != "isotropic_grid" and r["modes"] in avx2:
            r["ratio_to_avx2_reference"] = r["steps_per_second_per_core"] / avx2[r["modes"]]
    return {**info, "jit_seconds": jit, "cores": cores, "particles": a.particles, "steps": a.steps,
            "repeat": a.repeat, "rows": rows, "c_reference": note,
            "c_rows": [{"modes": m, "geometry": "slab" if s else "3D", "steps_per_second_libm_cos": v["libm"],
                        "steps_per_second_poly_cos": v["poly"]} for (m, s), v in sorted(c_rows.items())],
            "avx2_reference": [{"modes": m, "steps_per_second": v} for m, v in sorted(avx2.items())],
            "end_to_end": end_to_end(a.end_to_end) if a.end_to_end else None,
            "mpi": mpi_scaling(a.mpi) if a.mpi else None}


def in_subprocess(target: str, argv: list[str]) -> dict:
    """``measure`` for ``target`` ("host" or an LLVM CPU name) in a fresh process with its
    own numba cache (module docstring)."""
    env = dict(os.environ)
    for key in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"):
        env.pop(key, None)
    if target != "host":
        env["NUMBA_CPU_NAME"] = target
        env["NUMBA_CPU_FEATURES"] = ""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env["NUMBA_CACHE_DIR"] = cache
        proc = subprocess.run([sys.executable, __file__, *argv, "--json", "-"], env=env, capture_output=True,
                              text=True)
    if proc.returncode:
        sys.exit(f"the {target} run failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


#: floating-point operations per table column and particle-step of kernels/cuda_push.py
#: (static): phase 4 FMA, reduction 1 FMA + 3 FMA + 1 add, r^2 / 2 / 1 - r^2/2 3, cos
#: polynomial 5 FMA + 6, sin polynomial 5 FMA + 3, the three field sums 3 FMA (FMA = 2)
FLOPS_PER_COLUMN = 2 * 4 + 2 * 4 + 1 + 3 + 2 * 5 + 6 + 2 * 5 + 3 + 2 * 3
#: FP64 FMA units per SM by compute capability (NVIDIA's tuning guides); others 2
FP64_UNITS = {(6, 0): 32, (7, 0): 32, (8, 0): 32, (9, 0): 64, (10, 0): 64}
GPU_END_TO_END = ["--set", "particles.count=1048576", "--set", "run.batch_size=262144", "--set", "run.realizations=1",
                  "--set", "time.t_max=10.0"]


def gpu_info() -> dict:
    """Name, SMs, clock and FP64 peak of the current CUDA device."""
    from numba import cuda

    from mcparticles.gpu import check_available
    name = check_available()
    if name == "simulator":
        return {"gpu": "simulator", "fp64_peak_flops": None}
    dev = cuda.get_current_device()
    sms = dev.MULTIPROCESSOR_COUNT
    clock_hz = dev.CLOCK_RATE * 1e3
    units = FP64_UNITS.get(tuple(dev.compute_capability), 2)
    return {"gpu": name, "sms": sms, "clock_ghz": clock_hz / 1e9, "fp64_units_per_sm": units,
            "fp64_peak_flops": sms * units * 2 * clock_hz}


def measure_cuda(a) -> dict:
    """GPU rows (one per family and mode count) beside the CPU kernel on one core."""
    from mcparticles import gpu
    info = {**gpu_info(), **target_info()}
    t0 = time.perf_counter()
    gpu.compile_kernel()
    jit = time.perf_counter() - t0
    compile_push(CHUNK)
    numba.set_num_threads(1)
    rows = []
    for f, m, regs in [(f, m, r) for f in a.families for m in a.modes for r in a.max_registers]:
        x, v, field, settings = kernel_args(f, m, a.particles, a.steps)
        field = FieldArrays.modes(field.table, field.n_slab, field.n_plane)       # the GPU sums every column
        gpu.push(x[:2], v[:2], field, settings, max_registers=regs or None)      # compiles a new variant
        times = []
        for _ in range(a.repeat):
            t1 = time.perf_counter()
            gpu.push(x, v, field, settings, max_registers=regs or None)
            times.append(time.perf_counter() - t1)
        rate = a.particles * a.steps / statistics.median(times)
        cols = field.table.shape[1]
        flops = FLOPS_PER_COLUMN + (6 if f in MOVING else 0)
        xc, vc, fc, sc = kernel_args(f, m, a.particles_cpu, a.steps)
        tc = []
        for _ in range(max(1, a.repeat // 2)):
            t1 = time.perf_counter()
            push(xc, vc, fc, sc)
            tc.append(time.perf_counter() - t1)
        cpu = a.particles_cpu * a.steps / statistics.median(tc)
        peak = info["fp64_peak_flops"]
        rows.append({"family": f, "modes": m, "cosines": cols, "max_registers": regs, "steps_per_second": rate,
                     "mode_evaluations_per_second": rate * cols,
                     "fraction_of_fp64_peak": rate * cols * flops / peak if peak else None,
                     "cpu_one_core_steps_per_second": cpu, "ratio_to_one_cpu_core": rate / cpu})
    e2e = []
    for _ in range(a.end_to_end):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "mcparticles.cli", "run", str(HERE / "isotropic_256.toml"), "--device",
                   "cuda", "--quiet", "--output", str(Path(tmp) / "e2e"), *GPU_END_TO_END]
            subprocess.run(cmd, check=True)
            e2e.append(json.loads((Path(tmp) / "e2e" / "summary.json").read_text())["timing"]["steps_per_second"])
    return {**info, "device": "cuda", "jit_seconds": jit, "particles": a.particles, "particles_cpu": a.particles_cpu,
            "steps": a.steps, "repeat": a.repeat, "rows": rows, "end_to_end": e2e}


def print_cuda(r: dict) -> None:
    peak = r["fp64_peak_flops"]
    print(f"GPU: {r['gpu']}" + (f", {r['sms']} SMs at {r['clock_ghz']:.2f} GHz, FP64 peak {peak / 1e12:.1f} TFLOP/s"
                                 if peak else ""))
    print(f"CPU beside it: {r['host_cpu']} ({r['host_isa']}), numba target {r['target']} -> {r['target_isa']}, "
          "one core")
    print(f"kernel compile {r['jit_seconds']:.1f} s; GPU {r['particles']} particles, CPU {r['particles_cpu']}, "
          f"x {r['steps']} steps, median of {r['repeat']}; FP64 work {FLOPS_PER_COLUMN} flop per column-step")
    print(f"{'family':<20} {'modes':>5} {'cols':>5} {'regs':>4} {'steps/s':>10} {'mode evals/s':>12} "
          f"{'FP64 peak':>9} {'CPU core':>10} {'GPU/core':>8}")
    for row in r["rows"]:
        frac = f"{100 * row['fraction_of_fp64_peak']:.1f}%" if row["fraction_of_fp64_peak"] else "-"
        regs = row["max_registers"] or "auto"
        print(f"{row['family']:<20} {row['modes']:>5} {row['cosines']:>5} {regs:>4} {row['steps_per_second']:>10.4g} "
              f"{row['mode_evaluations_per_second']:>12.4g} {frac:>9} {row['cpu_one_core_steps_per_second']:>10.4g} "
              f"{row['ratio_to_one_cpu_core']:>8.1f}")
    if r["end_to_end"]:
        print(f"end to end (benchmarks/isotropic_256.toml --device cuda {' '.join(GPU_END_TO_END)}): "
              f"median {statistics.median(r['end_to_end']):.4g} steps/s of {[f'{x:.4g}' for x in r['end_to_end']]}")


def print_result(r: dict) -> None:
    print(f"host CPU: {r['host_cpu']} ({r['host_isa']}); numba target: {r['target']}, features: "
          f"{r['target_features']}; widest vector register in a compiled loop: {r['vector_registers']} "
          f"-> {r['target_isa']}")
    print(f"JIT compile / cache load: {r['jit_seconds']:.2f} s; {r['particles']} particles x {r['steps']} steps, "
          f"median of {r['repeat']}; {r['cores']} cores; {r['c_reference']}")
    print(f"{'family':<20} {'precision':<9} {'modes':>5} {'cols':>5} {'chunk':>5} {'thr':>3} {'steps/s':>10} "
          f"{'steps/s/core':>12} {'ns/col':>7} {'/C poly':>7} {'/C libm':>7} {'/AVX2 ref':>9}")
    def col(row, key, width):
        return f"{row[key]:>{width}.2f}" if row.get(key) is not None else f"{'-':>{width}}"

    for row in r["rows"]:
        ns = f"{row['ns_per_cosine']:.3f}" if row["ns_per_cosine"] else "-"
        print(f"{row['family']:<20} {row['precision']:<9} {row['modes']:>5} {row['cosines']:>5} {row['chunk']:>5} "
              f"{row['threads']:>3} {row['steps_per_second']:>10.4g} {row['steps_per_second_per_core']:>12.4g} "
              f"{ns:>7} {col(row, 'fraction_of_c_poly', 7)} {col(row, 'fraction_of_c_libm', 7)} "
              f"{col(row, 'ratio_to_avx2_reference', 9)} {col(row, 'ratio_to_avx2_reference_interleaved', 8)}")
    for row in r["c_rows"]:
        print(f"C {row['geometry']:<5} {row['modes']:>5} modes: {row['steps_per_second_poly_cos']:.4g} steps/s "
              f"(polynomial cos), {row['steps_per_second_libm_cos']:.4g} (libm cos), one core")
    for row in r["avx2_reference"]:
        print(f"AVX2 intrinsics reference, {row['modes']:>5} modes (sin + cos each): "
              f"{row['steps_per_second']:.4g} steps/s, one core")
    for e in r["end_to_end"] or ():
        print(f"end to end ({e['card']}, one thread, summary.json timing.steps_per_second): median "
              f"{e['median']:.4g} of {[round(x) for x in e['runs']]}")
    for m in r["mpi"] or ():
        print(f"mpiexec -n {m['ranks']} (isotropic_256.toml, one thread per rank): {m['median']:.4g} steps/s, "
              f"speed-up {m['speedup']:.2f}, efficiency {m['efficiency']:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--isa", nargs="+", metavar="TARGET",
                    help="run once per target in a subprocess: host, or an LLVM CPU name (haswell: AVX2)")
    ap.add_argument("--modes", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    ap.add_argument("--grid", type=int, nargs="*", default=[128], metavar="N",
                    help="grid backend rows: isotropic field on N^3 nodes, k up to N/4")
    ap.add_argument("--precision", nargs="+", default=["double"], choices=["double", "rotation"],
                    help="[field] precision settings to run (mcparticles/fields/precision.py)")
    ap.add_argument("--particles", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chunk", type=int, nargs="+", metavar="C", help="also scan the particles per chunk")
    ap.add_argument("--scan-modes", type=int, nargs="+", metavar="N",
                    help="also isotropic and slab rows (one thread) at these mode counts")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-' for stdout only)")
    ap.add_argument("--no-c", action="store_true", help="skip the C references")
    ap.add_argument("--interleave", action="store_true",
                    help="run the AVX2 reference after every push of the main rows: a ratio per push "
                         "(column '/AVX2 il'), robust to a machine whose speed drifts")
    ap.add_argument("--end-to-end", type=int, default=0, metavar="N")
    ap.add_argument("--mpi", type=int, nargs="+", metavar="K", help="mpiexec -n K strong scaling (end to end)")
    ap.add_argument("--kh", type=float, nargs="+", metavar="KH",
                    help="scan the slab window's k_max h (one thread) instead of the table")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="cuda: measure the GPU kernel")
    ap.add_argument("--particles-cpu", type=int, default=1024, help="--device cuda: particles of the CPU comparison")
    ap.add_argument("--max-registers", type=int, nargs="+", default=[0], metavar="R",
                    help="--device cuda: also kernels limited to R registers per thread (0: the compiler's choice)")
    a = ap.parse_args()
    if a.device == "cuda":
        argv = sys.argv[1:]
        a.families = a.families if "--families" in argv else ["isotropic"]
        a.modes = a.modes if "--modes" in argv else [256]
        a.particles = a.particles if "--particles" in argv else 2 ** 20
        a.steps = a.steps if "--steps" in argv else 200
        a.repeat = a.repeat if "--repeat" in argv else 3
        result = measure_cuda(a)
        if a.json:
            text = json.dumps(result, indent=2)
            print(text) if a.json == "-" else Path(a.json).write_text(text + "\n")
            if a.json == "-":
                return
        print_cuda(result)
        return

    if a.kh:
        compile_push(CHUNK)
        print(f"{'modes':>5} {'k_max h':>7} {'steps/s':>10}   "
              "(slab, one thread; default k_max h = sqrt(modes) in [8, 64])")
        for m in a.modes:
            for kh in a.kh:
                r = bench("slab", m, 1, a.particles, a.steps, a.repeat, kh)
                print(f"{m:>5} {kh:>7g} {r['steps_per_second']:>10.4g}")
        return
    if a.isa:
        argv = [x for x in sys.argv[1:]]
        i = argv.index("--isa")                                     # drop --isa and its values, and --json
        j = i + 1
        while j < len(argv) and not argv[j].startswith("--"):
            j += 1
        argv = argv[:i] + argv[j:]
        if "--json" in argv:
            k = argv.index("--json")
            argv = argv[:k] + argv[k + 2:]
        results = {}
        for target in a.isa:
            results[target] = in_subprocess(target, argv)
            if a.json != "-":
                print(f"== target {target}")
                print_result(results[target])
        if a.json:
            text = json.dumps({"targets": results}, indent=2)
            print(text) if a.json == "-" else Path(a.json).write_text(text + "\n")
        return
    result = measure(a)
    if a.json:
        text = json.dumps(result, indent=2)
        if a.json == "-":
            print(text)
            return
        Path(a.json).write_text(text + "\n")
    print_result(result)


if __name__ == "__main__":
    main()
