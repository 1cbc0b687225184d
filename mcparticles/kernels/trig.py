"""Branch-free polynomial cosine for the mode loop (no vectorised libm in numba).

cos(t) for float64 t: quadrant reduction j = round(2 t / pi), r = t - j pi/2 with pi/2
split in three parts (Cody & Waite 1980) so that j * part is exact for |j| < 2^20, i.e.
|t| < ~1.6e6; then cos or sin of r in [-pi/4, pi/4] by the minimax polynomials of
fdlibm's __kernel_cos / __kernel_sin (Sun Microsystems 1993; error < 2^-58 on the
interval), with fdlibm's compensated form of 1 - r^2/2, and a select on j mod 4.

j is rounded by the "magic number" 1.5 * 2^52: y = t 2/pi + MAGIC rounds t 2/pi to the
nearest integer in the float unit, y - MAGIC is that integer as a float, and the low
bits of y's mantissa hold j mod 4, read through a bit cast (``_bits``).  Everything stays
in SIMD lanes on any x86-64 vector unit: converting a packed double to int64
(``int(floor(.))``) exists only with AVX-512DQ, so on AVX2 it was done one lane at a
time.  Valid for |t| 2/pi < 2^51 (|t| < 3.5e15); the result is the one of the floor
form except where t 2/pi is within rounding of a half-integer (either quadrant is
then exact to the bound below).

Accuracy (tests/kernels/test_trig.py): |cos_poly(t) - cos(t)| <= 1.2e-16 for |t| <= 1e6,
and, with FMA contraction (every kernel is compiled with it: t - j * PIO2_1 becomes one
fused operation, exact before its single rounding), for any |t| up to the magic-number
limit (measured 1.1e-16 at |t| ~ 1e12).  A target without FMA (x86-64 before Haswell)
rounds j * PIO2_1 itself, exact only for |j| < 2^20: beyond |t| ~ 1.6e6 its error grows
like |t| * 1e-16 (1e-9 at 1e7).

The reduction must not be re-associated, so every kernel that inlines this function is
compiled with fastmath={"contract"} only (FMA fusion, which only makes the steps more
exact); never with "reassoc" or "fast".
"""
from numba import njit, types
from numba.extending import intrinsic

TWO_OVER_PI = 0.63661977236758134308
MAGIC = 6755399441055744.0              # 1.5 * 2^52: x + MAGIC - MAGIC = round(x), |x| < 2^51
SIGN = -9223372036854775808              # the sign bit of a float64, as an int64
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


@intrinsic
def _bits(typingctx, x):
    """The bits of a float64 as an int64 (a bit cast: no instruction)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, i):
    """The float64 whose bits are the int64 ``i`` (the inverse of ``_bits``)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@njit(cache=True, inline="always", fastmath={"contract"})
def _reduced(t):
    """(q, cos r, sin r): t = j pi/2 + r, |r| <= pi/4; q = j mod 4 in its two low bits
    (the bits of t 2/pi + MAGIC: the higher bits are MAGIC's)."""
    y = t * TWO_OVER_PI + MAGIC
    j = y - MAGIC
    r = ((t - j * PIO2_1) - j * PIO2_2) - j * PIO2_3
    s = r * r
    hz = 0.5 * s
    w = 1.0 - hz
    c = w + (((1.0 - w) - hz) + s * s * (C1 + s * (C2 + s * (C3 + s * (C4 + s * (C5 + s * C6))))))
    sn = r + r * s * (S1 + s * (S2 + s * (S3 + s * (S4 + s * (S5 + s * S6)))))
    return _bits(y), c, sn


@njit(cache=True, inline="always", fastmath={"contract"})
def cos_poly(t):
    """cos(t) [float64], branch-free (a select and a sign flip in integer lanes),
    vectorisable on AVX2 and AVX-512."""
    q, c, sn = _reduced(t)
    v = c if (q & 1) == 0 else sn
    # negative in quadrants 1 and 2: bit 1 of q + 1, moved to the sign bit
    return _float(_bits(v) ^ (((q + 1) << 62) & SIGN))


@njit(cache=True, inline="always", fastmath={"contract"})
def sincos_poly(t):
    """(sin(t), cos(t)) from one reduction (as ``cos_poly``, same accuracy)."""
    q, c, sn = _reduced(t)
    # quadrant q: (sin, cos) = (sn, c), (c, -sn), (-sn, -c), (-c, sn)
    sv = sn if (q & 1) == 0 else c
    cv = c if (q & 1) == 0 else sn
    return _float(_bits(sv) ^ ((q << 62) & SIGN)), _float(_bits(cv) ^ (((q + 1) << 62) & SIGN))


@njit(cache=True, fastmath={"contract"})
def sincos_poly_array(t):
    """sincos_poly over an array (tests): returns (sin, cos); compiled with the kernels'
    flags (FMA contraction), so it computes what they compute."""
    s = t.copy()
    c = t.copy()
    for i in range(t.shape[0]):
        s[i], c[i] = sincos_poly(t[i])
    return s, c


@njit(cache=True, fastmath={"contract"})
def cos_poly_array(t):
    """cos_poly over an array (tests and benchmarks), with the kernels' flags."""
    out = t.copy()
    for i in range(t.shape[0]):
        out[i] = cos_poly(t[i])
    return out
