"""Momentum transport and streaming in moving waves, from the on-the-fly moments of
kernels/push.py (docs/physics.md §6.4).  Momenta p are in units of the initial one, p0.

* D_pp(mu) and D_mup(mu): the estimators of D_mumu (diagnostics/dmumu.py) applied to
  (dp, dp) and (dmu, dp) of gyro-averaged samples of p and the local mu (averages over
  one gyro-period, which remove the reversible oscillation of p in the waves' electric
  field; kernels/momentum.py): lag <dp^2>/(2 tau) and <dmu dp>/(2 tau), binned by the
  averaged mu at the start; correlation integrals of <pdot(0) pdot(s)> and of the
  symmetrised (<mudot(0) pdot(s)> + <pdot(0) mudot(s)>)/2; the slope estimator.  The
  same for the averaged mu alone gives ``dmumu_averaged``, D_mumu with the estimator,
  lag and bins of D_pp: the denominator of the ratios D_pp/D_mumu and D_mup/D_mumu,
  whose QLT values (eps^2/(1 - mu eps)^2, eps/(1 - mu eps) for one family) are then
  compared free of the estimators' common systematics.
* Running moments at the output times: <dp^2>/(2t) (``p2``), <dp>/t and <dz>/t, with
  standard errors over groups (realisations, or batches when there is one).
* Late-time rates (``late_rate``): A2 = (1/2) d Var(p)/dt, the momentum diffusion
  coefficient of the pitch-angle-averaged (diffusion-convection) equation -- the
  variance, not <dp^2>, so that the systematic gain <dp> (of order A2 t/p) does not
  add (<dp>/t)^2 t to it --, and the streaming speed d<dz>/dt, fitted by least squares
  over the late window of the kappa plateau (after the pitch-angle distribution has
  relaxed), per group for the error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dmumu import DmumuScan
from .running import standard_error


def momentum_scans(lag_sums, cor_sums, h: float) -> tuple[DmumuScan, DmumuScan, DmumuScan]:
    """(D_pp scan, D_mup scan, D_mumu scan of the averaged mu) from lag sums (G, n_lag,
    n_bins, 8: the D_mumu count, dmu, dmu^2, then count, dp, dp^2, dmu dp, dmu^2 of the
    gyro-averaged samples) and correlation sums (G, n_lag+1, n_bins, 7: count, mudot
    mudot, then count, pdot pdot, mudot pdot, pdot mudot, mudot mudot of the
    gyro-averaged samples; kernels/momentum.py)."""
    lag_sums = np.asarray(lag_sums, float)
    cor_sums = np.asarray(cor_sums, float)
    dpp = DmumuScan.from_sums(lag_sums[..., [3, 4, 5]], cor_sums[..., [2, 3]], h)
    cross_cor = np.stack([cor_sums[..., 2], 0.5 * (cor_sums[..., 4] + cor_sums[..., 5])], axis=-1)
    dmup = DmumuScan.from_sums(lag_sums[..., [3, 4, 6]], cross_cor, h)
    dmumu = DmumuScan.from_sums(lag_sums[..., [3, 4, 7]], cor_sums[..., [2, 6]], h)
    return dpp, dmup, dmumu


@dataclass
class MomentumRunning:
    """Running moments at the output times t (n_out,) [L/c]: p2 = <dp^2>/(2t)
    [p0^2 c/L], mean_dp = <dp>/t [p0 c/L], var_p = <dp^2> - <dp>^2 [p0^2],
    mean_dz = <dz>/t [c]; *_err the standard errors over groups, *_groups per group."""

    t: np.ndarray
    p2: np.ndarray
    p2_err: np.ndarray
    mean_dp: np.ndarray
    mean_dp_err: np.ndarray
    mean_dz: np.ndarray
    mean_dz_err: np.ndarray
    var_p_groups: np.ndarray
    dz_groups: np.ndarray

    @classmethod
    def from_sums(cls, t, sums, counts) -> MomentumRunning:
        """sums: (G, n_out, 3) of dz, dp, dp^2 summed over particles; counts (G,)."""
        sums = np.asarray(sums, float)
        n = np.asarray(counts, float)[:, None]
        mean = sums / n[..., None]                       # per group: <dz>, <dp>, <dp^2>
        total = sums.sum(axis=0) / n.sum()
        p2_g = mean[..., 2] / (2.0 * t)
        return cls(t=t, p2=total[:, 2] / (2.0 * t), p2_err=standard_error(p2_g),
                   mean_dp=total[:, 1] / t, mean_dp_err=standard_error(mean[..., 1] / t),
                   mean_dz=total[:, 0] / t, mean_dz_err=standard_error(mean[..., 0] / t),
                   var_p_groups=mean[..., 2] - mean[..., 1] ** 2, dz_groups=mean[..., 0])


def late_rate(t, groups, t_start: float, scale: float = 1.0) -> tuple[float, float]:
    """scale x the least-squares slope of the group mean of ``groups`` (G, n_out) over
    t >= t_start (the last 20% of the samples, at least 3, when fewer remain), and its
    standard error from the per-group slopes."""
    t = np.asarray(t)
    sel = t >= t_start
    if sel.sum() < 3:
        sel = np.zeros_like(t, dtype=bool)
        sel[-max(3, len(t) // 5):] = True
    ts = t[sel]
    slopes = np.array([np.polyfit(ts, g[sel], 1)[0] for g in groups]) * scale
    value = float(scale * np.polyfit(ts, groups[:, sel].mean(axis=0), 1)[0])
    return value, float(standard_error(slopes)) if slopes.size > 1 else float("nan")
