"""Quadrature kernels of the QLT integrals (numba; plain arrays in, arrays out)."""
import math

import numpy as np
from numba import njit


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """w with sum(w * f) = the trapezoid rule of f on the (increasing) points x."""
    w = np.zeros_like(x)
    d = np.diff(x)
    w[:-1] += 0.5 * d
    w[1:] += 0.5 * d
    return w


@njit(cache=True)
def fast_broadened_inner(kpar_pos, kp, wts, ia, if_, cos2, om, ta, jp2, speed, mu, n_omega, dv):
    """k_perp integrals of the broadened fast-mode integrand (qlt/broadened.py) at
    k_par = -kpar_pos[::-1] then +kpar_pos: out[x, a] = sum_b wts[b] 2 pi kp[b] R(k_par, kp)
    (ta[b] I_A + cos^2 jp2[b] I_F) W_x, with R = sqrt(pi)/(|k_par| dv) exp(-X^2),
    X = (k_par v mu - omega + n Omega) / (k_par dv), and the frame weights W = ((1 - mu eps)^2,
    eps (1 - mu eps), eps^2), eps = omega / (k_par v).  ``ia``, ``if_``, ``cos2`` and
    ``om`` (the frequency) are given on kpar_pos x kp: all are even in k_par.  Points with
    X^2 > 700 (R below 1e-304 of its peak) are skipped."""
    na = kpar_pos.size
    out = np.zeros((3, 2 * na))
    root_pi = math.sqrt(math.pi)
    for side in range(2):
        for a in range(na):
            row = na - 1 - a if side == 0 else a
            k = -kpar_pos[row] if side == 0 else kpar_pos[row]
            col = a if side == 0 else na + a
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for b in range(kp.size):
                o = om[row, b]
                x = (k * speed * mu - o + n_omega) / (k * dv)
                if x * x > 700.0:
                    continue
                f = (wts[b] * 2.0 * math.pi * kp[b] * root_pi / (abs(k) * dv) * math.exp(-x * x)
                     * (ta[b] * ia[row, b] + cos2[row, b] * jp2[b] * if_[row, b]))
                eps = o / (k * speed)
                frame = 1.0 - mu * eps
                s0 += f * frame * frame
                s1 += f * eps * frame
                s2 += f * eps * eps
            out[0, col] = s0
            out[1, col] = s1
            out[2, col] = s2
    return out
