"""QLT predictions for a whole run card: the sum over the card's field components
(independent components add in D_mumu, D_mup and D_pp), evaluated for the card's
particles.

:func:`predict` computes everything a run needs -- D_mumu at the bin centres and
averaged over the bins, its maximum (the automatic D_mumu lag) and kappa_par; with
moving waves also D_mup, D_pp and the pitch-angle-averaged transport (A1, A2, the
streaming speed; :class:`MomentumPrediction`) -- once per (field, particle species,
[qlt] settings, mu bins), and keeps it: ``mcparticles info``, the planner and the
analysis of a run all read the same :class:`QLTPrediction`.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from scipy import integrate

from .kappa import kappa_par_from_dmumu


class QLTUnavailable(ValueError):
    """QLT is not defined for this card (reason in the message)."""


def _check(card):
    if card.field.B0 <= 0:
        raise QLTUnavailable("QLT needs a mean field: field.B0 = 0")


def _broadening(card):
    """dB_par,rms of the whole field for the broadened resonance (Yan & Lazarian 2008), or None."""
    if card.qlt.resonance != "broadened":
        return None
    return math.sqrt(sum(c.dB2_parallel for c in card.field.components)) or None


def transport(card, mu, *, unbounded: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total QLT (D_mumu [c/L], D_mup [p0 c/L], D_pp [p0^2 c/L]) at ``mu`` (momenta in
    units of the initial one); static fields give zero D_mup and D_pp."""
    _check(card)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    totals = [np.zeros_like(mu) for _ in range(3)]
    from .mhd import TooManyHarmonics
    for comp in card.field.components:
        try:
            parts = comp.transport_qlt(mu, card.particles, card.field.B0, card.qlt, unbounded=unbounded,
                                       broadening=_broadening(card))
        except TooManyHarmonics as exc:
            raise QLTUnavailable(str(exc)) from None
        for t, x in zip(totals, parts):
            t += x
    return totals[0], totals[1], totals[2]


def dmumu(card, mu, *, unbounded: bool = False) -> np.ndarray:
    """Total QLT D_mumu [c/L] at ``mu``; ``unbounded`` continues spectra above k_max."""
    if card.field.moving:
        return transport(card, mu, unbounded=unbounded)[0]
    _check(card)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    total = np.zeros_like(mu)
    broadening = _broadening(card)
    from .mhd import TooManyHarmonics
    for comp in card.field.components:
        try:
            total += comp.dmumu_qlt(mu, card.particles, card.field.B0, card.qlt, unbounded=unbounded,
                                    broadening=broadening)
        except TooManyHarmonics as exc:
            raise QLTUnavailable(str(exc)) from None
    return total


def closed_form(card) -> bool:
    """True when every component's QLT is a closed form (slab-type), so adaptive
    quadrature over mu is affordable; otherwise fixed Gauss-Legendre nodes are used."""
    return all(c.closed_form_qlt for c in card.field.components)


def _gauss_legendre(a, b, n):
    from scipy.special import roots_legendre
    x, w = roots_legendre(n)
    return 0.5 * (b - a) * x + 0.5 * (b + a), 0.5 * (b - a) * w


def _bin_mean_closed_form(card, edges) -> np.ndarray:
    """QLT D_mumu averaged over each mu bin (particles are uniform in mu within a bin
    for isotropic pitch angles), by adaptive quadrature: for closed-form D_mumu only
    (the integral models use Gauss-Legendre nodes, ``_compute``)."""
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        pts = [0.0] if a < 0 < b else None
        val, _ = integrate.quad(lambda m: float(dmumu(card, m)[0]), a, b, points=pts, limit=200)
        out.append(val / (b - a))
    return np.array(out)


#: Gauss-Legendre nodes per mu bin for the bin means of the QLT integrals
BIN_NODES = 6


def _bin_nodes(edges, n=BIN_NODES):
    """(nodes, weights), each (n_bins, n): the Gauss-Legendre rule of every bin."""
    rules = [_gauss_legendre(a, b, n) for a, b in zip(edges[:-1], edges[1:])]
    return np.array([x for x, _ in rules]), np.array([w for _, w in rules])


