"""Slab turbulence: quasi-linear pitch-angle scattering and the parallel mean free path."""
from __future__ import annotations

import math

import numpy as np

from ..config import parse_card, parse_scan
from .core import Case, Check, k_sigma

FIVE_THIRDS = 5.0 / 3.0


def slab_card(name, seed, level_counts, *, dB2, rigidity, t_max, spectrum=None, n_output=48, mu_bins=20,
              scan=False, **particles):
    """A slab run card as a dict; ``level_counts`` = (realizations, particles)."""
    realizations, count = level_counts
    turb = {"model": "slab", "dB2": dB2, "spectrum": "power_law", "index": FIVE_THIRDS, "k_min": 1.0,
            "k_max": 300.0, "n_modes": 256, "polarization": "unpolarized"}
    turb.update(spectrum or {})
    d = {"run": {"name": name, "seed": seed, "realizations": realizations},
         "field": {"B0": 1.0, "turbulence": [turb]},
         "particles": {"count": count, "rigidity": rigidity, "pitch": "isotropic", **particles},
         "time": {"t_max": t_max, "n_output": n_output},
         "diagnostics": {"mu_bins": mu_bins, "trajectories": 4}}
    return parse_scan(d) if scan else parse_card(d)


def resolved_ratio(res, mu_lo=0.0, mu_hi=0.9):
    """measured/QLT (lag estimator) in the resolved bins with mu_lo <= |mu| <= mu_hi:
    (mu, ratio, error of the ratio)."""
    e, li = res.mu_edges, res.lag_index
    lo, hi = np.minimum(np.abs(e[:-1]), np.abs(e[1:])), np.maximum(np.abs(e[:-1]), np.abs(e[1:]))
    sel = res.resolved & (lo >= mu_lo - 1e-12) & (hi <= mu_hi + 1e-12)
    q = res.qlt_bin_mean[sel]
    return res.mu[sel], res.dmumu.lag[li][sel] / q, res.dmumu.lag_err[li][sel] / q


def weighted_mean(x, err):
    """Inverse-variance mean and its error over the entries with a finite positive error
    (NaN when there is none)."""
    x, err = np.asarray(x, dtype=float), np.asarray(err, dtype=float)
    ok = np.isfinite(x) & np.isfinite(err) & (err > 0)
    if not np.any(ok):
        return math.nan, math.nan
    w = 1.0 / err[ok] ** 2
    return float(np.sum(w * x[ok]) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w)))


def plot_dmumu_ratio(ax, res, label, color="C0"):
    mu, r, e = resolved_ratio(res, 0.0, 1.0)
    ax.errorbar(mu, r, yerr=e, fmt="o", ms=3, capsize=2, color=color, label=label)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(r"$D_{\mu\mu}$ measured / QLT")


class SlabDmumu(Case):
    """Weak slab turbulence: D_mumu(mu) is the quasi-linear one (Jokipii 1966).

    Parameters: B0 = 1, slab, unpolarised, dB^2/B0^2 = 0.003, Kolmogorov power law
    (index 5/3) over k L = 1-300 (256 modes), r_g = 0.1 L (k_max r_g = 30, so the
    resonance gap |mu| < 1/(r_g k_max) = 0.033 lies inside the central bins), t = 15 L/c.
    Expected: measured/QLT = 1, the inverse-variance mean over the resolved bins with
    |mu| <= 0.9, and the worst single bin.  Floor 3%: the lag estimator's start-up bias
    ~1/(Omega tau) at a lag of one gyro-period and the curvature of D over a bin
    (docs/physics.md §5.4-5.5); the literature's agreement in weak slab turbulence
    (Tautz et al. 2013) is at this level."""

    name = "slab_dmumu"
    title = "Slab D_mumu against quasi-linear theory (Jokipii 1966)"
    references = ("Jokipii, J. R. 1966, ApJ 146, 480", "Tautz, R. C. et al. 2013, A&A 558, A147")
    FLOOR = 0.03

    def cards(self, level):
        counts = {"quick": (8, 192), "full": (16, 2048)}[level]
        return {"slab": slab_card("slab_dmumu", 1966, counts, dB2=0.003, rigidity=0.1, t_max=15.0)}

    def evaluate(self, results, level):
        res = results["slab"]
        mu, r, e = resolved_ratio(res)
        m, me = weighted_mean(r, e)
        G = res.card.run.realizations
        k = k_sigma(G, 1 + r.size)
        worst = int(np.argmax(np.abs(r - 1) - k * e))
        return [Check("D_mumu measured/QLT, mean over resolved |mu| <= 0.9", m, me, 1.0,
                      "QLT (Jokipii 1966), same field", "ratio", self.FLOOR, k,
                      "lag estimator start-up bias ~1/(Omega tau) and bin curvature"),
                Check(f"D_mumu measured/QLT, worst bin (mu = {mu[worst]:+.2f})", float(r[worst]), float(e[worst]),
                      1.0, "QLT (Jokipii 1966), same field", "ratio", self.FLOOR, k,
                      "as above, bin by bin (k covers all bins)")]

    def plot(self, ax, results, checks):
        plot_dmumu_ratio(ax, results["slab"], r"$\delta B^2/B_0^2 = 0.003$")
        ax.set_title("slab: measured / QLT", fontsize=9)
        ax.legend(fontsize=8)


