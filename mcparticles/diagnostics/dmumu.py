"""Pitch-angle diffusion coefficient from the on-the-fly accumulators of
kernels/push.py (docs/physics.md §5.4), mu always against the local field.

(a) lag estimator:      D_a(tau_l) = <(mu(t + tau_l) - mu(t))^2> / (2 tau_l),
    binned by mu(t), tau_l = l h for l = 1..n_lag (h: mu sampling interval);
(b) correlation estimator: D_b(tau_L) = integral_0^tau_L <mudot(0) mudot(s)> ds by the
    trapezoid rule over the lags 0..L, mudot from centred differences, binned by mu(0);
(c) slope estimator: D_c(tau) = [<dmu^2>(tau) - <dmu^2>(tau/2)] / tau, which drops any
    part of <dmu^2> that has saturated by tau/2: reversible, non-diffusive changes of the
    local mu (mirroring in |B| of compressive modes, the field direction seen across
    oblique small-scale structure).  It equals (a) when <dmu^2> grows linearly.

Both are pooled over all particles; errors are standard errors over groups
(realisations, or batches when there is one realisation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .running import standard_error


def mu_edges(n_bins: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, n_bins + 1)


@dataclass
class DmumuScan:
    lags: np.ndarray        # (n_lag,) tau_l [L/c]
    lag: np.ndarray         # (n_lag, n_bins) estimator (a)
    lag_err: np.ndarray
    corr: np.ndarray        # (n_lag, n_bins) estimator (b), integrated up to tau_l
    corr_err: np.ndarray
    counts: np.ndarray      # (n_bins,) samples at the first lag
    slope: np.ndarray       # (n_lag, n_bins) estimator (c); NaN for the first lag
    slope_err: np.ndarray
    lag_groups: np.ndarray  # (G, n_lag, n_bins) estimator (a) per error group

    @classmethod
    def from_sums(cls, lag_sums, cor_sums, h: float):
        """lag_sums: (G, n_lag, n_bins, 3); cor_sums: (G, n_lag+1, n_bins, 2)."""
        lag_sums = np.asarray(lag_sums, float)
        cor_sums = np.asarray(cor_sums, float)
        n_lag = lag_sums.shape[1]
        lags = h * np.arange(1, n_lag + 1)

        def est_a(s):
            with np.errstate(invalid="ignore", divide="ignore"):
                return s[..., 2] / s[..., 0] / (2.0 * lags[:, None])

        def est_b(s):
            with np.errstate(invalid="ignore", divide="ignore"):
                c = s[..., 1] / s[..., 0]                       # (..., n_lag+1, n_bins)
            cum = np.cumsum(c, axis=-2)                          # sum_{l'<=l} C_l'
            # trapezoid from 0 to L: h [C_0/2 + C_1 + ... + C_{L-1} + C_L/2]
            trap = cum[..., 1:, :] - 0.5 * c[..., :1, :] - 0.5 * c[..., 1:, :]
            return h * trap

        half = (np.arange(1, n_lag + 1) + 1) // 2 - 1          # index of the lag tau/2

        def est_c(a):
            msd = 2.0 * lags[:, None] * a
            out = (msd - msd[..., half, :]) / (2.0 * (lags - lags[half]))[:, None]
            out[..., 0, :] = np.nan
            return out

        a_groups = est_a(lag_sums)
        b_groups = est_b(cor_sums)
        with np.errstate(invalid="ignore", divide="ignore"):
            a_all = est_a(lag_sums.sum(0))
            c_all, c_groups = est_c(a_all), est_c(a_groups)
        return cls(lags=lags, lag=a_all, lag_err=standard_error(a_groups),
                   corr=est_b(cor_sums.sum(0)), corr_err=standard_error(b_groups),
                   counts=lag_sums.sum(0)[0, :, 0], slope=c_all, slope_err=standard_error(c_groups),
                   lag_groups=a_groups)

    def at(self, lag_index: int):
        """(value_a, err_a, value_b, err_b) at lag ``lag_index`` (0-based)."""
        return (self.lag[lag_index], self.lag_err[lag_index],
                self.corr[lag_index], self.corr_err[lag_index])


def resolved_bins(edges: np.ndarray, qlt: np.ndarray, r_g: float, k_max: float,
                  mu_max: float = 1.0, gaps=(0.0,)) -> np.ndarray:
    """Bins where measured and QLT D_mumu can be compared: the whole bin lies at
    |mu - g| > 2/(r_g k_max) from at least one of the resonance gaps ``gaps`` (mu = 0
    for static waves, the 90-degree gap of docs/physics.md §4.7; mu = V/v for a wave
    family moving at V, docs/physics.md §6.3), within |mu| <= mu_max, and QLT is
    positive there."""
    hi = np.maximum(np.abs(edges[:-1]), np.abs(edges[1:]))
    outside = np.zeros(edges.size - 1, dtype=bool)
    for g in gaps:
        a, b = edges[:-1] - g, edges[1:] - g
        lo = np.where(a * b < 0, 0.0, np.minimum(np.abs(a), np.abs(b)))
        outside |= lo > 2.0 / (r_g * k_max)
    return outside & (hi <= mu_max + 1e-12) & (qlt > 0)
