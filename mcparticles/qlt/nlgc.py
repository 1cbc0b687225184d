"""Nonlinear guiding-centre theory (NLGC) of perpendicular diffusion.

Matthaeus, Qin, Bieber & Zank (2003, ApJ 590, L53), eq. (4) of the original variant:

    kappa_perp = (a^2 v^2 / (3 B0^2)) integral d^3k S_xx(k) / (v/lambda_par + k_perp^2 kappa_perp
                                                               + k_par^2 kappa_par)

with lambda_par = 3 kappa_par / v and a^2 = 1/3 (the value Matthaeus et al. chose to
match their simulations).  kappa_perp appears on both sides; the right-hand side falls
monotonically with kappa_perp, so the root is unique and is bracketed by 0 and the
right-hand side at kappa_perp = 0.

S_xx is the x-x element of the field's spectral tensor.  With this package's one-sided
1D spectra P(k) (integral P dk = dB2, both transverse components, spectra.py):

* slab (k along B0): integral d^3k S_xx f = integral dk P(k)/2 f(k_par = k, k_perp = 0);
* 2D (k perpendicular to B0, dB along z x k): integral dk P(k)/2 f(k_par = 0, k_perp = k);
* isotropic (S_ij = P(k)/(8 pi k^2) (delta_ij - k_i k_j / k^2)):
  integral dk P(k)/4 integral_{-1}^{1} dc (1 + c^2)/2 f(k_par = k c, k_perp = k sqrt(1 - c^2)).

Only the simulated band [k_min, k_max] carries power (the field that was run).  Limits
(tests/qlt/test_nlgc.py): for lambda_par -> 0 the denominator is v/lambda_par and
kappa_perp -> a^2 kappa_par <dB_x^2>/B0^2; for lambda_par -> infinity with a 2D part,
kappa_perp -> (a v / sqrt 3) sqrt(integral dk P_2D/(2 k^2)) / B0, independent of
kappa_par (the field-line random walk of the 2D ultrascale, reduced by a).

Known shortcoming, stated where it is reported: for pure slab turbulence NLGC gives a
finite kappa_perp, but the exact transport is subdiffusive (kappa_perp -> 0; Qin et al.
2002a), so for a card with slab turbulence only the value is reported with that note.
Fast modes and GS95 have no NLGC here (their S_xx is not one of the three geometries).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from scipy import integrate, optimize

A2 = 1.0 / 3.0                  # Matthaeus et al. (2003)
VARIANT = "NLGC (Matthaeus et al. 2003), a^2 = 1/3, slab and 2D/isotropic terms of S_xx"
SLAB_ONLY_NOTE = ("pure slab turbulence: NLGC gives a finite kappa_perp, but transport across B0 is "
                  "subdiffusive (kappa_perp -> 0; Qin et al. 2002a)")


@dataclass(frozen=True)
class NLGCTerm:
    """One part of the spectral tensor: ``geometry`` "slab", "2d" or "isotropic" and its
    1D spectrum (spectra.py, band-limited density in B_ref^2 L)."""

    geometry: str
    spectrum: object


@dataclass(frozen=True)
class NLGCPrediction:
    """kappa_perp [L c] from NLGC given ``kappa_par`` [L c]; ``note`` says when the
    value is known to be wrong (pure slab)."""

    kappa_perp: float
    kappa_par: float
    a2: float
    note: str = ""


class NLGCUnavailable(ValueError):
    """The card has no NLGC: B0 = 0, or a component outside the three geometries."""


def terms(card) -> tuple[NLGCTerm, ...]:
    """The NLGC terms of every component of ``card`` (each model's ``nlgc_terms``)."""
    if card.field.B0 <= 0:
        raise NLGCUnavailable("NLGC needs a mean field (B0 > 0)")
    out = []
    for c in card.field.components:
        t = c.nlgc_terms()
        if t is None:
            raise NLGCUnavailable(f'NLGC is defined here for slab, 2D and isotropic turbulence, not for "{c.name}"')
        out += list(t)
    return tuple(out)


def isotropic_angle_factor(x: float) -> float:
    """h(x) = integral_{-1}^{1} (1 + c^2)/(2 (1 + x c^2)) dc for x > -1, with a series
    where |x| is small and the closed form cancels (h(0) = 4/3)."""
    if abs(x) < 1e-3:                     # sum_n (-x)^n (1/(2n+1) + 1/(2n+3))
        return sum((-x) ** n * (1.0 / (2 * n + 1) + 1.0 / (2 * n + 3)) for n in range(6))
    r = math.sqrt(abs(x))
    f = math.atan(r) / r if x > 0 else math.atanh(r) / r      # integral_0^1 dc/(1 + x c^2)
    return f + (1.0 - f) / x                                  # c^2/(1+x c^2) = (1 - 1/(1+x c^2))/x


def _term_integral(term: NLGCTerm, kperp: float, kpar: float, rate: float) -> float:
    """integral d^3k S_xx / (rate + k_perp^2 kperp + k_par^2 kpar) for one term, in ln k."""
    s = term.spectrum
    lo, hi = math.log(s.k_min), math.log(s.k_max)

    def integrand(u):
        k = math.exp(u)
        p = float(s.density(k)) * k
        k2 = k * k
        if term.geometry == "slab":
            return 0.5 * p / (rate + k2 * kpar)
        if term.geometry == "2d":
            return 0.5 * p / (rate + k2 * kperp)
        a = rate + k2 * kperp                                # isotropic: a + b c^2
        b = k2 * (kpar - kperp)
        return 0.25 * p * isotropic_angle_factor(b / a) / a

    with warnings.catch_warnings():          # a peaked spectrum: quad's best is kept, NLGC is an estimate
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        val, _ = integrate.quad(integrand, lo, hi, limit=400, epsrel=1e-10)
    return val


def rhs(card_terms, kappa_perp: float, kappa_par: float, speed: float, B0: float, a2: float = A2) -> float:
    """The right-hand side of the NLGC equation at trial ``kappa_perp``."""
    rate = speed * speed / (3.0 * kappa_par)               # v / lambda_par
    total = sum(_term_integral(t, kappa_perp, kappa_par, rate) for t in card_terms)
    return a2 * speed * speed / (3.0 * B0 * B0) * total


def solve(card_terms, kappa_par: float, speed: float, B0: float, a2: float = A2) -> float:
    """kappa_perp [L c] solving the NLGC equation for the given terms (brentq in ln kappa_perp)."""
    if not (kappa_par > 0 and math.isfinite(kappa_par)):
        raise NLGCUnavailable(f"NLGC needs a finite positive kappa_par (got {kappa_par})")
    top = rhs(card_terms, 0.0, kappa_par, speed, B0, a2)
    if top <= 0:
        return 0.0
    g = lambda u: u - math.log(rhs(card_terms, math.exp(u), kappa_par, speed, B0, a2))  # noqa: E731
    lo, hi = math.log(top) - 40.0, math.log(top)
    if g(hi) < 1e-14:                  # no kappa_perp dependence (pure slab): the root is the top
        return top
    return math.exp(optimize.brentq(g, lo, hi, xtol=1e-12, rtol=1e-12))


def predict(card, kappa_par: float, a2: float = A2) -> NLGCPrediction:
    """NLGC kappa_perp for ``card``'s field and particles given ``kappa_par`` (QLT or
    measured).  Raises NLGCUnavailable when the card has no NLGC."""
    ts = terms(card)
    k = solve(ts, kappa_par, card.particles.speed, card.field.B0, a2)
    note = SLAB_ONLY_NOTE if all(t.geometry == "slab" for t in ts) else ""
    return NLGCPrediction(kappa_perp=k, kappa_par=float(kappa_par), a2=a2, note=note)


def kappa_perp_or_none(card, kappa_par) -> tuple[float | None, str]:
    """(kappa_perp, note) for reports: None with the reason where NLGC does not apply."""
    if kappa_par is None:
        return None, "no kappa_par to start from"
    try:
        p = predict(card, float(kappa_par))
    except NLGCUnavailable as exc:
        return None, str(exc)
    except (ValueError, ArithmeticError, RuntimeError) as exc:    # an estimate beside the run: never its end
        return None, f"NLGC could not be solved: {exc}"
    return p.kappa_perp, p.note
