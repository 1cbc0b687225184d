"""Seconds for the QLT of 20 mu values on every run card, sharp and broadened resonance.

Usage: python benchmarks/qlt_speed.py [CARD ...] [--save FILE] [--compare FILE]

For each card (default: runs/*.toml; every point of a scan card) with a mean field, the
QLT D_mumu (and D_mup, D_pp for moving waves) at the 20 centres of uniform mu bins, once
with ``[qlt] resonance = "sharp"`` and once with ``"broadened"``, timed on one core from
a cold start of the integrals (the prediction cache of qlt/predict.py is not used; the
numba kernels of the broadened fast-mode integral are loaded or compiled beforehand).
--save writes the values as JSON; --compare FILE prints the largest relative change of
each against a saved file (how a change of the integrators is shown not to move them).
"""
from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

import numpy as np

from mcparticles.config import load_scan
from mcparticles.qlt import predict

MU = (np.arange(20) + 0.5) / 10 - 1          # centres of 20 uniform bins on [-1, 1]


def values(card) -> list[list[float]]:
    if card.field.moving:
        return [list(map(float, x)) for x in predict.transport(card, MU)]
    return [list(map(float, predict.dmumu(card, MU)))]


def warm_up() -> None:
    """Compile or load the numba kernels of the QLT integrals outside the timing."""
    try:
        from mcparticles.qlt.broadened import transport_broadened_general
    except ImportError:             # a version before 0.4.0 (no numba in its QLT)
        return
    from mcparticles.qlt.moving import WaveMotion
    from mcparticles.spectra import Isotropic3D, PowerLaw
    transport_broadened_general(np.array([0.5]), Isotropic3D(PowerLaw(dB2=0.1, index=1.5, k_min=1.0, k_max=3.0), 0.0),
                                WaveMotion("fast", 0.01), omega=10.0, speed=1.0, dv_over_v=lambda m: 0.1, n_kpar=20)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cards", nargs="*")
    ap.add_argument("--save", metavar="FILE")
    ap.add_argument("--compare", metavar="FILE")
    a = ap.parse_args()
    cards = a.cards or sorted(glob.glob(str(Path(__file__).resolve().parent.parent / "runs" / "*.toml")))
    warm_up()
    saved = json.loads(Path(a.compare).read_text()) if a.compare else {}
    out = {}
    print(f"{'card':<42} {'point':>5} {'resonance':<10} {'seconds':>8} {'max |rel change|':>17}")
    for path in cards:
        for resonance in ("sharp", "broadened"):
            scan = load_scan(path, overrides=[f'qlt.resonance="{resonance}"'])
            for i, card in enumerate(scan.cards):
                if card.field.B0 <= 0:
                    continue
                key = f"{Path(path).name}:{i}:{resonance}"
                t0 = time.perf_counter()
                try:
                    v = values(card)
                except predict.QLTUnavailable as exc:
                    print(f"{Path(path).name:<42} {i:>5} {resonance:<10} unavailable: {str(exc)[:60]}")
                    continue
                dt = time.perf_counter() - t0
                out[key] = v
                change = "-"
                if key in saved:
                    new, old = np.array(v), np.array(saved[key])
                    scale = np.maximum(np.abs(old).max(axis=1, keepdims=True), 1e-300)
                    change = f"{np.max(np.abs(new - old) / scale):.1e}"
                print(f"{Path(path).name:<42} {i:>5} {resonance:<10} {dt:>8.2f} {change:>17}", flush=True)
    if a.save:
        Path(a.save).write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