def mirror_exactly(mu: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """``mu`` with every negative value that is the mirror image of a positive one to
    within ``tol`` (bin edges from linspace are symmetric only to rounding) replaced by
    exactly minus it, so that the |mu| of a symmetric point set repeat exactly and
    dmumu_mhd computes each once.  Moves points by at most ``tol``."""
    mu = np.array(mu, dtype=float)
    pos = np.unique(mu[mu > 0])
    neg = np.flatnonzero(mu < 0)
    if pos.size and neg.size:
        j = np.clip(np.searchsorted(pos, -mu[neg]), 1, pos.size - 1) if pos.size > 1 else np.zeros(neg.size, int)
        for cand in (pos[j], pos[j - 1] if pos.size > 1 else pos[j]):
            close = np.abs(cand + mu[neg]) <= tol
            mu[neg[close]] = -cand[close]
    return mu


@dataclass(frozen=True)
class KappaPrediction:
    kappa_par: float            # band-unlimited spectrum (no 90-degree gap)
    lambda_par: float
    kappa_par_band: float       # the simulated band only (inf with a 90-degree gap)
    gap_mu: float               # 1/(r_g k_par_max): sharp QLT D_mumu = 0 for |mu| below this
    note: str = ""              # why kappa_par is infinite, when it is


DIVERGES = ("QLT kappa_par diverges: even with the spectrum continued above k_max, D_mumu vanishes "
            "too fast at mu -> 0 (static fields: no resonance carries particles through 90 degrees; "
            "fully helical slab waves leave one hemisphere unscattered); the measured kappa_par is "
            "set by non-linear effects")


def kappa(card) -> KappaPrediction:
    """QLT kappa_par = (v^2/8) int (1-mu^2)^2/D_mumu dmu (qlt/kappa.py) for the
    band-unlimited spectrum, which is what a measurement approaches when
    (r_g k_max)^(-1/3) is small (docs/physics.md §4.7), and for the
    band itself."""
    _check(card)
    v = card.particles.speed
    gap = 1.0 / (card.r_g * card.field.k_par_max)
    if closed_form(card):
        k_unb = kappa_par_from_dmumu(lambda m: dmumu(card, m, unbounded=True), v)
        k_band = kappa_par_from_dmumu(lambda m: dmumu(card, m), v)
    else:
        k_unb = _kappa_nodes(card, v, unbounded=True)
        # sharp resonance: D_mumu = 0 for |mu| < gap, so the band alone gives kappa = inf
        k_band = _kappa_nodes(card, v, unbounded=False) if card.qlt.resonance == "broadened" else math.inf
    return KappaPrediction(kappa_par=k_unb, lambda_par=3.0 * k_unb / v if math.isfinite(k_unb) else math.inf,
                           kappa_par_band=k_band, gap_mu=gap, note="" if math.isfinite(k_unb) else DIVERGES)


def _kappa_nodes(card, v, unbounded, n=40):
    """kappa_par integral for costly QLT: trapezoid in ln|mu| on n geometric nodes per
    hemisphere from mu_lo = 10/(r_g k_top) to 1 (k_top the largest resonant k), which
    resolves the integrable mu -> 0 singularity of (1-mu^2)^2/D; the piece [0, mu_lo]
    is added from the local power law f ~ mu^p (p > -1, else kappa is infinite).  Both
    hemispheres in one call (the same |mu| is computed once)."""
    k_top = card.field.k_par_max * (1e3 if unbounded else 1.0)
    mu_lo = min(0.1, 10.0 / (card.r_g * k_top))
    m = np.geomspace(mu_lo, 1.0 - 1e-9, n)
    d_both = dmumu(card, np.concatenate([-m, m]), unbounded=unbounded)
    total = 0.0
    for d in (d_both[:n], d_both[n:]):
        if np.any(d <= 0):
            return math.inf
        f = (1 - m * m) ** 2 / d
        total += integrate.trapezoid(f * m, np.log(m))
        p = np.log(f[1] / f[0]) / np.log(m[1] / m[0])
        if p <= -1:
            return math.inf
        total += mu_lo * f[0] / (1 + p)
    return float(v * v / 8 * total)


# -- moving waves: pitch-angle-averaged transport ----------------------------------------------

@dataclass(frozen=True)
class MomentumPrediction:
    """Diffusion-convection (pitch-angle-averaged) transport of moving waves
    (docs/physics.md §6.3; Skilling 1975, Schlickeiser 1989), momenta in units of p0:

        kappa_par = (v^2/8) int (1-mu^2)^2 / D_mumu dmu            [L c]
        A1 = (v/4) int (1-mu^2) D_mup / D_mumu dmu                  [p0 c]
        A2 = (1/2) int (D_pp - D_mup^2 / D_mumu) dmu                [p0^2 c/L]
        u_st = 3 A1 / p                                             [c]

    u_st is the bulk speed of the relaxed distribution along B0; to first order in
    eps = v_A/v it equals the slab-family form (3 v_A/4) int (1-mu^2) (D+ - D-)/(D+ + D-)
    dmu, since D_mup = eps (D+ - D-) + O(eps^2): v_A for one family, 0 for balanced ones.
    ``unbounded``: spectra continued above k_max (the band-limited values are infinite
    or undefined when D_mumu vanishes on an interval)."""

    kappa_par: float
    A1: float
    A2: float
    streaming_speed: float
    band_limited: bool


def _hemisphere_nodes(card, unbounded: bool, n: int = 32):
    """mu nodes on (-1, 1) that resolve D_mumu near mu = 0 and near the moved gaps
    mu = +-v_A/v: geometric in |mu - c| around each such point c (c itself left out: an
    isolated zero of D there, e.g. fast modes exactly at mu = 0, is integrable)."""
    k_top = card.field.k_par_max * (1e3 if unbounded else 1.0)
    w = min(0.05, 10.0 / (card.r_g * k_top))
    eps = card.field.wave_speed_max / card.particles.speed
    centres = sorted({0.0, min(eps, 0.9), -min(eps, 0.9)})
    pts = [np.linspace(-1.0, 1.0, 2 * n + 2)]
    for c in centres:
        off = np.geomspace(w * 1e-3, 0.5, n)
        pts += [c + off, c - off]
    mu = np.unique(np.clip(np.concatenate(pts), -1.0, 1.0))
    return mu[np.min(np.abs(mu[:, None] - np.array(centres)[None, :]), axis=1) > 1e-12]


def momentum_transport(card, *, unbounded: bool = True) -> MomentumPrediction:
    """The :class:`MomentumPrediction` of ``card``: integrals over mu by the trapezoid
    rule in mu on nodes that resolve the resonance gaps (``_hemisphere_nodes``); kappa_par
    is infinite when D_mumu vanishes at a node inside (-1, 1)."""
    _check(card)
    v = card.particles.speed
    # closed forms are cheap: more nodes; the MHD integrals cost ~0.1 s a |mu|
    mu = _hemisphere_nodes(card, unbounded, n=32 if closed_form(card) else 16)
    d_mumu, d_mup, d_pp = transport(card, mirror_exactly(mu), unbounded=unbounded)
    inner = (mu > -1.0) & (mu < 1.0)
    if np.all(d_mumu[inner] > 0):
        safe = np.where(d_mumu > 0, d_mumu, 1.0)
        kappa_par = v * v / 8.0 * integrate.trapezoid(np.where(inner, (1 - mu * mu) ** 2 / safe, 0.0), mu)
        a1 = v / 4.0 * integrate.trapezoid(np.where(inner, (1 - mu * mu) * d_mup / safe, 0.0), mu)
        a2 = 0.5 * integrate.trapezoid(np.where(inner, d_pp - d_mup * d_mup / safe, 0.0), mu)
    else:
        kappa_par, a1, a2 = math.inf, math.nan, math.nan
    return MomentumPrediction(kappa_par=float(kappa_par), A1=float(a1), A2=float(a2), streaming_speed=float(3.0 * a1),
                              band_limited=not unbounded)


# -- everything a run needs, once ------------------------------------------------------------

@dataclass(frozen=True)
class QLTPrediction:
    """The QLT of one card's field and particles (``None`` where unavailable, with the
    reason).  ``dmumu_max`` is the largest D_mumu over |mu| <= 0.99 (the automatic lag
    of the D_mumu estimators, planning.py); ``seconds`` what it cost."""

    mu_edges: np.ndarray
    dmumu_centre: np.ndarray | None
    dmumu_bin_mean: np.ndarray | None
    dmumu_max: float | None
    kappa: KappaPrediction | None
    reason: str = ""
    kappa_reason: str = ""
    seconds: float = 0.0
    dmup_centre: np.ndarray | None = None       # moving waves only
    dmup_bin_mean: np.ndarray | None = None
    dpp_centre: np.ndarray | None = None
    dpp_bin_mean: np.ndarray | None = None
    momentum: MomentumPrediction | None = None  # band-unlimited; None for static fields
    momentum_band: MomentumPrediction | None = None

    @property
    def available(self) -> bool:
        return self.dmumu_centre is not None

    @property
    def mu_centre(self) -> np.ndarray:
        return 0.5 * (self.mu_edges[1:] + self.mu_edges[:-1])


#: predictions kept per process (key: field, particle species, [qlt], mu bins)
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64


def _key(card):
    species = replace(card.particles, count=1, pitch="isotropic")
    return card.field, species, card.qlt, card.diagnostics.mu_bins


def predict(card) -> QLTPrediction:
    """The :class:`QLTPrediction` for ``card``, computed on the first call for its
    (field, particle species, [qlt] settings, mu bins) and reused after."""
    key = _key(card)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _compute(card)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def remember(card, prediction: QLTPrediction) -> None:
    """Store a prediction computed elsewhere (another MPI rank) for ``card``."""
    _CACHE[_key(card)] = prediction


def _compute(card) -> QLTPrediction:
    from ..diagnostics.dmumu import mu_edges
    t0 = time.perf_counter()
    edges = mu_edges(card.diagnostics.mu_bins)
    centre = 0.5 * (edges[1:] + edges[:-1])
    lag_mu = np.linspace(-0.99, 0.99, 199 if all(c.geometry == "slab" for c in card.field.components) else 41)
    try:
        _check(card)
        if closed_form(card):
            d_centre = dmumu(card, centre)
            d_bins = _bin_mean_closed_form(card, edges)
            d_max = float(np.max(dmumu(card, lag_mu)))
        else:
            # one call for every node: each component computes each |mu| once
            nodes, weights = _bin_nodes(edges)
            d = dmumu(card, mirror_exactly(np.concatenate([nodes.ravel(), centre, lag_mu])))
            d_nodes, d_centre, d_lag = np.split(d, [nodes.size, nodes.size + centre.size])
            d_bins = np.sum(weights * d_nodes.reshape(nodes.shape), axis=1) / np.diff(edges)
            d_max = float(np.max(d_lag))
    except QLTUnavailable as exc:
        return QLTPrediction(edges, None, None, None, None, reason=str(exc), kappa_reason=str(exc),
                             seconds=time.perf_counter() - t0)
    if card.field.moving:
        return _compute_moving(card, edges, centre, lag_mu, t0)
    try:
        kq, k_reason = kappa(card), ""
    except QLTUnavailable as exc:
        kq, k_reason = None, str(exc)
    return QLTPrediction(edges, d_centre, d_bins, d_max, kq, kappa_reason=k_reason,
                         seconds=time.perf_counter() - t0)


def _compute_moving(card, edges, centre, lag_mu, t0) -> QLTPrediction:
    """``_compute`` for moving waves: D_mumu, D_mup, D_pp at the bin centres and as bin
    means (Gauss-Legendre nodes, more per bin for the closed forms), and the
    pitch-angle-averaged transport for the band-unlimited spectra and for the band."""
    try:
        nodes, weights = _bin_nodes(edges, 16 if closed_form(card) else BIN_NODES)
        d = transport(card, mirror_exactly(np.concatenate([nodes.ravel(), centre, lag_mu])))
        parts = []
        for x in d:
            x_nodes, x_centre, x_lag = np.split(x, [nodes.size, nodes.size + centre.size])
            parts.append((x_centre, np.sum(weights * x_nodes.reshape(nodes.shape), axis=1) / np.diff(edges), x_lag))
        mom = momentum_transport(card, unbounded=True)
        # the band alone: for the closed forms (for sharp 3D integrals it has the gap of
        # the static field, kappa = inf, as in ``kappa``)
        mom_band = momentum_transport(card, unbounded=False) if closed_form(card) else None
    except QLTUnavailable as exc:
        return QLTPrediction(edges, None, None, None, None, reason=str(exc), kappa_reason=str(exc),
                             seconds=time.perf_counter() - t0)
    (dc, db, dl), (uc, ub, _), (pc, pb, _) = parts
    gap = 1.0 / (card.r_g * card.field.k_par_max)
    kq = KappaPrediction(kappa_par=mom.kappa_par,
                         lambda_par=3.0 * mom.kappa_par / card.particles.speed if math.isfinite(mom.kappa_par)
                         else math.inf, kappa_par_band=mom_band.kappa_par if mom_band else math.inf, gap_mu=gap,
                         note="" if math.isfinite(mom.kappa_par) else DIVERGES)
    return QLTPrediction(edges, dc, db, float(np.max(dl)), kq, seconds=time.perf_counter() - t0,
                         dmup_centre=uc, dmup_bin_mean=ub, dpp_centre=pc, dpp_bin_mean=pb, momentum=mom,
                         momentum_band=mom_band)


def as_dict(card, mu) -> dict:
    """What ``mcparticles qlt --json`` prints for ``card`` at ``mu`` (dimensionless units;
    kappa_par in L c, lambda_par in L, D_mumu in c/L; None where QLT gives no finite
    number, with ``kappa_note`` saying why)."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    pred = predict(card)
    if not pred.available:
        raise QLTUnavailable(pred.reason)
    d = dmumu(card, mu)
    fin = lambda x: float(x) if x is not None and math.isfinite(x) else None   # noqa: E731
    k = pred.kappa
    out = {"mu": mu.tolist(), "dmumu": d.tolist(),
           "kappa_par": fin(k.kappa_par) if k else None, "lambda_par": fin(k.lambda_par) if k else None,
           "kappa_par_band_limited": fin(k.kappa_par_band) if k else None,
           "gap_mu": 1.0 / (card.r_g * card.field.k_par_max), "rigidity": card.particles.rigidity,
           "r_g": card.r_g, "dB2": card.field.dB2_total, "v_A": card.field.v_A}
    if k is None:
        out["kappa_note"] = pred.kappa_reason
    elif k.note:
        out["kappa_note"] = k.note
    f = card.field.power_factor
    out["boost"] = card.field.boost
    if card.physical is not None:
        out["kappa_par_cm2_s"] = fin(card.physical.kappa_cm2_s(k.kappa_par) * f) if k else None
        if f != 1.0:
            out["kappa_par_cm2_s_note"] = f"rescaled to the physical amplitude: x boost^2 = {f:.6g}"
    if card.field.plasma is not None:
        out["plasma"] = card.field.plasma.summary()
    from . import nlgc
    out["kappa_perp_nlgc"], note = nlgc.kappa_perp_or_none(card, out["kappa_par"])
    out["nlgc_note"] = note or nlgc.VARIANT
    from ..analysis import fluid_kappa
    fluid = fluid_kappa(card)
    if fluid is not None:
        out["fluid_kappa_par"] = fin(fluid)
        if card.physical is not None:
            out["fluid_kappa_par_cm2_s"] = fin(card.physical.kappa_cm2_s(fluid) * f)
    if card.field.moving:
        _, d_mup, d_pp = transport(card, mu)
        m = pred.momentum
        out.update({"dmup": d_mup.tolist(), "dpp": d_pp.tolist(), "A1": fin(m.A1), "A2": fin(m.A2),
                    "streaming_speed": fin(m.streaming_speed), "eps": card.field.v_A / card.particles.speed,
                    "momentum_unit": "p0 (the initial momentum)"})
    return out
