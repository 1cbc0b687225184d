"""Particle-steps per second per field family and mode count, beside a C reference.

Usage: python benchmarks/push_rate.py [--modes 64 256 1024] [--families slab isotropic ...]
       [--precision double rotation] [--particles 1024] [--steps 1000] [--repeat 5]
       [--json FILE] [--no-c] [--end-to-end N] [--kh KH ...]

For every precision, family and mode count: particle-steps/s with one thread and with
all threads, per core, and nanoseconds per table column and particle-step ("ns/col"; a
column is one linearly polarised component, a helical mode is two), from the production
kernel ``push_batch`` (through ``kernels.args.push``) with every diagnostic on.  ``slab``
sums its static modes with the Chebyshev window (fields/window.py), ``slab_per_mode`` is
the same field with one cosine per column and step.  The rows ``slab_streaming``,
``slab_balanced``, ``alfvenic_gs95_moving`` and ``fast_modes_moving`` are moving waves
(v_A = 0.05: electric fields, the Lorentz step of kernels/lorentz.py, the momentum
diagnostics); the slab families are windowed in z - V t like static slab modes.  JIT
compile (or cache load) time is excluded and reported separately.  Each number is the median of --repeat runs.

The C reference (benchmarks/reference.c: the same plane-wave field and Boris push with
the same particle grouping, no diagnostics) is compiled here with ``cc -O3
-march=native -fno-math-errno -fno-trapping-math`` (``-march=$NUMBA_CPU_NAME`` when that is set:
haswell measures the AVX2 target) and run with libm's cos and with the same polynomial cosine; every
numba row is also given as a fraction of the polynomial-C rate of the same geometry
(slab or 3D) and mode count.  Without a C compiler those columns are skipped.

--grid N adds the grid backend (isotropic field on N^3 nodes; the "modes" column is N).

--end-to-end N runs ``mcparticles run benchmarks/isotropic_256.toml --threads 1`` (and
benchmarks/slab_256.toml) N times and prints the median ``timing.steps_per_second`` of
summary.json (diagnostics, field sampling, checkpointing and writing included).

--kh KH ... instead scans the window half-width k_max h for the slab rows (the choice in
fields/window.kh_max).
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
#: no errno from floor/cos and no FP traps: lets the compiler vectorise the mode loop,
#: changes no result (unlike -ffast-math, which re-associates)
C_FLAGS = ("-fno-math-errno", "-fno-trapping-math")
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


def kernel_args(family, n_modes, particles, steps, kh=None, precision="double"):
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
                                 n_lag=96, n_bins=20, chunk=CHUNK, traj_n=2, traj_stride=10,
                                 traj_len=steps // 10 + 1, mass2=p.mass2, n_avg=16)
    return x, v, field, settings


def bench(family, n_modes, threads, particles, steps, repeat, kh=None, precision="double"):
    x, v, field, settings = kernel_args(family, n_modes, particles, steps, kh, precision)
    cols = field.table.shape[1] if not field.use_grid else 0          # linear components (grid: none)
    numba.set_num_threads(threads)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        push(x, v, field, settings)
        times.append(time.perf_counter() - t0)
    rate = particles * steps / statistics.median(times)
    return {"family": family, "modes": n_modes, "cosines": cols, "threads": threads, "precision": precision,
            "steps_per_second": rate, "steps_per_second_per_core": rate / threads,
            "ns_per_cosine": 1e9 * threads / rate / cols if cols else None}


def build_c(tmp: Path):
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None, "no C compiler found (set CC): C reference skipped"
    exe = tmp / "reference"
    march = f"-march={os.environ.get('NUMBA_CPU_NAME', 'native')}"     # the numba target (haswell: AVX2)
    proc = subprocess.run([cc, "-O3", march, *C_FLAGS, "-o", str(exe), str(HERE / "reference.c"), "-lm"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"{cc} failed: C reference skipped ({proc.stderr.strip().splitlines()[:1]})"
    return exe, f"C reference: {cc} -O3 {march} {' '.join(C_FLAGS)}"


def run_c(exe, n_modes, particles, steps, poly, slab, repeat):
    rates = []
    for _ in range(repeat):
        out = subprocess.run([str(exe), str(n_modes), str(particles), str(steps), str(int(poly)), str(int(slab))],
                             capture_output=True, text=True, check=True).stdout.split()
        rates.append(float(out[0]))
    return statistics.median(rates)


END_TO_END_CARDS = ("isotropic_256.toml", "slab_256.toml")


def end_to_end(n):
    """Each card n times with one thread, alternating (the machine's noise hits both)."""
    rates = {c: [] for c in END_TO_END_CARDS}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            for card in END_TO_END_CARDS:
                out = Path(tmp) / f"{card}{i}"
                subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(HERE / card), "--threads", "1",
                                "--quiet", "--output", str(out)], check=True)
                rates[card].append(json.loads((out / "summary.json").read_text())["timing"]["steps_per_second"])
    return [{"card": f"benchmarks/{c}", "runs": r, "median": statistics.median(r)} for c, r in rates.items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    ap.add_argument("--grid", type=int, nargs="*", default=[128], metavar="N",
                    help="grid backend rows: isotropic field on N^3 nodes, k up to N/4")
    ap.add_argument("--precision", nargs="+", default=["double"], choices=["double", "rotation"],
                    help="[field] precision settings to run (mcparticles/fields/precision.py)")
    ap.add_argument("--particles", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-' for stdout only)")
    ap.add_argument("--no-c", action="store_true", help="skip the C reference")
    ap.add_argument("--end-to-end", type=int, default=0, metavar="N")
    ap.add_argument("--kh", type=float, nargs="+", metavar="KH",
                    help="scan the slab window's k_max h (one thread) instead of the table")
    a = ap.parse_args()

    t0 = time.perf_counter()
    compile_push(CHUNK)
    jit = time.perf_counter() - t0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if a.kh:
        print(f"{'modes':>5} {'k_max h':>7} {'steps/s':>10}   "
              "(slab, one thread; default k_max h = sqrt(modes) in [8, 64])")
        for m in a.modes:
            for kh in a.kh:
                r = bench("slab", m, 1, a.particles, a.steps, a.repeat, kh)
                print(f"{m:>5} {kh:>7g} {r['steps_per_second']:>10.4g}")
        return
    thread_counts = sorted({1, min(cores, numba.config.NUMBA_NUM_THREADS)})
    rows = [bench(f, m, t, a.particles, a.steps, a.repeat, precision=p) for p in a.precision for f in a.families
            for m in a.modes for t in thread_counts]
    rows += [bench("isotropic_grid", n, t, a.particles, a.steps, a.repeat) for n in a.grid for t in thread_counts]
    c_rows, note = {}, "C reference skipped (--no-c)"
    if not a.no_c:
        with tempfile.TemporaryDirectory() as tmp:
            exe, note = build_c(Path(tmp))
            if exe is not None:
                for m in a.modes:
                    for slab in (0, 1):
                        c_rows[(m, slab)] = {"libm": run_c(exe, m, a.particles, a.steps, 0, slab, a.repeat),
                                             "poly": run_c(exe, m, a.particles, a.steps, 1, slab, a.repeat)}
    for r in rows:      # same cosine count and geometry (composite, GS95: against the 3D C)
        c = c_rows.get((r["cosines"], int(r["family"] in ("slab", "slab_per_mode"))))
        if c is not None:
            r["fraction_of_c_poly"] = r["steps_per_second_per_core"] / c["poly"]
            r["fraction_of_c_libm"] = r["steps_per_second_per_core"] / c["libm"]
    e2e = end_to_end(a.end_to_end) if a.end_to_end else None
    result = {"jit_seconds": jit, "cores": cores, "particles": a.particles, "steps": a.steps,
              "repeat": a.repeat, "rows": rows, "c_reference": note,
              "c_rows": [{"modes": m, "geometry": "slab" if s else "3D", "steps_per_second_libm_cos": v["libm"],
                          "steps_per_second_poly_cos": v["poly"]} for (m, s), v in sorted(c_rows.items())],
              "end_to_end": e2e}
    if a.json:
        text = json.dumps(result, indent=2)
        if a.json == "-":
            print(text)
            return
        Path(a.json).write_text(text + "\n")
    print(f"JIT compile / cache load: {jit:.2f} s; {a.particles} particles x {a.steps} steps, median of "
          f"{a.repeat}; {cores} cores; {note}")
    print(f"{'family':<14} {'precision':<9} {'modes':>5} {'cols':>5} {'thr':>4} {'steps/s':>10} {'steps/s/core':>12} "
          f"{'ns/col':>7} {'/C poly':>8} {'/C libm':>8}")
    for r in rows:
        fc = f"{r['fraction_of_c_poly']:.2f}" if "fraction_of_c_poly" in r else "-"
        fl = f"{r['fraction_of_c_libm']:.2f}" if "fraction_of_c_libm" in r else "-"
        ns = f"{r['ns_per_cosine']:.3f}" if r["ns_per_cosine"] else "-"
        print(f"{r['family']:<14} {r['precision']:<9} {r['modes']:>5} {r['cosines']:>5} {r['threads']:>4} "
              f"{r['steps_per_second']:>10.4g} "
              f"{r['steps_per_second_per_core']:>12.4g} {ns:>7} {fc:>8} {fl:>8}")
    for row in result["c_rows"]:
        print(f"C {row['geometry']:<5} {row['modes']:>5} modes: {row['steps_per_second_poly_cos']:.4g} steps/s "
              f"(polynomial cos), {row['steps_per_second_libm_cos']:.4g} (libm cos), one core")
    for e in e2e or ():
        print(f"end to end ({e['card']}, one thread, summary.json timing.steps_per_second): median "
              f"{e['median']:.4g} of {[round(x) for x in e['runs']]}")
    if e2e:
        print(f"end to end slab / isotropic: {e2e[1]['median'] / e2e[0]['median']:.2f}")


if __name__ == "__main__":
    main()
