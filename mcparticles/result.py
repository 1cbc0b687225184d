"""What a run returns: :class:`Result` (one point) and :class:`ScanResult` (a scan).

Both live in memory; ``save(dir)`` writes ``result.h5``, ``summary.json`` (and the
figures), and ``Result.load(dir)`` reads them back into the same type, equal in every
array and with ``summary`` equal to ``summary.json``.  Missing values are ``None``
everywhere (JSON null; in HDF5 an empty attribute).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import Card, Scan
from .diagnostics.dmumu import DmumuScan
from .diagnostics.momentum import MomentumRunning
from .diagnostics.running import RunningDiffusion


@dataclass
class Tracks:
    """Stored trajectories: times t (nt,) [L/c]; positions x (n, nt, 3) [L];
    u (n, nt, 3) = gamma v [c] (for v = c, where gamma is infinite, u = v: the momentum
    in units of |p|/c; ``u_is_gamma_v`` says which), half a step behind x (leapfrog);
    mu (n, nt): the local pitch-angle cosine v.B/(|v||B|)."""

    t: np.ndarray
    x: np.ndarray
    u: np.ndarray
    mu: np.ndarray
    u_is_gamma_v: bool = True


@dataclass
class MomentumResult:
    """Momentum transport of a moving-wave run (diagnostics/momentum.py), p in units of
    the initial momentum: ``dpp``, ``dmup`` the D_pp and D_mup lag scans (three
    estimators each, of gyro-averaged samples binned by the averaged local mu);
    ``lag_index`` the lag whose slope estimator is the reported value (at least two
    gyro-periods: the averaging window and its offset drop out); ``running``
    <dp^2>/(2t), <dp>/t and <dz>/t; the QLT at the bin centres and averaged over the
    bins."""

    dpp: DmumuScan
    dmup: DmumuScan
    running: MomentumRunning
    qlt_dpp_centre: np.ndarray
    qlt_dpp_bin_mean: np.ndarray
    qlt_dmup_centre: np.ndarray
    qlt_dmup_bin_mean: np.ndarray
    lag_index: int = 0
    dmumu_averaged: DmumuScan | None = None

    @property
    def dmumu_averaged_value(self) -> np.ndarray:
        """D_mumu(mu) [c/L] of the gyro-averaged mu with the estimator, lag and bins of
        D_pp (dmumu_averaged/value): the denominator of D_pp/D_mumu, D_mup/D_mumu."""
        return self.dmumu_averaged.slope[self.lag_index]

    @property
    def dpp_value(self) -> np.ndarray:
        """D_pp(mu) [p0^2 c/L]: the slope estimator at ``lag_index`` (dpp/value)."""
        return self.dpp.slope[self.lag_index]

    @property
    def dpp_err(self) -> np.ndarray:
        return self.dpp.slope_err[self.lag_index]

    @property
    def dmup_value(self) -> np.ndarray:
        """D_mup(mu) [p0 c/L]: the slope estimator at ``lag_index`` (dmup/value)."""
        return self.dmup.slope[self.lag_index]

    @property
    def dmup_err(self) -> np.ndarray:
        return self.dmup.slope_err[self.lag_index]


@dataclass
class Result:
    """The measured transport of one card (one scan point) beside its QLT.

    ``summary`` is the dict of summary.json (for a single-point run including
    ``"timing"``); ``running``: the running diffusion <dx_i dx_j>/(2t) with errors;
    ``dmumu``: the D_mumu lag scan of the three estimators, ``lag_index`` the lag
    compared with QLT; ``mu_edges`` the mu bins; ``qlt_centre``, ``qlt_bin_mean``:
    QLT D_mumu at the bin centres and averaged over the bins (NaN where QLT is
    unavailable); ``resolved``: the bins compared with QLT; ``tracks``: trajectories;
    ``momentum``: D_pp, D_mup, <dp^2>/(2t) and <dz>/t with moving waves (None for
    static fields)."""

    card: Card
    summary: dict
    running: RunningDiffusion
    dmumu: DmumuScan
    lag_index: int
    mu_edges: np.ndarray
    qlt_centre: np.ndarray
    qlt_bin_mean: np.ndarray
    resolved: np.ndarray
    tracks: Tracks
    units_done: int = 0
    units_total: int = 0
    momentum: MomentumResult | None = None

    @property
    def mu(self) -> np.ndarray:
        """Bin centres of the local mu."""
        return 0.5 * (self.mu_edges[1:] + self.mu_edges[:-1])

    @property
    def timing(self) -> dict:
        """wall_seconds, steps_per_second, ranks, threads of the run (the only values
        that differ between runs of the same card)."""
        return self.summary.get("timing", {})

    @property
    def dmumu_value(self) -> np.ndarray:
        """D_mumu by the lag estimator at the lag used [c/L] (dmumu/value in result.h5)."""
        return self.dmumu.lag[self.lag_index]

    @property
    def dmumu_err(self) -> np.ndarray:
        return self.dmumu.lag_err[self.lag_index]

    # -- files ----------------------------------------------------------------------------
    @staticmethod
    def load(path, point: int | None = None):
        """Read a result directory (or its result.h5): a :class:`Result`, or a
        :class:`ScanResult` for a scan (``point=i``: that point's Result)."""
        from .io import read_any
        return read_any(path, point)

    def save(self, output_dir, *, plots: bool = True) -> Path:
        """Write result.h5, summary.json and (``plots``) the figures into ``output_dir``."""
        from .io import write_result
        return write_result(output_dir, self, plots=plots)

    # -- figures ----------------------------------------------------------------------------
    def plot_dmumu(self, ax=None):
        """D_mumu(mu), measured (three estimators) and QLT; returns the Axes."""
        from .plotting import plot_dmumu
        return plot_dmumu(self, ax)

    def plot_running(self, ax=None):
        """Running <dx_i^2>/(2t) with the plateau window and QLT kappa_par."""
        from .plotting import plot_running
        return plot_running(self, ax)

    def plot_trajectories(self, ax=None, n: int = 4):
        from .plotting import plot_trajectories
        return plot_trajectories(self, ax, n)

    def plot_momentum(self, axes=None):
        """D_pp(mu) and D_mup(mu) measured vs QLT (moving waves); returns the two Axes."""
        from .plotting import plot_momentum
        return plot_momentum(self, axes)

    def plot_streaming(self, axes=None):
        """Running <dp^2>/(2t) and <dz>/t with A2 and the streaming speed (moving waves)."""
        from .plotting import plot_streaming
        return plot_streaming(self, axes)


@dataclass
class ScanResult:
    """The points of a scan (a sequence of :class:`Result`) and its summary:
    ``summary == {"scan": columns, "points": [point summaries], "timing": ...}``, as in
    summary.json; ``table`` is the ``"scan"`` columns."""

    scan: Scan
    points: list
    summary: dict = field(default_factory=dict)
    indices: list | None = None     # the points' indices in ``scan.cards`` (None: all, in order)

    @property
    def point_indices(self) -> list:
        return list(range(len(self.points))) if self.indices is None else list(self.indices)

    @property
    def parameters(self) -> tuple:
        return self.scan.parameters

    @property
    def table(self) -> dict:
        return self.summary["scan"]

    @property
    def timing(self) -> dict:
        return self.summary.get("timing", {})

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):
        return iter(self.points)

    def __getitem__(self, i) -> Result:
        return self.points[i]

    load = staticmethod(Result.load)

    def save(self, output_dir, *, plots: bool = True) -> Path:
        from .io import write_scan
        return write_scan(output_dir, self, plots=plots)

    def plot_kappa(self, ax=None):
        """kappa_par, kappa_perp and QLT against the scanned parameter."""
        from .plotting import plot_scan_kappa
        return plot_scan_kappa(self, ax)

    def plot_kappa_energy(self, ax=None):
        """An energy scan's kappa_par(E) in cm^2/s with QLT, the fluid estimate, the fitted
        delta and the observed band (kappa_vs_energy.png)."""
        from .plotting import plot_kappa_energy
        return plot_kappa_energy(self, ax)


