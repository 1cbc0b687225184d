"""What a scan's points say together: the energy slope delta of kappa_par ~ E^delta, and
the boost check (docs/physics.md §7.5-7.6).

* ``fit_slope``: weighted least squares of ln kappa against ln E, weights from the
  standard errors of kappa (sigma_ln = err/kappa); the slope error is the covariance's,
  multiplied by sqrt(chi^2/dof) when the scatter exceeds the errors (chi^2/dof > 1), so a
  poor power law widens the error instead of hiding.  Without errors (QLT, fluid) it is
  the ordinary least-squares slope.
* ``boost_check``: points that differ only in ``[field] boost`` measure the same physics
  if D/dB^2 is the same: D_mumu/boost^2 and kappa x boost^2 agree; their ratios between
  the boosts with errors, and whether they are within 2 sigma of 1.
"""
from __future__ import annotations

import math

import numpy as np

#: the observational requirement beside kappa(E) (docs/physics.md §7.5): kappa ~ 3e28 cm^2/s at
#: 1 GeV (Zweibel 2020 sec. 5) with delta = 0.3-0.7 (Kempski & Quataert 2022)
OBSERVED_KAPPA_GEV_CM2_S = 3e28
OBSERVED_DELTA = (0.3, 0.7)

#: energy slopes of the fluid self-confinement picture for a CR spectrum per ln k ~ k^0.7
#: (Hopkins et al. 2022 sec. 3.4): delta_s = 1 - (xi_k - 0.7)/(1 + xi_A)
SOURCE_DELTA = {"nonlinear_landau": 0.85, "turbulent": 1.2, "ion_neutral": 1.7}


def fit_slope(x, y, err=None) -> dict:
    """Slope of ln y against ln x: {"slope", "slope_err", "chi2_dof", "n"} (module docstring);
    points with y <= 0 or non-finite values are left out."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    e = np.full_like(y, np.nan) if err is None else np.asarray(err, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if err is not None:
        ok &= np.isfinite(e) & (e > 0)
    n = int(ok.sum())
    if n < 2:
        return {"slope": None, "slope_err": None, "chi2_dof": None, "n": n}
    lx, ly = np.log(x[ok]), np.log(y[ok])
    if err is None:
        a = np.polyfit(lx, ly, 1)
        return {"slope": float(a[0]), "slope_err": None, "chi2_dof": None, "n": n}
    s = e[ok] / y[ok]
    w = 1.0 / s ** 2
    A = np.stack([lx, np.ones_like(lx)], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    beta = cov @ (A.T @ (w * ly))
    resid = ly - A @ beta
    dof = n - 2
    chi2 = float(np.sum(w * resid ** 2) / dof) if dof > 0 else None
    scale = math.sqrt(max(chi2, 1.0)) if chi2 is not None else 1.0
    return {"slope": float(beta[0]), "slope_err": float(math.sqrt(cov[0, 0]) * scale), "chi2_dof": chi2, "n": n}


def energy_slopes(points) -> dict:
    """delta of the measured, QLT and fluid kappa_par (rescaled to the physical amplitude,
    so points with different boosts combine) against the total energy; also of the kappa_par
    computed from the measured D_mumu (``delta_from_dmumu``, unweighted: it has no error)."""
    e = [r.card.physical.energy_GeV for r in points]
    f = np.array([r.card.field.power_factor for r in points])

    def col(key):
        return np.array([np.nan if r.summary.get(key) is None else r.summary[key] for r in points], dtype=float) * f

    meas = fit_slope(e, col("kappa_par"), col("kappa_par_err"))
    qlt = fit_slope(e, col("qlt_kappa_par"))
    fluid = fit_slope(e, col("fluid_kappa_par"))
    from_d = fit_slope(e, col("kappa_par_from_dmumu"))
    out = {"delta": meas["slope"], "delta_err": meas["slope_err"], "delta_chi2_dof": meas["chi2_dof"],
           "qlt_delta": qlt["slope"], "fluid_delta": fluid["slope"], "delta_from_dmumu": from_d["slope"],
           "delta_points": meas["n"],
           "observed_delta": list(OBSERVED_DELTA)}
    if out["delta"] is not None and out["delta_err"] and out["qlt_delta"] is not None:
        out["delta_minus_qlt_sigma"] = (out["delta"] - out["qlt_delta"]) / out["delta_err"]
    mechanisms = sorted({m for r in points for c in r.card.field.components for m in getattr(c, "damping", ())
                         if isinstance(m, str) and m in SOURCE_DELTA})
    if mechanisms:
        out["source_delta"] = {m: SOURCE_DELTA[m] for m in mechanisms}
    return out


def _dmumu_per_power(res, estimator: str):
    """(D_mumu / boost^2, its error, resolved bins) of one point, by the lag or the
    correlation estimator at the point's lag."""
    f = res.card.field.power_factor
    val, err, val_c, err_c = res.dmumu.at(res.lag_index)
    if estimator == "corr":
        val, err = val_c, err_c
    return np.asarray(val) / f, np.asarray(err) / f, np.asarray(res.resolved, dtype=bool)


