"""Branch-free polynomial cosine for the mode loop (no vectorised libm in numba).

cos(t) for float64 t: quadrant reduction j = round(2 t / pi), r = t - j pi/2 with pi/2
split in three parts (Cody & Waite 1980) so that j * part is exact for |j| < 2^20, i.e.
|t| < ~1.6e6; then cos or sin of r in [-pi/4, pi/4] by the minimax polynomials of
fdlibm's __kernel_cos / __kernel_sin (Sun Microsystems 1993; error < 2^-58 on the
interval), with fdlibm's compensated form of 1 - r^2/2, and a select on j mod 4.

Accuracy (tests/kernels/test_trig.py): |cos_poly(t) - cos(t)| <= 1.2e-16 for |t| <= 1e6.
Beyond ~1.6e6 the reduction error grows like |t| * 2^-86 -- still 1e-16 at 1e9.

The reduction must not be re-associated, so every kernel that inlines this function is
compiled with fastmath={"contract"} only (FMA fusion, which only makes the steps more
exact); never with "reassoc" or "fast".
"""
import math

from numba import njit

TWO_OVER_PI = 0.63661977236758134308
PIO2_1 = 1.57079632673412561417e+00     # first 33 bits of pi/2
PIO2_2 = 6.07710050630396597660e-11     # next 33 bits
PIO2_3 = 2.02226624879595063154e-21     # the rest
# fdlibm k_cos.c / k_sin.c coefficients
C1 = 4.16666666666666019037e-02
C2 = -1.38888888888741095749e-03
C3 = 2.48015872894767294178e-05
C4 = -2.75573143513906633035e-07
C5 = 2.08757232129817482790e-09
C6 = -1.13596475577881948265e-11
S1 = -1.66666666666666324348e-01
S2 = 8.33333333332248946124e-03
S3 = -1.98412698298579493134e-04
S4 = 2.75573137070700676789e-06
S5 = -2.50507602534068634195e-08
S6 = 1.58969099521155010221e-10


@njit(cache=True, inline="always", fastmath={"contract"})
def _reduced(t):
    """(q, cos r, sin r): t = j pi/2 + r, |r| <= pi/4, q = j mod 4."""
    j = math.floor(t * TWO_OVER_PI + 0.5)
    r = ((t - j * PIO2_1) - j * PIO2_2) - j * PIO2_3
    s = r * r
    hz = 0.5 * s
    w = 1.0 - hz
    c = w + (((1.0 - w) - hz) + s * s * (C1 + s * (C2 + s * (C3 + s * (C4 + s * (C5 + s * C6))))))
    sn = r + r * s * (S1 + s * (S2 + s * (S3 + s * (S4 + s * (S5 + s * S6)))))
    return int(j) & 3, c, sn


@njit(cache=True, inline="always", fastmath={"contract"})
def cos_poly(t):
    """cos(t) [float64], branch-free (selects), vectorisable."""
    q, c, sn = _reduced(t)
    v = c if (q & 1) == 0 else sn
    return -v if (q == 1 or q == 2) else v


@njit(cache=True, inline="always", fastmath={"contract"})
def sincos_poly(t):
    """(sin(t), cos(t)) from one reduction (as ``cos_poly``, same accuracy)."""
    q, c, sn = _reduced(t)
    # quadrant q: (sin, cos) = (sn, c), (c, -sn), (-sn, -c), (-c, sn)
    sv = sn if (q & 1) == 0 else c
    cv = c if (q & 1) == 0 else sn
    return (-sv if q >= 2 else sv), (-cv if (q == 1 or q == 2) else cv)


@njit(cache=True)
def sincos_poly_array(t):
    """sincos_poly over an array (tests): returns (sin, cos)."""
    s = t.copy()
    c = t.copy()
    for i in range(t.shape[0]):
        s[i], c[i] = sincos_poly(t[i])
    return s, c


@njit(cache=True)
def cos_poly_array(t):
    """cos_poly over an array (tests and benchmarks)."""
    out = t.copy()
    for i in range(t.shape[0]):
        out[i] = cos_poly(t[i])
    return out
