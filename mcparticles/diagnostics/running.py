"""Running diffusion coefficients, plateau and late-time exponents (docs/physics.md §5.1-5.2).

d_ii(t) = <dx_i^2> / (2 t), averaged over particles; errors are standard errors over
independent groups (field realisations, or particle batches when there is only one
realisation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Order of the six second moments accumulated by kernels/push.py.
MOMENTS = ("xx", "yy", "zz", "xy", "xz", "yz")


def output_steps(n_steps: int, n_output: int) -> np.ndarray:
    """Log-spaced distinct step indices from ~n_steps/1e4 (at least 1) to n_steps."""
    first = max(1, n_steps // 10_000)
    steps = np.unique(np.round(np.geomspace(first, n_steps, n_output)).astype(np.int64))
    return steps[steps >= 1]


def standard_error(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Standard error of the mean over ``axis`` (NaN with fewer than two groups)."""
    n = values.shape[axis]
    if n < 2:
        return np.full(np.delete(values.shape, axis), np.nan)
    return np.std(values, axis=axis, ddof=1) / np.sqrt(n)


@dataclass
class RunningDiffusion:
    t: np.ndarray                 # (n_out,) [L/c]
    d: np.ndarray                 # (n_out, 6) <dx_i dx_j>/(2t) over all particles
    d_err: np.ndarray             # (n_out, 6)
    d_groups: np.ndarray          # (n_groups, n_out, 6)

    @classmethod
    def from_sums(cls, t, sums, counts):
        """sums: (n_groups, n_out, 6) summed moments; counts: (n_groups,) particles."""
        sums = np.asarray(sums, float)
        counts = np.asarray(counts, float)
        per_group = sums / counts[:, None, None] / (2.0 * t[None, :, None])
        total = sums.sum(axis=0) / counts.sum() / (2.0 * t[:, None])
        return cls(t=t, d=total, d_err=standard_error(per_group), d_groups=per_group)

    # kappa_perp is the mean of xx and yy, kappa_par is zz (docs/physics.md §1)
    def perp(self, groups=False):
        d = self.d_groups if groups else self.d
        return 0.5 * (d[..., 0] + d[..., 1])

    def par(self, groups=False):
        d = self.d_groups if groups else self.d
        return d[..., 2]


@dataclass
class Plateau:
    value: float
    err: float
    t_start: float           # start of the fitting window
    t_ballistic: float       # 3 kappa / v^2
    reached: bool            # the window lies >= 5 t_ballistic and holds >= 3 samples


def _slope(t, msd):
    """Least-squares slope of msd(t)."""
    return float(np.polyfit(t, msd, 1)[0])


def plateau(t, d_total, d_groups, speed: float) -> Plateau:
    """Late-time diffusion coefficient kappa = (1/2) d<dx^2>/dt.

    The running value <dx^2>/(2t) approaches kappa only as kappa (1 - t_b/t) for a
    velocity correlation time t_b = 3 kappa / v^2 (telegraph form of <dx^2>), i.e. 10%
    low at t = 10 t_b; the slope of <dx^2>(t) converges like exp(-t/t_b).  We fit the
    slope by least squares over t >= max(t_max/3, 5 t_b) (t_b from the last running
    value); per-group fits give the standard error.  With fewer than 3 samples in that
    window the last 20% of the samples are used and ``reached`` is False.
    """
    t = np.asarray(t)
    t_b = 3.0 * max(float(d_total[-1]), 0.0) / speed ** 2
    start = max(t[-1] / 3.0, 5.0 * t_b)
    sel = t >= start
    reached = bool(sel.sum() >= 3)
    if not reached:
        sel = np.zeros_like(t, dtype=bool)
        sel[-max(3, len(t) // 5):] = True
    ts = t[sel]
    value = 0.5 * _slope(ts, 2.0 * ts * d_total[sel])
    if d_groups.shape[0] > 1:
        per = np.array([0.5 * _slope(ts, 2.0 * ts * g[sel]) for g in d_groups])
        err = float(standard_error(per))
    else:
        err = float("nan")
    return Plateau(value=value, err=err, t_start=float(ts[0]), t_ballistic=t_b, reached=reached)


def late_exponent(t, d_groups, t_from: float = 0.0, decades: float = 1.0):
    """Exponent alpha of <dx^2> ~ t^alpha, fitted per group (least squares in log-log)
    over t >= max(t_from, t_max / 10^decades), or the last decade when that window
    holds fewer than 4 samples; returns (mean, standard error)."""
    t = np.asarray(t)
    sel = t >= max(t_from, t[-1] / 10 ** decades)
    if sel.sum() < 4:
        sel = t >= t[-1] / 10 ** decades
    if sel.sum() < 3:
        sel = np.ones_like(t, dtype=bool)
    lt = np.log(t[sel])
    alphas = []
    for g in range(d_groups.shape[0]):
        msd = 2.0 * t[sel] * d_groups[g, sel]
        if np.any(msd <= 0):
            continue
        alphas.append(np.polyfit(lt, np.log(msd), 1)[0])
    alphas = np.array(alphas)
    if alphas.size == 0:
        return float("nan"), float("nan")
    return float(alphas.mean()), float(standard_error(alphas)) if alphas.size > 1 else float("nan")