def lambda_par_bendover(r_g: float, l_b: float, index: float, norm: float) -> float:
    """Quasi-linear slab lambda_par [L] for the bend-over spectrum
    P(k) = norm (1 + (k l_b)^2)^(-index/2) (both transverse components, one-sided,
    continued over all k), unpolarised, magnetostatic, v = c (Bieber et al. 1994):

        lambda_par = (3 r_g^2 / (pi norm)) J,
        J = int_0^1 (1 - mu^2) mu (1 + (l_b/(r_g mu))^2)^(index/2) dmu
          = R^-s / (2 b (b+1)) 2F1(-s/2, b; b+2; -R^2),  R = r_g/l_b, b = 1 - s/2 (s < 2),

    from D_mumu = (pi/4) Omega (1 - mu^2) k_r P(k_r)/B0^2 at k_r = 1/(r_g |mu|)."""
    from scipy import special
    s, R = index, r_g / l_b
    b = 1.0 - s / 2.0
    J = 0.5 * R ** (-s) / (b * (b + 1.0)) * special.hyp2f1(-s / 2.0, b, b + 2.0, -R * R)
    return 3.0 * r_g * r_g / (math.pi * norm) * J


def lambda_par_ninety(card, width: float) -> float:
    """QLT lambda_par [L] with D_mumu held at its value at |mu| = ``width`` for
    |mu| < width (the spectrum continued above k_max): the 90-degree estimate.  Near
    mu = 0 a particle's local pitch-angle cosine swings by ~dB/B0 as the field direction
    wanders, so resonant scattering at |mu| < dB/B0 is replaced by that at the edge of
    the swing; QLT's D ~ |mu|^(s-1) -> 0 there is what makes lambda_par large."""
    from ..qlt.predict import dmumu
    x, w = np.polynomial.legendre.leggauss(200)
    u = 0.5 * (x + 1.0)
    mu, jac = u ** 3, 1.5 * w * u * u                      # mu = u^3 on [0, 1]: the |mu|^(1-s) end is smooth in u
    d = dmumu(card, np.maximum(mu, width), unbounded=True)  # D is even in mu (unpolarised)
    v = card.particles.speed
    return float(3.0 / v * v * v / 8.0 * 2.0 * np.sum(jac * (1.0 - mu * mu) ** 2 / d))