def _ratio(lo, hi, estimator):
    """Inverse-variance mean over the bins resolved at both of (D/b^2)_hi / (D/b^2)_lo."""
    d1, e1, r1 = _dmumu_per_power(lo, estimator)
    d2, e2, r2 = _dmumu_per_power(hi, estimator)
    use = r1 & r2 & np.isfinite(d1) & np.isfinite(d2) & (d1 > 0) & (d2 > 0) & (e1 > 0) & (e2 > 0)
    if not np.any(use):
        return None
    q = d2[use] / d1[use]
    qe = q * np.hypot(e2[use] / d2[use], e1[use] / d1[use])
    w = 1.0 / qe ** 2
    return float(np.sum(w * q) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w))), int(use.sum())


def boost_check(points, key_of) -> list[dict]:
    """For the points that share ``key_of(point)`` and differ in boost, the highest
    boost against the lowest (module docstring):

    * ``dmumu_ratio`` (lag estimator) and ``dmumu_corr_ratio`` (correlation estimator):
      (D_mumu/b^2 at the high boost) / (D_mumu/b^2 at the low one), the inverse-variance
      mean over the bins resolved at both, with its error (the two points' errors taken
      as independent, which overstates it: they share the fields);
    * ``kappa_ratio``: kappa_par b^2 at the high boost over the low one, with its error
      (only meaningful where both reached a plateau: ``plateau_reached``);
    * ``consistent``: every available ratio within 2 sigma of 1."""
    groups: dict = {}
    for r in points:
        groups.setdefault(key_of(r), []).append(r)
    out = []
    for key, grp in groups.items():
        if len({r.card.field.boost for r in grp}) < 2:
            continue
        lo, hi = sorted(grp, key=lambda r: r.card.field.boost)[::len(grp) - 1]
        entry = {"point": list(key) if isinstance(key, tuple) else key,
                 "boosts": [lo.card.field.boost, hi.card.field.boost]}
        checks = []
        for name, est in (("dmumu_ratio", "lag"), ("dmumu_corr_ratio", "corr")):
            got = _ratio(lo, hi, est)
            if got is not None:
                entry[name], entry[name + "_err"], entry["dmumu_bins"] = got
                checks.append(abs(got[0] - 1.0) <= 2.0 * got[1])
        k = [r.summary.get("kappa_par") for r in (lo, hi)]
        ke = [r.summary.get("kappa_par_err") for r in (lo, hi)]
        if all(v is not None and v > 0 for v in k + ke):
            f = [r.card.field.power_factor for r in (lo, hi)]
            resc = [a * b for a, b in zip(k, f)]
            entry["kappa_par_rescaled"] = resc
            entry["kappa_par_rescaled_err"] = [a * b for a, b in zip(ke, f)]
            entry["kappa_ratio"] = resc[1] / resc[0]
            entry["kappa_ratio_err"] = entry["kappa_ratio"] * math.hypot(ke[0] / k[0], ke[1] / k[1])
            entry["kappa_plateau_reached"] = [bool(r.summary.get("plateau_reached")) for r in (lo, hi)]
            if all(entry["kappa_plateau_reached"]):
                checks.append(abs(entry["kappa_ratio"] - 1.0) <= 2.0 * entry["kappa_ratio_err"])
        entry["consistent"] = bool(checks) and all(checks)
        out.append(entry)
    return out