#: summary keys tabulated over the points of a scan
SCAN_KEYS = ("kappa_par", "kappa_par_err", "kappa_perp", "kappa_perp_err", "kappa_perp_nlgc", "lambda_par",
             "lambda_par_err",
             "alpha_par", "alpha_perp", "plateau_reached", "qlt_kappa_par", "qlt_lambda_par",
             "dmumu_ratio_median", "kappa_par_from_dmumu", "r_g", "dB2")


def scan_summary(scan: Scan, points: list, timing: dict | None) -> dict:
    """The summary.json of a scan: per-point columns, the point summaries, the timing."""
    table = {"parameters": list(scan.parameters), "rigidity": [r.card.particles.rigidity for r in points],
             "dB2": [r.card.field.dB2_total for r in points], "boost": [r.card.field.boost for r in points]}
    if all(r.card.physical is not None for r in points):
        table["energy_GeV"] = [r.card.physical.energy_GeV for r in points]
        table["kappa_par_cm2_s"] = [r.summary["physical"]["kappa_par_cm2_s"] for r in points]
        table["kappa_par_err_cm2_s"] = [r.summary["physical"]["kappa_par_err_cm2_s"] for r in points]
        table["qlt_kappa_par_cm2_s"] = [r.summary["physical"]["qlt_kappa_par_cm2_s"] for r in points]
        table["fluid_kappa_par_cm2_s"] = [r.summary["physical"].get("fluid_kappa_par_cm2_s") for r in points]
    for k in SCAN_KEYS:
        table.setdefault(k, [r.summary.get(k) for r in points])
    out = {"scan": table, "points": [r.summary for r in points]}
    from .scanfit import boost_check, energy_slopes
    if "energy_GeV" in scan.parameters and len(points) >= 2:
        boosts = sorted({r.card.field.boost for r in points}) if "boost" in scan.parameters else [None]
        fits = [energy_slopes([r for r in points if b is None or r.card.field.boost == b]) for b in boosts]
        out.update(fits[0])
        if len(fits) > 1:
            out["delta_by_boost"] = [{"boost": b, **fit} for b, fit in zip(boosts, fits)]
    if "boost" in scan.parameters:
        out["boost_check"] = boost_check(points, lambda r: (r.card.particles.rigidity, r.card.field.dB2_total
                                                             / r.card.field.power_factor))
    if timing is not None:
        out["timing"] = timing
    return out