class SlabLambdaBendover(Case):
    """Slab lambda_par against the quasi-linear closed form for a bend-over spectrum
    (Bieber et al. 1994; Jokipii 1966), with the 90-degree effect as the lower bound.

    Parameters: B0 = 1, slab, unpolarised, dB^2/B0^2 = 0.02, bend-over spectrum
    P ~ (1 + (k l_b)^2)^(-5/6) with l_b = 1 L sampled over k L = 0.01-100 (256 modes),
    r_g/l_b = 0.3 and 1 (a scan: the same fields for both); t_max about ten times the
    QLT lambda_par/v.  The measured lambda_par is the plateau of <dz^2>/(2t).

    Expected range.  Upper end: the closed form of ``lambda_par_bendover`` for the
    simulated normalisation, plus 15% because non-linear decorrelation lowers the
    resonant D_mumu by 5-15% at this level (docs/physics.md §8).  Lower end: QLT with the
    90-degree effect, ``lambda_par_ninety`` with width dB/B0 = 0.14, minus 10%.  For a
    spectrum index s < 2 QLT's D_mumu ~ |mu|^(s-1) vanishes at 90 degrees and the
    small-|mu| region carries a large part of lambda_par (the integrand ~ |mu|^(1-s)), so
    particles that cross 90 degrees by the wandering of the field direction (mirroring,
    resonance broadening; the "90-degree problem") shorten it: at dB^2 = 0.02 the
    estimate is 0.6 of QLT.  The numerical QLT is also checked against the closed form."""

    name = "slab_lambda_bendover"
    title = "Slab lambda_par against the bend-over closed form (Bieber et al. 1994)"
    references = ("Bieber, J. W. et al. 1994, ApJ 420, 294", "Jokipii, J. R. 1966, ApJ 146, 480",
                  "Tautz, R. C. et al. 2013, A&A 558, A147")
    UPPER, LOWER = 1.15, 0.90
    RIGIDITIES = (0.3, 1.0)

    def cards(self, level):
        counts = {"quick": (8, 16), "full": (16, 128)}[level]
        return {"scan": slab_card("slab_lambda", 1994, counts, dB2=0.02, rigidity=list(self.RIGIDITIES),
                                  t_max=2500.0, spectrum={"spectrum": "bendover", "l_bendover": 1.0, "k_min": 0.01,
                                                          "k_max": 100.0}, n_output=40, scan=True)}

    @staticmethod
    def closed_form(card) -> float:
        sp = card.field.components[0].spectrum
        norm = float(sp.density(sp.k_min)) / float(sp.shape(sp.k_min))
        return lambda_par_bendover(card.r_g, sp.l_bendover, sp.index, norm)

    def bounds(self, card) -> tuple[float, float]:
        width = math.sqrt(card.field.dB2_total) / card.field.B0
        return self.LOWER * lambda_par_ninety(card, width), self.UPPER * self.closed_form(card)

    def evaluate(self, results, level):
        scan = results["scan"]
        k = k_sigma(scan[0].card.run.realizations, len(scan))
        out = []
        for res in scan:
            s, lam = res.summary, self.closed_form(res.card)
            lo, hi = self.bounds(res.card)
            out.append(Check(f"lambda_par [L], r_g/l_b = {res.card.r_g:g} (closed form {lam:.4g})", s["lambda_par"],
                             s["lambda_par_err"], lo, "QLT closed form (Bieber et al. 1994) and its 90-degree estimate",
                             "interval", 0.0, k, "90-degree crossing (lower), non-linear decorrelation (upper)",
                             expected_hi=hi))
            out.append(Check(f"QLT lambda_par (numerical) / closed form, r_g/l_b = {res.card.r_g:g}",
                             s["qlt_lambda_par"] / lam, 0.0, 1.0, "hypergeometric closed form", "ratio", 1e-6, k,
                             "quadrature accuracy of the package's QLT"))
        return out

    def plot(self, ax, results, checks):
        scan = results["scan"]
        rg = np.array([r.card.r_g for r in scan])
        ax.errorbar(rg, [r.summary["lambda_par"] for r in scan], yerr=[r.summary["lambda_par_err"] for r in scan],
                    fmt="o", color="C0", capsize=2, label="measured", zorder=3)
        card = scan[0].card
        sp = card.field.components[0].spectrum
        norm = float(sp.density(sp.k_min)) / float(sp.shape(sp.k_min))
        grid = np.geomspace(0.15, 2.0, 40)
        ax.plot(grid, [lambda_par_bendover(g, sp.l_bendover, sp.index, norm) for g in grid], "k--",
                label="QLT closed form")
        b = np.array([self.bounds(r.card) for r in scan])
        ax.fill_between(rg, b[:, 0], b[:, 1], color="0.85", label="expected range")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$r_g / l_b$")
        ax.set_ylabel(r"$\lambda_\parallel$ [L]")
        ax.legend(fontsize=8)


