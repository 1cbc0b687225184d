"""Particle-steps per second per field family (kernel with all diagnostics on).

Usage: python benchmarks/push_rate.py [--modes 64 256] [--families] [--particles 512]
       [--steps 4000] [--json]

Default: slab with 64 and 256 modes.  --families adds every family at its run-card
default mode count (isotropic 256, fast_modes 256, composite 128 + 128,
alfvenic_gs95 512).

JIT compilation is excluded (a warm-up call first; the compile/cache-load time is
printed separately).  Each row is the median of --repeat timings.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numba
import numpy as np

from mcparticles.fields import AlfvenicGS95, Composite, FastModes, Isotropic
from mcparticles.fields.slab import Slab
from mcparticles.kernels.push import push_batch
from mcparticles.particles import ParticleSpec
from mcparticles.simulation import CHUNK
from mcparticles.spectra import CLV, PowerLaw

SPEC = PowerLaw(dB2=0.03, index=5 / 3, k_min=1.0, k_max=300.0)
FAMILIES = {
    "isotropic": lambda: Isotropic(SPEC, 256),
    "fast_modes": lambda: FastModes(PowerLaw(dB2=0.03, index=1.5, k_min=1.0, k_max=300.0), 256),
    "composite": lambda: Composite(SPEC, 128),
    "alfvenic_gs95": lambda: AlfvenicGS95(CLV(dB2=0.03, M_A=0.17, k_min=1.0, k_max=300.0), 512, 8),
}


def bench(n_modes, threads, particles, steps, repeat, model=None):
    rng = np.random.default_rng(1)
    if model is None:
        name = "slab"
        modes = Slab(SPEC, n_modes).sample(rng)
    else:
        name = model
        modes = FAMILIES[model]().sample(rng)
        n_modes = modes.table().shape[1]
    p = ParticleSpec(rigidity=0.1)
    x, v = p.initial_state(particles, rng, 6.0)
    dt = 1.0 / 300.0
    out = np.unique(np.geomspace(1, steps, 32).astype(np.int64))
    args = (x, v, modes.table(), modes.geometry, np.array([0, 0, 1.0]), p.qm, dt, steps, out,
            12, 96, 20, CHUNK, 0, 1, 1)
    numba.set_num_threads(threads)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        push_batch(*args)
        times.append(time.perf_counter() - t0)
    wall = statistics.median(times)
    rate = particles * steps / wall
    return {"model": name, "modes": n_modes, "threads": threads, "steps_per_second": rate,
            "steps_per_second_per_core": rate / threads, "ns_per_mode": 1e9 * threads / rate / n_modes}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--particles", type=int, default=512)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--families", action="store_true", help="also every 3D family at its default modes")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    push_batch(np.zeros((1, 3)), np.array([[0.0, 0.6, 0.8]]), np.zeros((8, 1)), 1, np.array([0, 0, 1.0]),
               1.0, 0.01, 2, np.array([1], dtype=np.int64), 1, 1, 2, CHUNK, 0, 1, 1)
    jit = time.perf_counter() - t0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    thread_counts = sorted({1, min(cores, numba.config.NUMBA_NUM_THREADS)})
    rows = [bench(m, t, a.particles, a.steps, a.repeat) for m in a.modes for t in thread_counts]
    if a.families:
        rows += [bench(0, t, a.particles, a.steps, a.repeat, fam) for fam in FAMILIES for t in thread_counts]
    if a.json:
        print(json.dumps({"jit_seconds": jit, "rows": rows}, indent=2))
        return
    print(f"JIT compile / cache load: {jit:.2f} s   ({a.particles} particles x {a.steps} steps, "
          f"median of {a.repeat})")
    print(f"{'model':<14} {'modes':>5} {'threads':>7} {'steps/s':>12} {'steps/s/core':>13} {'ns/mode':>8}")
    for r in rows:
        print(f"{r['model']:<14} {r['modes']:>5} {r['threads']:>7} {r['steps_per_second']:>12.4g} "
              f"{r['steps_per_second_per_core']:>13.4g} {r['ns_per_mode']:>8.2f}")


if __name__ == "__main__":
    main()