class SlabHelicity(Case):
    """Helical slab waves scatter one hemisphere only (quasi-linear resonance condition
    with magnetic helicity; Schlickeiser 2002, §12).

    Parameters: B0 = 1, slab, right-handed (magnetic helicity sigma = +1),
    dB^2/B0^2 = 0.003, power law 5/3 over k L = 1-300 (256 modes), r_g = 0.1 L, protons
    (charge +1), t = 10 L/c.  Expected: QLT D_mumu carries the factor 1 + sigma sign(q mu),
    so protons resonate at mu > 0 only (twice the unpolarised value) and not at all at
    mu < 0.  Measured with the slope estimator (the growth of <dmu^2> between lags,
    docs/physics.md §5.4): with one-handed waves the reversible, gyro-phase part of
    <dmu^2> at a lag of one gyro-period is first order in dB^2 and of either sign -- it
    makes the lag estimator 6% low in the active hemisphere and 5% of the active value in
    the passive one, at any dB^2 -- and the slope removes it.  Checks: measured/QLT in
    the active hemisphere (0.15 < mu < 0.9; floor 3% as for slab_dmumu) and the passive
    hemisphere at most a tenth of the active one (what remains there is non-resonant)."""

    name = "slab_helicity"
    title = "Helical slab waves scatter one hemisphere (resonance with helicity)"
    references = ("Schlickeiser, R. 2002, Cosmic Ray Astrophysics, Springer",
                  "Jokipii, J. R. 1966, ApJ 146, 480")
    FLOOR = 0.03

    def cards(self, level):
        counts = {"quick": (6, 128), "full": (16, 1024)}[level]
        return {"right": slab_card("slab_helicity", 2002, counts, dB2=0.003, rigidity=0.1, t_max=10.0,
                                   spectrum={"polarization": "right"})}

    def evaluate(self, results, level):
        res = results["right"]
        mu, li = res.mu, res.lag_index
        d, de = res.dmumu.slope[li], res.dmumu.slope_err[li]
        act = (mu > 0.15) & (mu < 0.9)
        pas = (mu < -0.15) & (mu > -0.9)
        sel = res.resolved & act
        q = res.qlt_bin_mean[sel]
        m, me = weighted_mean(d[sel] / q, de[sel] / q)
        k = k_sigma(res.card.run.realizations, 2)
        ratio = float(np.mean(d[pas]) / np.mean(d[act]))
        ratio_err = ratio * math.hypot(math.sqrt(np.sum(de[pas] ** 2)) / np.sum(d[pas]),
                                       math.sqrt(np.sum(de[act] ** 2)) / np.sum(d[act]))
        return [Check("D_mumu measured/QLT, active hemisphere (0.15 < mu < 0.9)", m, me, 1.0,
                      "QLT with helicity: factor 1 + sigma sign(q mu)", "ratio", self.FLOOR, k,
                      "lag estimator start-up bias and bin curvature"),
                Check("D_mumu passive/active hemisphere", ratio, ratio_err, 0.1,
                      "QLT: zero in the passive hemisphere", "at_most", 0.0, k,
                      "non-resonant scattering, second order in dB, stays far below resonant")]

    def plot(self, ax, results, checks):
        res = results["right"]
        li = res.lag_index
        ax.errorbar(res.mu, res.dmumu.slope[li], yerr=res.dmumu.slope_err[li], fmt="o", ms=3, capsize=2,
                    label="measured, slope estimator (right-handed, protons)")
        ax.plot(res.mu, res.qlt_bin_mean, "k--", label="QLT with helicity")
        ax.set_yscale("symlog", linthresh=1e-6)
        ax.set_xlabel(r"$\mu$")
        ax.set_ylabel(r"$D_{\mu\mu}$ [c/L]")
        ax.legend(fontsize=8)
